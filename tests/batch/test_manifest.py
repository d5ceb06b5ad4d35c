#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The manifest: argv reaches the program verbatim (no shell), env is passed but filtered, stdin, the
timeout, and every malformed manifest refused with 400 and a reason before any job exists."""
import hashlib
import json
import time

from batch_test import BatchTestCase, main

SOURCE = '127.0.0.43'

HOSTILE_ARGS = ['a b', '"double"', "'single'", 'back\\slash', '$HOME', '${PATH}', '`id`', '$(id)', '; rm -rf /',
                '| cat /etc/passwd', '&& echo pwned', '*', '?', '~', '', ' ', '\t', 'new\nline', 'ünïcødé ✓',
                '--flag=x y', '-c', '>/tmp/x', '\\"', '%s%n']
PRINT_ARGV = 'import json, sys\nprint(json.dumps(sys.argv[1:]))\n'


class Manifest(BatchTestCase):
    SOURCE = SOURCE

    def assertRefused(self, manifest, *fragments, files=None, status=400):
        """The manifest is refused with status and an error naming what is wrong."""
        error = self.submit(manifest, files if files is not None else {'main.py': 'print("ENTRYPOINT RAN")'},
                            expect=status)
        self.assertTrue(error.startswith('manifest: '), error)
        for f in fragments:
            self.assertIn(f, error)
        return error

    # -- argv

    def test_args_reach_python_verbatim(self):
        st, lg = self.run_job({'entrypoint': 'main.py', 'args': HOSTILE_ARGS}, {'main.py': PRINT_ARGV})
        self.assertCompleted(st)
        self.assertEqual(json.loads(lg['stdout']), HOSTILE_ARGS)

    def test_args_reach_bash_verbatim(self):
        # printf '%s\0' "$@": one NUL-terminated record per argument, whatever it holds.
        st, lg = self.run_job({'entrypoint': 'main.sh', 'args': HOSTILE_ARGS},
                              {'main.sh': 'printf "%s\\0" "$0" "$@"\n'})
        self.assertCompleted(st)
        self.assertEqual(lg['stdout'].split('\0'), ['main.sh'] + HOSTILE_ARGS + [''])

    def test_interpreter_without_entrypoint(self):
        # No entrypoint: args go to the interpreter itself.
        st, lg = self.run_job({'interpreter': 'python', 'args': ['-c', PRINT_ARGV, 'x y', '$z']})
        self.assertCompleted(st)
        self.assertEqual(json.loads(lg['stdout']), ['x y', '$z'])
        st, lg = self.run_job({'interpreter': 'sh', 'args': ['-c', 'echo "$1|$2"', 'sh', 'a  b', ';']})
        self.assertCompleted(st)
        self.assertEqual(lg['stdout'], 'a  b|;\n')

    # -- env

    def test_env_is_passed(self):
        env = {'GREETING': 'hello world', 'QUOTES': '"\'`$(id)`', 'EMPTY': '', 'UNICODE': 'ünï ✓',
               'MULTI_LINE': 'a\nb', 'LANG_OF_JOB': 'x=y=z', '_UNDERSCORE': '1'}
        code = 'import json, os\nprint(json.dumps({k: os.environ.get(k) for k in %r}))\nprint(os.environ["PATH"])\n' \
            % sorted(env)
        st, lg = self.run_job({'entrypoint': 'main.py', 'env': env}, {'main.py': code})
        self.assertCompleted(st)
        got, path = lg['stdout'].rsplit('\n', 2)[:2]
        self.assertEqual(json.loads(got), env)
        # The job's own PATH is the sandbox's, not anything a manifest could say.
        self.assertIn('/usr/bin', path.split(':'))

    def test_env_that_steers_the_loader_or_shell_is_refused(self):
        for name in ('LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'PATH', 'HOME', 'BASH_ENV', 'ENV', 'IFS',
                     'SHELLOPTS', 'GCONV_PATH', 'TMPDIR'):
            with self.subTest(name=name):
                self.assertRefused({'entrypoint': 'main.py', 'env': {name: '/tmp/evil.so'}}, 'env', 'not allowed')
        for name in ('lower', '1DIGIT', 'A-B', 'A=B', '', 'A B', 'Ä', 'X' * 65):
            with self.subTest(name=name):
                self.assertRefused({'entrypoint': 'main.py', 'env': {name: 'x'}}, 'env')
        # One bad name spoils the lot, even next to good ones.
        self.assertRefused({'entrypoint': 'main.py', 'env': {'GOOD': '1', 'LD_PRELOAD': 'x'}}, 'env')

    def test_env_values_and_shapes(self):
        self.assertRefused({'entrypoint': 'main.py', 'env': {'A': 'x\u0000y'}}, 'env', 'NUL')
        self.assertRefused({'entrypoint': 'main.py', 'env': {'A': 1}}, 'env')
        self.assertRefused({'entrypoint': 'main.py', 'env': {'A': None}}, 'env')
        self.assertRefused({'entrypoint': 'main.py', 'env': ['A=1']}, 'env')
        self.assertRefused({'entrypoint': 'main.py', 'env': 'A=1'}, 'env')
        self.assertRefused({'entrypoint': 'main.py', 'env': {'A': 'x' * 5000}}, 'env')
        self.assertRefused({'entrypoint': 'main.py', 'env': {'V%d' % i: 'x' for i in range(65)}}, 'env')

    # -- stdin

    def test_stdin(self):
        text = 'line one\nline two\n\nünïcødé ✓\n' + 'x' * 100000 + '\n'
        st, lg = self.run_job({'entrypoint': 'main.py', 'stdin': text},
                              {'main.py': 'import sys, hashlib\ndata = sys.stdin.buffer.read()\n'
                                          'print(len(data), hashlib.sha256(data).hexdigest())\n'})
        self.assertCompleted(st)
        raw = text.encode()
        self.assertEqual(lg['stdout'], '%d %s\n' % (len(raw), hashlib.sha256(raw).hexdigest()))

    def test_no_stdin_is_empty_not_a_terminal(self):
        st, lg = self.run_job({'entrypoint': 'main.py'},
                              {'main.py': 'import sys\nprint(repr(sys.stdin.read()), sys.stdin.isatty())\n'})
        self.assertCompleted(st)
        self.assertEqual(lg['stdout'], "'' False\n")

    def test_stdin_shape(self):
        self.assertRefused({'entrypoint': 'main.py', 'stdin': 5}, 'stdin')
        self.assertRefused({'entrypoint': 'main.py', 'stdin': ['a']}, 'stdin')

    # -- timeout

    def test_short_timeout_is_honoured(self):
        t0 = time.monotonic()
        st, lg = self.run_job({'entrypoint': 'main.sh', 'timeout': 1},
                              {'main.sh': 'echo started\ntrap "" TERM\nsleep 60\n'}, timeout=30)
        self.assertEqual((st['status'], st['reason']), ('failed', 'timeout'), st)
        self.assertLess(time.monotonic() - t0, 15)
        self.assertLess(st['metrics']['wall_seconds'], 10, st)
        self.assertEqual(lg['stdout'], 'started\n')

    def test_large_timeouts_are_accepted_and_clamped(self):
        # Up to a day is a valid request; the daemon clamps it to its own maximum (300 s by default) rather
        # than refusing it. That the clamp bites is checked by the slow test in test_expiry_slow.py.
        for t in (300, 301, 86400):
            with self.subTest(timeout=t):
                st, lg = self.run_job({'entrypoint': 'main.sh', 'timeout': t}, {'main.sh': 'echo ok\n'})
                self.assertCompleted(st)
                self.assertEqual(lg['stdout'], 'ok\n')

    def test_timeout_out_of_range_or_wrong_type(self):
        for t in (0, -1, 86401, 2 ** 63, 1.5, '10', True, None, [10]):
            with self.subTest(timeout=t):
                self.assertRefused({'entrypoint': 'main.py', 'timeout': t}, 'timeout')

    # -- malformed manifests

    def test_not_json(self):
        for raw in (b'not json', b'{"entrypoint": "main.py"} trailing', b'{"entrypoint": "main.py"',
                    b'{entrypoint: "main.py"}', b'\xff\xfe{}', b''):
            with self.subTest(raw=raw):
                self.assertRefused(raw)

    def test_not_an_object(self):
        for raw in (b'[]', b'null', b'"main.py"', b'42', b'true', b'[{"entrypoint": "main.py"}]'):
            with self.subTest(raw=raw):
                self.assertRefused(raw, 'object')

    def test_unknown_key(self):
        for key in ('bogus', 'Entrypoint', 'entry_point', 'cmd', 'outputs ', ''):
            with self.subTest(key=key):
                self.assertRefused({'entrypoint': 'main.py', key: 'x'}, 'unknown key')

    def test_needs_entrypoint_or_interpreter(self):
        for m in ({}, {'args': ['x']}, {'stdin': 'print(1)'}, {'outputs': ['*']}):
            with self.subTest(manifest=m):
                self.assertRefused(m, 'entrypoint', 'interpreter')

    def test_wrong_types(self):
        for key, value in (('entrypoint', 5), ('entrypoint', None), ('entrypoint', ['main.py']),
                           ('interpreter', 5), ('interpreter', ['python']),
                           ('args', 'x'), ('args', [1]), ('args', [None]), ('args', {'a': 'b'}),
                           ('outputs', '*.csv'), ('outputs', [1]),
                           ('stdin', 5), ('stdin', None), ('env', ['A=1'])):
            with self.subTest(key=key, value=value):
                m = {'entrypoint': 'main.py'}
                m[key] = value
                self.assertRefused(m, key)
        # Arrays in arrays are refused for their type; deeper for their depth, before their type (a test
        # case in "tests" is the deepest a manifest goes).
        for key in ('args', 'outputs'):
            self.assertRefused({'entrypoint': 'main.py', key: [['x']]}, key)
            self.assertRefused({'entrypoint': 'main.py', key: [[['x']]]}, 'nested')

    def test_bad_entrypoints_interpreters_and_patterns(self):
        for ep in ('../main.py', '/etc/passwd', 'a/../../main.py', 'a//main.py', '', 'main.py\u0000x'):
            with self.subTest(entrypoint=ep):
                self.assertRefused({'entrypoint': ep, 'interpreter': 'python'}, 'entrypoint')
        self.assertRefused({'entrypoint': 'main.py', 'interpreter': 'cobol'}, 'interpreter', 'python')
        self.assertRefused({'entrypoint': 'main.xyz'}, 'interpreter')
        self.assertRefused({'entrypoint': 'main.py', 'interpreter': '/bin/sh'}, 'interpreter')
        for pattern in ('../x', '/etc/*', 'a//b', '', 'results/', '[abc', 'x\\', 'a/./b', 'a\u0001b'):
            with self.subTest(pattern=pattern):
                self.assertRefused({'entrypoint': 'main.py', 'outputs': [pattern]}, 'outputs')
        self.assertRefused({'entrypoint': 'main.py', 'outputs': ['*'] * 65}, 'outputs')

    def test_argument_limits(self):
        self.assertRefused({'entrypoint': 'main.py', 'args': ['a\u0000b']}, 'NUL')
        self.assertRefused({'entrypoint': 'main.py', 'args': ['x'] * 257})
        self.assertRefused({'entrypoint': 'main.py', 'args': ['x' * 4097]})

    def test_manifest_part_over_its_cap(self):
        # The manifest part is capped at 256 KiB, so that is also as much stdin as a batch job can get.
        for stdin in ('x' * (300 * 1024), 'x' * (1024 * 1024 + 1)):
            error = self.submit({'entrypoint': 'main.py', 'stdin': stdin}, {'main.py': ''}, expect=413)
            self.assertIn('manifest', error)

    def test_missing_entrypoint_file(self):
        # The manifest is fine, the file is not there: the interpreter says so, in the job's own stderr.
        st, lg = self.run_job({'entrypoint': 'missing.py'}, {'main.py': 'print("ENTRYPOINT RAN")'})
        self.assertEqual(st['status'], 'completed', st)
        self.assertNotEqual(st['exit_code'], 0, st)
        self.assertIn('missing.py', lg['stderr'])
        self.assertNotIn('ENTRYPOINT RAN', lg['stdout'])

    def test_refusals_leave_the_daemon_serving(self):
        self.assertRefused(b'{' * 100000)
        self.assertRefused(b'[' * 10000 + b']' * 10000)
        self.assertRefused(json.dumps({'entrypoint': 'main.py', 'args': [[[[['deep']]]]]}).encode(), 'nested')
        self.assertServing()


if __name__ == '__main__':
    main()
