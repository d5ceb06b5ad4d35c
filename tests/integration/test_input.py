#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A JSON request's stdin and args reach the program unchanged."""
import json

from sandrun_test import SandrunTestCase, main, run_json

ARGS = ['a b', 'c', '--flag', '', 'ü*?']


class Input(SandrunTestCase):
    def test_python_stdin_and_args(self):
        code = 'import sys, json\nprint(json.dumps(sys.argv[1:]))\nprint(sys.stdin.read().upper(), end="")\n'
        d = run_json(code, stdin='hello\nworld\n', args=ARGS)
        self.assertEqual(d['exit_code'], 0, d)
        first, rest = d['stdout'].split('\n', 1)
        self.assertEqual(json.loads(first), ARGS)
        self.assertEqual(rest, 'HELLO\nWORLD\n')

    def test_sh_positional_args(self):
        d = run_json('printf "%s|" "$@"; echo; cat', 'sh', stdin='x y', args=ARGS)
        self.assertEqual(d['stdout'], '|'.join(ARGS) + '|\nx y', d)

    def test_perl_args(self):
        d = run_json('print join(",", @ARGV), "\\n";', 'perl', args=['1', '2', '3'])
        self.assertEqual(d['stdout'], '1,2,3\n', d)

    def test_no_stdin_is_empty_not_blocking(self):
        d = run_json('import sys\nprint(repr(sys.stdin.read()))', timeout=20, http_timeout=60)
        self.assertEqual((d['status'], d['stdout']), ('completed', "''\n"), d)

    def test_unicode_and_binary_safe_text(self):
        s = 'héllo ✓ 日本\n\ttab\r\n'
        d = run_json('cat', 'sh', stdin=s)
        self.assertEqual(d['stdout'], s, d)

    def test_large_stdin(self):
        s = 'x' * 500000 + '\n'
        d = run_json('import sys\nprint(len(sys.stdin.read()))', stdin=s)
        self.assertEqual(d['stdout'], '%d\n' % len(s), d)


if __name__ == '__main__':
    main()
