#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Piston v2's API: the curl examples of Piston's README as they are (but for the host), Piston's shapes
for answers and errors, every offered runtime by Piston's name, and the same fairness as every other
endpoint (429 with Retry-After in Piston's error shape). Piston's own JavaScript client is driven by
tests/clients/piston."""
import itertools
import json
import subprocess
import time

from sandrun_test import PORT, SandrunTestCase, URL, job_scopes, main, request, tls_socket, wait_until

_addresses = ('127.0.7.%d' % i for i in itertools.cycle(range(2, 10)))

# From Piston's README ("Execute Endpoint"), unchanged.
README_EXECUTE = '''{
    "language": "js",
    "version": "15.10.0",
    "files": [
        {
            "name": "my_cool_code.js",
            "content": "console.log(process.argv)"
        }
    ],
    "stdin": "",
    "args": ["1", "2", "3"],
    "compile_timeout": 10000,
    "run_timeout": 3000,
    "compile_cpu_time": 10000,
    "run_cpu_time": 3000,
    "compile_memory_limit": -1,
    "run_memory_limit": -1
}'''


def curl(*args, source=None):
    """curl as a user types it; returns (HTTP status, parsed JSON body)."""
    cmd = ['curl', '-sk', '-w', '\\n%{http_code}']
    if source:
        cmd += ['--interface', source]
    out = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=120, check=True).stdout
    body, status = out.rsplit('\n', 1)
    return int(status), json.loads(body)


def execute(body, source=None, expect=200):
    r = request('POST', '/api/v2/execute', json.dumps(body), {'Content-Type': 'application/json'},
                source=source or next(_addresses), timeout=120)
    if r.status != expect:
        raise AssertionError('/api/v2/execute answered %d, expected %d: %r' % (r.status, expect, r.body[:1000]))
    return r.json()


class Piston(SandrunTestCase):
    def test_readme_runtimes(self):
        # curl https://emkc.org/api/v2/piston/runtimes, with our host: both paths Piston used.
        for path in ('/api/v2/runtimes', '/api/v2/piston/runtimes'):
            status, d = curl(URL + path)
            self.assertEqual(status, 200)
            self.assertIsInstance(d, list)
            for rt in d:
                self.assertEqual(set(rt) - {'runtime'}, {'language', 'version', 'aliases'}, rt)
            names = {rt['language']: rt for rt in d}
            self.assertEqual(names['javascript']['runtime'], 'node')
            self.assertIn('node', names['javascript']['aliases'])     # sandrun's name is an alias
            self.assertIn('js', names['javascript']['aliases'])
            for n in ('python', 'bash', 'c', 'c++', 'java', 'perl'):
                self.assertRegex(names[n]['version'], r'^\d+\.\d+', n)

    def test_readme_execute(self):
        # Debian has no node 15.10.0: the answer says which versions there are, in Piston's error shape.
        status, d = curl('-X', 'POST', URL + '/api/v2/execute', '-H', 'Content-Type: application/json',
                         '--data', README_EXECUTE, source=next(_addresses))
        self.assertEqual(status, 400, d)
        self.assertEqual(d['message'], d['error'])
        self.assertIn('js-15.10.0 runtime is unknown', d['message'])
        self.assertRegex(d['message'], r'versions there are: \d+\.\d+')
        # The same with "*", and without a Content-Type, as Piston's client sends it.
        status, d = curl('-X', 'POST', URL + '/api/v2/piston/execute',
                         '--data', README_EXECUTE.replace('"15.10.0"', '"*"'), source=next(_addresses))
        self.assertEqual(status, 200, d)
        self.assertEqual(d['language'], 'javascript')
        run = d['run']
        self.assertEqual(run['stdout'], "[ '/usr/bin/node', '/work/my_cool_code.js', '1', '2', '3' ]\n", d)
        self.assertEqual((run['code'], run['signal'], run['status'], run['message']), (0, None, None, None), d)
        self.assertEqual(run['output'], run['stdout'] + run['stderr'])
        for k in ('cpu_time', 'wall_time', 'memory'):
            self.assertIsInstance(run[k], int, d)
        self.assertNotIn('compile', d)

    def test_every_runtime_by_piston_name(self):
        runtimes = request('GET', '/api/v2/runtimes').json()
        hello = {
            'python': 'print("hello")', 'javascript': 'console.log("hello")', 'bash': 'echo hello',
            'sh': 'echo hello', 'perl': 'print "hello\\n";',
            'c': '#include <stdio.h>\nint main(void) { puts("hello"); }',
            'c++': '#include <iostream>\nint main() { std::cout << "hello" << std::endl; }',
            'java': 'public class Main { public static void main(String[] a) { System.out.println("hello"); } }',
            'go': 'package main\nimport "fmt"\nfunc main() { fmt.Println("hello") }',
            'rust': 'fn main() { println!("hello"); }',
        }
        for rt in runtimes:
            with self.subTest(runtime=rt['language']):
                d = execute({'language': rt['language'], 'version': rt['version'],
                             'files': [{'content': hello[rt['language']]}]})
                self.assertEqual((d['run']['stdout'], d['run']['code']), ('hello\n', 0), d)
                self.assertEqual(('compile' in d), rt['language'] in ('c', 'c++', 'java', 'go', 'rust'), d)
                # Version prefixes and aliases find the same runtime.
                major = rt['version'].split('.')[0]
                for name in [rt['language']] + rt['aliases'][:2]:
                    d = execute({'language': name, 'version': major + '.x', 'files': [{'content': hello[rt['language']]}]})
                    self.assertEqual(d['language'], rt['language'])

    def test_limits_and_encodings(self):
        d = execute({'language': 'python', 'files': [{'content': 'import time\ntime.sleep(5)'}], 'run_timeout': 500})
        self.assertEqual((d['run']['status'], d['run']['signal'], d['run']['code']), ('TO', 'SIGKILL', None), d)
        self.assertLess(d['run']['wall_time'], 2000, d)
        d = execute({'language': 'python', 'run_memory_limit': 64 << 20,
                     'files': [{'content': 'x = bytearray(200 << 20)\nprint(len(x))'}]})
        self.assertEqual((d['run']['status'], d['run']['signal']), ('SG', 'SIGKILL'), d)
        d = execute({'language': 'c', 'files': [{'name': 'prog.c', 'content': '696e74206d61696e28297b72657475726e20373b7d',
                                                'encoding': 'hex'}]})
        self.assertEqual((d['compile']['code'], d['run']['code']), (0, 7), d)

    def test_errors(self):
        for body, status in ((b'', 400), (b'[]', 400), (b'{"language": "python"}', 400),
                             (b'{"language": "cobol", "files": [{"content": ""}]}', 400),
                             (b'{"language": "python", "files": [{"name": "../x", "content": ""}]}', 400)):
            with self.subTest(body=body):
                r = request('POST', '/api/v2/execute', body, {'Content-Type': 'application/json'})
                self.assertEqual(r.status, status, r)
                d = r.json()
                self.assertIsInstance(d['message'], str)
                self.assertEqual(d['message'], d['error'])
        r = request('GET', '/api/v2/execute')
        self.assertEqual(r.status, 405, r)

    def test_same_fairness(self):
        # One client: 2 running and 16 queued, then the next is refused with 429 and Retry-After.
        src = '127.0.7.1'
        # Short sleepers: the daemon sees a closed connection only when its job ends, so they all run.
        body = json.dumps({'language': 'python', 'files': [{'content': 'import time\ntime.sleep(2)'}]}).encode()
        head = ('POST /api/v2/execute HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n'
                'Content-Length: %d\r\n\r\n' % (PORT, len(body))).encode()
        socks = []
        before = set(job_scopes())
        try:
            for _ in range(18):
                s = tls_socket(source=src)
                s.sendall(head + body)
                socks.append(s)
                time.sleep(0.02)
            time.sleep(0.3)
            r = request('POST', '/api/v2/execute', body, {'Content-Type': 'application/json'}, source=src)
            self.assertEqual(r.status, 429, r)
            self.assertGreaterEqual(int(r.headers['Retry-After']), 1)
            d = r.json()
            self.assertIn('retry in', d['message'])
            self.assertEqual(d['message'], d['error'])
        finally:
            for s in socks:
                s.close()
        # Leave no job behind for the next test: the queue drains two at a time. (Only this test's: a scope
        # some earlier job left is not this test's business.)
        wait_until(lambda: set(job_scopes()) <= before, 90, interval=0.5, what='the sleepers to end')


if __name__ == '__main__':
    main()
