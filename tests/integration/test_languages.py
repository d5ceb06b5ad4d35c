#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every language /languages offers: hello, stdin, args and a compile error, and the compile step's own
limits (a run needing more memory than the run's limit but less than the compile's is killed)."""
import itertools
import json

from sandrun_test import COMPILED, SandrunTestCase, container_out, main, request

# Each test spreads its jobs over its own client addresses, so the CPU budget never slows the suite.
_addresses = ('127.0.7.%d' % i for i in itertools.cycle(range(10, 250)))


def post(body, source=None):
    r = request('POST', '/run', json.dumps(body), {'Content-Type': 'application/json'},
                source=source or next(_addresses), timeout=180)
    if r.status != 200:
        raise AssertionError('POST /run answered %d: %r' % (r.status, r.body[:2000]))
    return r.json()


# Prints "hello", then what stdin's first line and the arguments were: "<line>|<arg1>,<arg2>".
PROGRAMS = {
    'python': 'import sys\nprint("hello")\nprint(sys.stdin.readline().strip() + "|" + ",".join(sys.argv[1:]))\n',
    'bash': 'echo hello\nread -r l\nIFS=,; echo "$l|$*"\n',
    'sh': 'echo hello\nread -r l\nIFS=,; echo "$l|$*"\n',
    'node': 'console.log("hello");\nconst l = require("fs").readFileSync(0, "utf8").split("\\n")[0];\n'
            'console.log(l + "|" + process.argv.slice(2).join(","));\n',
    'perl': 'print "hello\\n"; my $l = <STDIN>; chomp $l; print "$l|", join(",", @ARGV), "\\n";\n',
    'c': '#include <stdio.h>\n#include <string.h>\nint main(int argc, char **argv) {\n'
         '    char l[256] = ""; puts("hello");\n    if (fgets(l, sizeof l, stdin)) l[strcspn(l, "\\n")] = 0;\n'
         '    printf("%s|", l);\n    for (int i = 1; i < argc; i++) printf("%s%s", i > 1 ? "," : "", argv[i]);\n'
         '    puts(""); return 0;\n}\n',
    'c++': '#include <iostream>\n#include <string>\nint main(int argc, char **argv) {\n'
           '    std::string l; std::cout << "hello" << std::endl; std::getline(std::cin, l); std::cout << l << "|";\n'
           '    for (int i = 1; i < argc; i++) std::cout << (i > 1 ? "," : "") << argv[i];\n'
           '    std::cout << std::endl;\n}\n',
    'java': 'import java.io.*;\npublic class Greeter {\n  public static void main(String[] a) throws IOException {\n'
            '    System.out.println("hello");\n'
            '    String l = new BufferedReader(new InputStreamReader(System.in)).readLine();\n'
            '    System.out.println(l + "|" + String.join(",", a));\n  }\n}\n',
    'go': 'package main\n\nimport (\n\t"bufio"\n\t"fmt"\n\t"os"\n\t"strings"\n)\n\nfunc main() {\n'
          '\tfmt.Println("hello")\n\tl, _ := bufio.NewReader(os.Stdin).ReadString(\'\\n\')\n'
          '\tfmt.Println(strings.TrimSpace(l) + "|" + strings.Join(os.Args[1:], ","))\n}\n',
    'rust': 'use std::io::BufRead;\nfn main() {\n    println!("hello");\n    let mut l = String::new();\n'
            '    std::io::stdin().lock().read_line(&mut l).unwrap();\n'
            '    let a: Vec<String> = std::env::args().skip(1).collect();\n'
            '    println!("{}|{}", l.trim_end(), a.join(","));\n}\n',
}

BROKEN = {
    'c': 'int main(void) { return undeclared; }\n',
    'c++': 'int main() { std::cout << 1; }\n',
    'java': 'public class Main { public static void main(String[] a) { int x = "s"; } }\n',
    'go': 'package main\n\nfunc main() { undefinedThing() }\n',
    'rust': 'fn main() { let x: u32 = "s"; }\n',
}


class Languages(SandrunTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = request('GET', '/languages')
        cls.offered = {l['name']: l for l in r.json()['languages']}

    def test_listing(self):
        # gcc and g++ are in the container's package list; so is Java, for the JVM test below.
        for name in COMPILED:
            self.assertIn(name, self.offered)
            self.assertTrue(self.offered[name]['compiled'])
            self.assertRegex(self.offered[name]['version'], r'^\d+\.\d+')
        self.assertFalse(self.offered['python']['compiled'])
        gcc = container_out('gcc', '-dumpfullversion')
        self.assertEqual(self.offered['c']['version'], gcc)

    def test_hello_stdin_args(self):
        for name in self.offered:
            with self.subTest(lang=name):
                d = post({'lang': name, 'code': PROGRAMS[name], 'stdin': 'line one\nline two\n',
                          'args': ['a b', '-x']})
                self.assertEqual((d['status'], d['exit_code']), ('completed', 0), d)
                self.assertEqual(d['stdout'], 'hello\nline one|a b,-x\n', d)
                self.assertEqual('compile' in d, self.offered[name]['compiled'], d)
                if 'compile' in d:
                    self.assertEqual(d['compile']['status'], 'completed', d)
                    self.assertEqual(d['compile']['exit_code'], 0, d)
                    self.assertGreater(d['compile']['cpu_seconds'], 0, d)

    def test_compile_error(self):
        for name, code in BROKEN.items():
            if name not in self.offered:
                continue
            with self.subTest(lang=name):
                d = post({'lang': name, 'code': code})
                self.assertEqual((d['status'], d['reason'], d['exit_code']), ('failed', 'compile', None), d)
                self.assertEqual(d['stdout'], '', d)
                self.assertEqual(d['compile']['status'], 'failed', d)
                self.assertNotEqual(d['compile']['exit_code'], 0, d)
                # Every compiler names the file and line it complains about.
                source = {'c': 'main.c', 'c++': 'main.cpp', 'java': 'Main.java', 'go': 'main.go', 'rust': 'main.rs'}
                self.assertRegex(d['compile']['stderr'] + d['compile']['stdout'], source[name] + r':\d+', d)
        # Plain-text clients get the compiler's messages and the reason in a header.
        r = request('POST', '/run?lang=c', BROKEN['c'], {'Content-Type': 'text/plain'}, source=next(_addresses))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers.get('X-Sandrun-Status'), 'failed')
        self.assertEqual(r.headers.get('X-Sandrun-Reason'), 'compile')
        self.assertIn('undeclared', r.text)

    def test_run_limit_below_compile_limit(self):
        # The compile may use 1G (--compile-memory-max), the run 512M: 700 MB of touched memory gets the
        # run OOM-killed, while 300 MB is fine; the compile itself ran under the larger limit.
        code = ('#include <stdio.h>\n#include <stdlib.h>\nint main(int c, char **v) {\n'
                '  size_t n = (size_t) atoi(v[1]) << 20, s = 0; volatile char *p = malloc(n);\n'
                '  if (!p) return 9;\n  for (size_t i = 0; i < n; i += 4096) p[i] = 1;\n'
                '  for (size_t i = 0; i < n; i += 4096) s += p[i];\n  printf("%zu\\n", s >> 8); return 0;\n}\n')
        d = post({'lang': 'c', 'code': code, 'args': ['300']})
        self.assertEqual((d['status'], d['stdout']), ('completed', '300\n'), d)
        self.assertGreater(d['metrics']['memory_mb'], 290, d)
        d = post({'lang': 'c', 'code': code, 'args': ['700']})
        self.assertEqual((d['status'], d['reason'], d['signal']), ('failed', 'memory', 9), d)
        self.assertEqual(d['compile']['status'], 'completed', d)
        # A test case gets the same limit, and says so in its verdict.
        d = post({'lang': 'c', 'code': code.replace('atoi(v[1])', 'atoi(fgets((char[16]){0}, 16, stdin))'),
                  'tests': [{'stdin': '700'}, {'stdin': '10', 'expected_output': '10'}]})
        self.assertEqual([t['verdict'] for t in d['tests']], ['memory_limit', 'accepted'], d)

    def test_compile_memory_limit_is_larger(self):
        # While a compile runs, the scope's MemoryMax is the compile's; the run gets the run's.
        seen = set()
        import threading
        out = {}
        code = '#include <bits/stdc++.h>\nint main() { volatile long s = 0; for (long i = 0; i < 300000000; i++) s += i; }\n'
        t = threading.Thread(target=lambda: out.update(d=post({'lang': 'c++', 'code': code})))
        t.start()
        while t.is_alive():
            v = container_out('sh', '-c', 'for s in /sys/fs/cgroup/memory/sandrun.slice/sandrun-job-*.scope '
                              '/sys/fs/cgroup/sandrun.slice/sandrun-job-*.scope; do '
                              'cat $s/memory.limit_in_bytes $s/memory.max 2>/dev/null; done; true')
            seen.update(v.split())
        t.join()
        self.assertEqual(out['d']['status'], 'completed', out['d'])
        self.assertIn(str(1 << 30), seen)
        self.assertIn(str(512 << 20), seen)

    def test_cpu_billing_covers_compile(self):
        # The compile's CPU is billed to the client with the run's: the budget header drops by both.
        src = next(_addresses)
        before = float(request('GET', '/languages', source=src).headers['X-Sandrun-Budget-Remaining'])
        d = post({'lang': 'c++', 'code': PROGRAMS['c++'], 'stdin': 'x\n'}, source=src)
        after = float(request('GET', '/languages', source=src).headers['X-Sandrun-Budget-Remaining'])
        spent = d['compile']['cpu_seconds'] + d['metrics']['cpu_seconds']
        self.assertGreater(d['compile']['cpu_seconds'], 0.05, d)
        # One decimal in the header, and the budget refills 1/6 CPU-s per second meanwhile.
        self.assertLess(after, before - spent + 0.3, (before, after, d))

    def test_java_fits(self):
        if 'java' not in self.offered:
            self.skipTest('no Java')
        code = ('public class Main { public static void main(String[] a) {\n'
                '  Runtime r = Runtime.getRuntime();\n'
                '  System.out.println(r.availableProcessors() + " " + (r.maxMemory() >> 20) + " " + Thread.activeCount());\n'
                '  byte[][] keep = new byte[200][]; for (int i = 0; i < 200; i++) keep[i] = new byte[1 << 20];\n'
                '  System.out.println(keep.length);\n} }\n')
        d = post({'lang': 'java', 'code': code})
        self.assertEqual(d['status'], 'completed', d)
        cpus, heap, threads, kept = d['stdout'].split()
        self.assertEqual((cpus, kept), ('1', '200'), d)
        self.assertLessEqual(int(heap), 256, d)
        self.assertLess(d['metrics']['memory_mb'], 512, d)


if __name__ == '__main__':
    main()
