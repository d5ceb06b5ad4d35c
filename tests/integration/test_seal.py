#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sealed results (age, age-encryption.org/v1): with "seal_to" a /run answer keeps status, exit code,
reason and metrics readable and carries stdout, stderr, output and the receipt only inside "sealed", an
armored age message that Debian's `age -d -i` opens with the right identity (to what an unsealed run
gives) and with no other; a plain client gets the armored message as its body; an invalid recipient is
a 400; a sealed run has no live output (409)."""
import base64
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import unittest
import uuid

from sandrun_test import SandrunTestCase, main, request, wait_until

JSON = {'Content-Type': 'application/json'}
AGE = shutil.which('age')
PROGRAM = 'import sys\nprint("to stdout", 6 * 7)\nprint("to stderr \\u00e9", file=sys.stderr)\nsys.exit(3)\n'


class Key:
    """An age-keygen identity in a file, and its recipient."""

    def __init__(self, directory, name):
        self.path = os.path.join(directory, name)
        subprocess.run(['age-keygen', '-o', self.path], check=True, capture_output=True)
        self.recipient = subprocess.run(['age-keygen', '-y', self.path], check=True, capture_output=True,
                                        text=True).stdout.strip()

    def open(self, sealed):
        """age -d -i KEY: the plaintext, or None when age refuses."""
        p = subprocess.run([AGE, '-d', '-i', self.path], input=sealed.encode() if isinstance(sealed, str)
                           else sealed, capture_output=True)
        return p.stdout if p.returncode == 0 else None


@unittest.skipUnless(AGE and shutil.which('age-keygen'), 'Debian\'s age is not installed')
class Seal(SandrunTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = tempfile.mkdtemp(prefix='sandrun-seal-')
        cls.key = Key(cls.dir, 'key.txt')
        cls.other = Key(cls.dir, 'other.txt')
        cls.second = Key(cls.dir, 'second.txt')

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def run_sealed(self, seal_to, code=PROGRAM):
        r = request('POST', '/run', json.dumps({'code': code, 'seal_to': seal_to}), JSON)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def test_sealed_run_opens_to_the_unsealed_output(self):
        plain = request('POST', '/run', json.dumps({'code': PROGRAM}), JSON).json()
        d = self.run_sealed(self.key.recipient)
        # Readable: what a client's logic needs. Not readable: anything the program wrote.
        self.assertEqual((d['status'], d['exit_code'], d['reason']), ('completed', 3, None))
        self.assertIn('cpu_seconds', d['metrics'])
        for field in ('stdout', 'stderr', 'output', 'receipt'):
            self.assertNotIn(field, d)
        self.assertNotIn('to stdout', json.dumps(d))
        self.assertTrue(d['sealed'].startswith('-----BEGIN AGE ENCRYPTED FILE-----\n'), d['sealed'][:80])
        self.assertTrue(d['sealed'].endswith('-----END AGE ENCRYPTED FILE-----\n'))

        inner = json.loads(self.key.open(d['sealed']))
        self.assertEqual(sorted(inner), ['output', 'receipt', 'stderr', 'stdout'])
        for field in ('stdout', 'stderr', 'output'):
            self.assertEqual(inner[field], plain[field], field)
        self.assertEqual(set(inner['receipt']), {'payload', 'signature', 'key_id'})
        # Any other identity gets nothing.
        self.assertIsNone(self.other.open(d['sealed']))

    def test_several_recipients(self):
        d = self.run_sealed([self.key.recipient, self.second.recipient, self.key.recipient])
        for key in (self.key, self.second):
            self.assertEqual(json.loads(key.open(d['sealed']))['stdout'], 'to stdout 42\n')
        self.assertIsNone(self.other.open(d['sealed']))
        # One stanza per recipient: the duplicate was folded.
        binary = base64.b64decode(''.join(d['sealed'].strip().split('\n')[1:-1]), validate=True)
        self.assertEqual(binary.count(b'\n-> X25519 '), 2)

    def test_plain_client(self):
        r = request('POST', '/run?lang=python&seal_to=' + self.key.recipient, PROGRAM,
                    {'Content-Type': 'text/plain'})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.content_type, 'text/plain')
        self.assertEqual((r.headers['X-Sandrun-Status'], r.headers['X-Sandrun-Exit-Code']), ('completed', '3'))
        self.assertIsNone(r.headers.get('X-Sandrun-Receipt'))
        self.assertTrue(r.text.startswith('-----BEGIN AGE ENCRYPTED FILE-----\n'), r)
        inner = json.loads(self.key.open(r.body))
        self.assertEqual((inner['stdout'], inner['stderr']), ('to stdout 42\n', 'to stderr \u00e9\n'))
        self.assertIsNone(self.other.open(r.body))

    def test_compile_and_test_output_sealed(self):
        code = 'x = input()\nprint(x)\n'
        r = request('POST', '/run', json.dumps({'code': code, 'seal_to': self.key.recipient,
                                                'tests': [{'stdin': 'canary7', 'expected_output': 'canary7'}]}), JSON)
        self.assertEqual(r.status, 200, r)
        d = r.json()
        self.assertNotIn('tests', d)
        self.assertNotIn('canary7', r.text)
        self.assertEqual(d['summary']['passed'], 1, d)
        inner = json.loads(self.key.open(d['sealed']))
        self.assertEqual(inner['tests'][0]['verdict'], 'accepted')

    def test_invalid_recipients(self):
        with open(self.key.path) as f:
            identity = f.read().split('\n')[-2]
        for seal_to in ('age1', '', self.key.recipient.upper(), self.key.recipient + 'q', identity, 42, {},
                        [], [self.key.recipient, 7], [[self.key.recipient]], [self.key.recipient] * 17,
                        self.key.recipient[:-1] + ('q' if self.key.recipient[-1] != 'q' else 'p')):
            with self.subTest(seal_to=seal_to):
                r = request('POST', '/run', json.dumps({'code': 'print(1)', 'seal_to': seal_to}), JSON)
                self.assertIn('seal_to', self.assertJsonError(r, 400))
        for query in ('age1x', self.key.recipient + ',', ','):
            r = request('POST', '/run?lang=python&seal_to=' + query, 'print(1)', {'Content-Type': 'text/plain'})
            self.assertJsonError(r, 400)
        # Both ways at once is ambiguous.
        r = request('POST', '/run?seal_to=' + self.key.recipient,
                    json.dumps({'code': 'print(1)', 'seal_to': self.key.recipient}), JSON)
        self.assertJsonError(r, 400)
        self.assertServing()

    def test_no_live_output(self):
        r = request('POST', '/run?stream=1', json.dumps({'code': 'print(1)', 'seal_to': self.key.recipient}), JSON)
        self.assertJsonError(r, 409)
        r = request('POST', '/run', json.dumps({'code': 'print(1)', 'seal_to': self.key.recipient}),
                    {'Content-Type': 'application/json', 'Accept': 'text/event-stream'})
        self.assertJsonError(r, 409)


    def submit(self, manifest, files):
        boundary = 'b' + uuid.uuid4().hex
        body = b''
        parts = [('manifest', None, json.dumps(manifest).encode())] + [(n, n, c) for n, c in files.items()]
        for name, filename, content in parts:
            disp = 'form-data; name="%s"' % name + ('; filename="%s"' % filename if filename else '')
            body += b'--%s\r\nContent-Disposition: %s\r\n\r\n%s\r\n' % (boundary.encode(), disp.encode(), content)
        body += b'--%s--\r\n' % boundary.encode()
        r = request('POST', '/submit', body, {'Content-Type': 'multipart/form-data; boundary=' + boundary})
        self.assertEqual(r.status, 202, r)
        return r.json()['job_id']

    def test_sealed_batch(self):
        program = (b'import os, time\nprint("batch stdout canary")\ntime.sleep(1.5)\nos.makedirs("sub", exist_ok=True)\n'
                   b'open("o.txt", "w").write("first")\nopen("sub/a.csv", "w").write("1,2\\n")\n'
                   b'open("not-asked.txt", "w").write("x")\n')
        job = self.submit({'entrypoint': 'main.py', 'outputs': ['o.txt', 'sub/*.csv'],
                           'seal_to': [self.key.recipient, self.second.recipient]}, {'main.py': program})
        # While it runs and after: no logs, no live output, no listing.
        for path, headers in (('/logs/' + job, {}), ('/logs/%s?stream=1' % job, {}),
                              ('/logs/' + job, {'Accept': 'text/event-stream'})):
            self.assertJsonError(request('GET', path, headers=headers), 409)
        wait_until(lambda: request('GET', '/status/' + job).json()['status'] in ('completed', 'failed'), 30,
                   what='the job to finish')
        status = request('GET', '/status/' + job).json()
        self.assertEqual((status['status'], status['exit_code']), ('completed', 0), status)
        self.assertNotIn('receipt', status)
        self.assertJsonError(request('GET', '/logs/' + job), 409)
        self.assertJsonError(request('GET', '/outputs/' + job), 409)

        r = request('GET', '/download/' + job)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.content_type, 'application/octet-stream')
        self.assertIn('sandrun-%s.tar.gz.age' % job, r.headers['Content-Disposition'])
        self.assertIsNone(r.headers.get('X-Sandrun-Receipt'))
        self.assertTrue(r.body.startswith(b'age-encryption.org/v1\n'))
        self.assertNotIn(b'first', r.body)
        for key in (self.key, self.second):
            with tarfile.open(fileobj=io.BytesIO(key.open(r.body)), mode='r:gz') as t:
                files = {m.name: t.extractfile(m).read() for m in t.getmembers() if m.isfile()}
            self.assertEqual(files, {'o.txt': b'first', 'sub/a.csv': b'1,2\n'})
        self.assertIsNone(self.other.open(r.body))
        # One-shot, as an unsealed download.
        self.assertEqual(request('GET', '/download/' + job).status, 404)

    def test_sealed_batch_invalid_recipient(self):
        for seal_to in ('age1nope', [], [self.key.recipient] * 17):
            boundary = 'b' + uuid.uuid4().hex
            manifest = json.dumps({'entrypoint': 'main.py', 'seal_to': seal_to}).encode()
            body = (b'--%s\r\nContent-Disposition: form-data; name="manifest"\r\n\r\n%s\r\n'
                    b'--%s\r\nContent-Disposition: form-data; name="main.py"; filename="main.py"\r\n\r\nprint(1)\r\n'
                    b'--%s--\r\n' % (boundary.encode(), manifest, boundary.encode(), boundary.encode()))
            r = request('POST', '/submit', body, {'Content-Type': 'multipart/form-data; boundary=' + boundary})
            self.assertIn('seal_to', self.assertJsonError(r, 400))


if __name__ == '__main__':
    main()
