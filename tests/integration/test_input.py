#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A JSON request's stdin and args reach the program unchanged."""
import base64
import json

from sandrun_test import SandrunTestCase, main, request, run_json

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

    def post_run(self, req):
        return request('POST', '/run', json.dumps(req), {'Content-Type': 'application/json'})

    def test_files_beside_the_program(self):
        """"files" are written into the work dir before the program, named "name", runs."""
        code = ('import os, sys, util\nprint(os.path.basename(sys.argv[0]), util.X, '
                'open("data/b.bin", "rb").read().hex(), sorted(os.listdir(".")))\n')
        r = self.post_run({'code': code, 'name': 'prog.py', 'files': [
            {'name': 'util.py', 'content': 'X = 42\n'},
            {'name': 'data/b.bin', 'content': base64.b64encode(b'\0\xff').decode(), 'encoding': 'base64'}]})
        self.assertEqual(r.status, 200, r.body)
        d = r.json()
        self.assertEqual(d['stdout'], "prog.py 42 00ff ['data', 'prog.py', 'util.py']\n", d)

    def test_hostile_files_are_refused(self):
        for files, name in (([{'name': '../escape', 'content': 'x'}], None),
                            ([{'name': '/etc/passwd', 'content': 'x'}], None),
                            ([{'content': 'x'}], None),
                            ([{'name': 'a', 'content': 'x'}] * 2, None),
                            ([{'name': 'f%d' % i, 'content': ''} for i in range(33)], None),
                            ([], 'sub/prog.py'),
                            ([{'name': 'prog.py', 'content': 'x'}], 'prog.py')):
            req = {'code': 'print(1)', 'files': files}
            if name:
                req['name'] = name
            self.assertJsonError(self.post_run(req), 400)
        self.assertServing()


if __name__ == '__main__':
    main()
