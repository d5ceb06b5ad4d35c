#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Judged test cases: one compile, one run per case, a verdict each, nothing of one case in the next."""
import itertools
import json

from sandrun_test import SandrunTestCase, main, request

_addresses = ('127.0.7.%d' % i for i in itertools.cycle(range(250, 256)))


def brief(d):
    """The answer without its long outputs, for failure messages."""
    return {k: v if k != 'tests' else [{**t, 'stdout': t['stdout'][:80], 'stderr': t['stderr'][:80]} for t in v]
            for k, v in d.items()}


def post(body, expect=200):
    r = request('POST', '/run', json.dumps(body), {'Content-Type': 'application/json'},
                source=next(_addresses), timeout=300)
    if r.status != expect:
        raise AssertionError('POST /run answered %d, expected %d: %r' % (r.status, expect, r.body[:2000]))
    return r.json()


# What it does is what its stdin says.
PROGRAM = r'''
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static int others(void) {   /* processes of the job besides us and the init */
        int n = 0; struct dirent *e; DIR *d = opendir("/proc");
        while ((e = readdir(d)))
                if (atoi(e->d_name) > 1 && atoi(e->d_name) != getpid()) n++;
        closedir(d);
        return n;
}
int main(void) {
        char cmd[64] = "";
        if (scanf("%63s", cmd) != 1) return 2;
        if (!strcmp(cmd, "add")) { long a, b; if (scanf("%ld %ld", &a, &b) != 2) return 3; printf("%ld\n", a + b); }
        else if (!strcmp(cmd, "loop")) { for (;;) ; }
        else if (!strcmp(cmd, "mem")) { size_t n = 700u << 20; volatile char *p = malloc(n); for (size_t i = 0; i < n; i += 4096) p[i] = 1; printf("%d\n", p[4096]); }
        else if (!strcmp(cmd, "fork")) { for (;;) if (fork() < 0) { fputs("fork failed\n", stderr); exit(1); } }
        else if (!strcmp(cmd, "segv")) { *(volatile int *) 0 = 1; }
        else if (!strcmp(cmd, "sleep")) { sleep(1000); }
        else if (!strcmp(cmd, "spam")) { for (;;) puts("0123456789abcdef"); }
        else if (!strcmp(cmd, "leave")) {
                FILE *f = fopen("/work/left", "w"); fputs("x", f); fclose(f);
                fclose(fopen("/tmp/left", "w")); fclose(fopen("/dev/shm/left", "w"));
                unlink("/work/main.c");
                if (fork() == 0) { setsid(); if (fork() == 0) { sleep(1000); } _exit(0); }
                sleep(1); printf("%d\n", others());
        }
        else if (!strcmp(cmd, "look"))
                printf("%d%d%d%d %d\n", access("/work/left", F_OK) == 0, access("/tmp/left", F_OK) == 0,
                       access("/dev/shm/left", F_OK) == 0, access("/work/main.c", F_OK) == 0, others());
        return 0;
}
'''


class Judge(SandrunTestCase):
    def test_verdicts(self):
        tests = [
            {'stdin': 'add 2 3', 'expected_output': '5'},
            {'stdin': 'add 2 3', 'expected_output': '6\n'},
            {'stdin': 'loop'},
            {'stdin': 'mem'},
            {'stdin': 'fork'},
            {'stdin': 'segv'},
            {'stdin': 'spam'},
            {'stdin': 'nonsense'},
            {'stdin': ''},
            {'stdin': 'add 40 2', 'expected_output': '42  \n\n\n'},
        ]
        d = post({'lang': 'c', 'code': PROGRAM, 'tests': tests, 'timeout': 1})
        self.assertEqual((d['status'], d['reason']), ('completed', None), d)
        verdicts = [t['verdict'] for t in d['tests']]
        self.assertEqual(verdicts, ['accepted', 'wrong_answer', 'time_limit', 'memory_limit', 'runtime_error',
                                    'runtime_error', 'output_limit', 'accepted', 'runtime_error', 'accepted'], brief(d))
        self.assertEqual(d['summary'], {'total': 10, 'passed': 3, 'failed': 7})
        loop, mem, fork, segv = d['tests'][2:6]
        # RLIMIT_CPU is checked on scheduler ticks and rusage splits time by samples: about 1 s, not exactly.
        self.assertGreaterEqual(loop['cpu_seconds'], 0.7, loop)
        self.assertLess(loop['wall_seconds'], 1 * 12 + 2, loop)
        self.assertGreater(mem['memory_mb'], 400, mem)
        self.assertEqual(mem['signal'], 9, mem)
        self.assertIn('fork failed', fork['stderr'])
        self.assertEqual((segv['signal'], segv['exit_code']), (11, None), segv)
        self.assertEqual(d['tests'][8]['exit_code'], 2)
        for t in d['tests']:
            self.assertEqual(set(t), {'verdict', 'exit_code', 'signal', 'stdout', 'stderr', 'truncated',
                                      'cpu_seconds', 'wall_seconds', 'memory_mb'})
        self.assertTrue(d['tests'][6]['truncated'])

    def test_nothing_survives_a_case(self):
        d = post({'lang': 'c', 'code': PROGRAM, 'tests': [
            {'stdin': 'look', 'expected_output': '0001 0'},
            {'stdin': 'leave', 'expected_output': '2'},      # the setsid'd child and its sleeping grandchild
            {'stdin': 'look', 'expected_output': '0001 0'},
        ]})
        self.assertEqual([t['verdict'] for t in d['tests']], ['accepted'] * 3, d)

    def test_sleeper_hits_the_wall_limit(self):
        d = post({'lang': 'python', 'code': 'import time, sys\nif sys.stdin.read() == "s": time.sleep(60)\nprint(1)\n',
                  'tests': [{'stdin': 's'}, {'stdin': 'x', 'expected_output': '1'}], 'timeout': 1})
        self.assertEqual([t['verdict'] for t in d['tests']], ['time_limit', 'accepted'], d)
        self.assertLess(d['tests'][0]['cpu_seconds'], 0.5, d)

    def test_fifty_cases(self):
        tests = [{'stdin': 'add %d %d' % (i, i * i), 'expected_output': '%d\n' % (i + i * i)} for i in range(50)]
        tests[17]['expected_output'] = 'wrong'
        d = post({'lang': 'c', 'code': PROGRAM, 'tests': tests})
        self.assertEqual(d['summary'], {'total': 50, 'passed': 49, 'failed': 1}, d['summary'])
        self.assertEqual(d['tests'][17]['verdict'], 'wrong_answer')
        self.assertEqual(d['tests'][49]['stdout'], '%d\n' % (49 + 49 * 49))
        self.assertEqual(len([s for s in d['compile']['stderr'].splitlines() if 'error' in s]), 0)

    def test_interpreted_and_compare(self):
        code = 'import sys\nprint(sys.stdin.read().upper(), end="")\n'
        tests = [{'stdin': 'ab  \ncd', 'expected_output': 'AB\nCD\n'}, {'stdin': 'x', 'expected_output': 'X'}]
        d = post({'lang': 'python', 'code': code, 'tests': tests})
        self.assertEqual([t['verdict'] for t in d['tests']], ['accepted', 'accepted'], d)
        self.assertNotIn('compile', d)
        d = post({'lang': 'python', 'code': code, 'tests': tests, 'compare': 'exact'})
        self.assertEqual([t['verdict'] for t in d['tests']], ['wrong_answer', 'accepted'], d)

    def test_compile_error_runs_no_case(self):
        d = post({'lang': 'c', 'code': 'int main(void) { nope; }', 'tests': [{'stdin': ''}, {'stdin': ''}]})
        self.assertEqual((d['status'], d['reason']), ('failed', 'compile'), d)
        self.assertEqual([t['verdict'] for t in d['tests']], ['skipped', 'skipped'], d)
        self.assertEqual(d['summary']['passed'], 0)

    def test_bad_requests(self):
        base = {'lang': 'python', 'code': 'print(1)'}
        for extra in ({'tests': []}, {'tests': {}}, {'tests': [1]}, {'tests': [{'stdin': 1}]},
                      {'tests': [{'input': 'x'}]}, {'tests': [{}] * 65}, {'compare': 'fuzzy', 'tests': [{}]},
                      {'tests': [{}], 'stdin': 'x'}):
            with self.subTest(extra=extra):
                r = request('POST', '/run', json.dumps(dict(base, **extra)), {'Content-Type': 'application/json'},
                            source=next(_addresses))
                self.assertJsonError(r, 400)


if __name__ == '__main__':
    main()
