#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Signed receipts: every finished job's answer carries {"payload", "signature", "key_id"}; the payload
holds digests, never content; any Ed25519 verifier (here openssl) checks it against the key from
GET /receipt-key/{key_id}; changing a byte of it, or using another key, fails; a key given as a systemd
credential survives restarts."""
import base64
import hashlib
import json
import os
import subprocess
import tempfile
import time
import uuid

from sandrun_test import ExtraDaemon, SandrunTestCase, container, main, request, run_json, wait_until

KEY_ID_RE = r'^[0-9a-f]{32}$'


def sha256(b):
    return hashlib.sha256(b if isinstance(b, bytes) else b.encode()).hexdigest()


def payload_of(receipt):
    return json.loads(base64.b64decode(receipt['payload'], validate=True))


class Openssl:
    """openssl pkeyutl -verify -rawin: a verifier that is not sandrun's."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory(prefix='sandrun-receipt-')

    def path(self, name, data):
        p = os.path.join(self.dir.name, name)
        with open(p, 'wb') as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return p

    def verify(self, payload, signature, key_pem):
        p = subprocess.run(['openssl', 'pkeyutl', '-verify', '-rawin', '-pubin',
                            '-inkey', self.path('key.pem', key_pem), '-in', self.path('payload', payload),
                            '-sigfile', self.path('sig', signature)], capture_output=True, text=True)
        return p.returncode == 0 and 'Signature Verified Successfully' in p.stdout

    def new_key(self):
        p = subprocess.run(['openssl', 'genpkey', '-algorithm', 'ed25519'], capture_output=True, text=True, check=True)
        pub = subprocess.run(['openssl', 'pkey', '-pubout'], input=p.stdout, capture_output=True, text=True, check=True)
        der = subprocess.run(['openssl', 'pkey', '-pubin', '-outform', 'DER'], input=pub.stdout.encode(),
                             capture_output=True, check=True).stdout
        return p.stdout, pub.stdout, hashlib.sha256(der).hexdigest()[:32]


def fetch_key(key_id, req=request):
    r = req('GET', '/receipt-key/' + key_id)
    if r.status != 200:
        raise AssertionError('GET /receipt-key/%s answered %r' % (key_id, r))
    return r.body.decode()


class Receipts(SandrunTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.openssl = Openssl()

    @classmethod
    def tearDownClass(cls):
        cls.openssl.dir.cleanup()

    def check_signature(self, receipt, req=request):
        self.assertRegex(receipt['key_id'], KEY_ID_RE)
        key = fetch_key(receipt['key_id'], req)
        self.assertIn('-----BEGIN PUBLIC KEY-----', key)
        payload = base64.b64decode(receipt['payload'], validate=True)
        signature = base64.b64decode(receipt['signature'], validate=True)
        self.assertEqual(len(signature), 64)
        self.assertTrue(self.openssl.verify(payload, signature, key), 'openssl does not verify %r' % receipt)
        return payload, signature, key

    def test_run_receipt_verifies_and_holds_digests_only(self):
        marker = 'secret-' + uuid.uuid4().hex
        code = 'import sys\nprint(%r)\nprint("err-" + sys.stdin.read(), file=sys.stderr)\n' % marker
        d = run_json(code, stdin='in-' + marker, args=['a1', marker])
        self.assertEqual(d['stdout'], marker + '\n')
        receipt = d['receipt']
        self.assertEqual(sorted(receipt), ['key_id', 'payload', 'signature'])
        payload, _, _ = self.check_signature(receipt)
        p = json.loads(payload)
        self.assertNotIn(marker.encode(), payload)
        self.assertNotIn(marker, json.dumps(receipt))
        self.assertEqual((p['receipt_version'], p['job_id'], p['kind'], p['key_id']),
                         (1, d['job_id'], 'run', receipt['key_id']))
        self.assertEqual(p['inputs']['code'], {'sha256': sha256(code), 'size': len(code.encode())})
        self.assertEqual(p['inputs']['stdin']['sha256'], sha256('in-' + marker))
        self.assertEqual(p['inputs']['args']['sha256'], sha256('a1\0' + marker + '\0'))
        self.assertEqual(p['outputs']['stdout'], {'sha256': sha256(d['stdout']), 'size': len(d['stdout']),
                                                  'truncated': False})
        self.assertEqual(p['outputs']['stderr']['sha256'], sha256(d['stderr']))
        self.assertEqual(p['result'], {'status': 'completed', 'exit_code': 0, 'signal': None, 'reason': None})
        self.assertEqual(p['interpreter']['name'], 'python')
        self.assertRegex(p['interpreter']['sha256'], r'^[0-9a-f]{64}$')
        self.assertEqual(p['limits']['memory_bytes'], 512 << 20)
        self.assertEqual(p['usage']['cpu_seconds'], d['metrics']['cpu_seconds'])
        self.assertRegex(p['finished_at'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')
        self.assertLessEqual(p['started_at'], p['finished_at'])

    def test_test_cases_are_named_by_digest(self):
        r = request('POST', '/run', json.dumps({'code': 'print(int(input()) * 2)', 'interpreter': 'python',
                                                'tests': [{'stdin': '2\n', 'expected_output': '4\n'},
                                                          {'stdin': '5\n'}]}), {'Content-Type': 'application/json'})
        d = r.json()
        payload, _, _ = self.check_signature(d['receipt'])
        tests = json.loads(payload)['inputs']['tests']
        self.assertEqual(tests, [{'stdin': {'sha256': sha256('2\n'), 'size': 2},
                                  'expected_output': {'sha256': sha256('4\n'), 'size': 2}},
                                 {'stdin': {'sha256': sha256('5\n'), 'size': 2}, 'expected_output': None}])

    def test_failed_job_has_a_receipt(self):
        d = run_json('import time; time.sleep(5)', timeout=0.5)
        self.assertEqual(d['reason'], 'timeout')
        payload, _, _ = self.check_signature(d['receipt'])
        self.assertEqual(json.loads(payload)['result']['reason'], 'timeout')

    def test_plain_run_carries_the_receipt_in_a_header(self):
        r = request('POST', '/run?lang=python', 'print(5)', {'Content-Type': 'text/plain'})
        self.assertEqual(r.body, b'5\n')
        receipt = json.loads(r.headers['X-Sandrun-Receipt'])
        payload, _, _ = self.check_signature(receipt)
        p = json.loads(payload)
        self.assertEqual(p['job_id'], r.headers['X-Sandrun-Job-Id'])
        self.assertEqual(p['outputs']['stdout']['sha256'], sha256(r.body))

    def test_tampering_fails(self):
        d = run_json('print("tamper me")')
        payload, signature, key = self.check_signature(d['receipt'])
        for i in range(0, len(payload), max(1, len(payload) // 40)):
            bad = bytearray(payload)
            bad[i] ^= 0x01
            self.assertFalse(self.openssl.verify(bytes(bad), signature, key), 'payload byte %d' % i)
        for i in range(0, 64, 7):
            bad = bytearray(signature)
            bad[i] ^= 0x80
            self.assertFalse(self.openssl.verify(payload, bytes(bad), key), 'signature byte %d' % i)
        _, other_pub, _ = self.openssl.new_key()
        self.assertFalse(self.openssl.verify(payload, signature, other_pub))

    def test_unknown_key_is_404(self):
        self.assertJsonError(request('GET', '/receipt-key/' + '0' * 32), 404)
        self.assertJsonError(request('GET', '/receipt-key/../x'), 404)
        self.assertJsonError(request('POST', '/receipt-key/' + '0' * 32, ''), 405)

    def test_batch_receipt_covers_uploads_and_the_download(self):
        boundary = 'b' + uuid.uuid4().hex
        main_py = b'open("out.txt", "w").write("result")\nprint("batch out")\n'
        data = b'\x00\x01binary data\xff' * 100
        manifest = json.dumps({'entrypoint': 'main.py', 'outputs': ['out.txt']}).encode()
        parts = [('manifest', None, manifest), ('main.py', 'main.py', main_py), ('data.bin', 'data.bin', data)]
        body = b''
        for name, filename, content in parts:
            disp = 'form-data; name="%s"' % name + ('; filename="%s"' % filename if filename else '')
            body += b'--' + boundary.encode() + b'\r\nContent-Disposition: ' + disp.encode() + b'\r\n\r\n' + content + b'\r\n'
        body += b'--' + boundary.encode() + b'--\r\n'
        r = request('POST', '/submit', body, {'Content-Type': 'multipart/form-data; boundary=' + boundary})
        self.assertEqual(r.status, 202, r)
        job = r.json()['job_id']
        self.assertNotIn('receipt', r.json())
        status = wait_until(lambda: (lambda s: s if s['status'] in ('completed', 'failed') else None)(
            request('GET', '/status/' + job).json()), 30, what='the batch job to finish')
        self.assertEqual(status['status'], 'completed', status)
        payload, _, _ = self.check_signature(status['receipt'])
        p = json.loads(payload)
        self.assertEqual((p['job_id'], p['kind']), (job, 'batch'))
        self.assertEqual(p['inputs']['manifest']['sha256'], sha256(manifest))
        self.assertEqual(sorted(f['sha256'] for f in p['inputs']['files']), sorted([sha256(main_py), sha256(data)]))
        self.assertEqual(p['outputs']['stdout']['sha256'], sha256('batch out\n'))
        # The same receipt, byte for byte, with the download, whose archive it names.
        self.assertEqual(request('GET', '/status/' + job).json()['receipt'], status['receipt'])
        dl = request('GET', '/download/' + job)
        self.assertEqual(dl.status, 200)
        self.assertEqual(json.loads(dl.headers['X-Sandrun-Receipt']), status['receipt'])
        self.assertEqual(p['outputs']['archive'], {'sha256': sha256(dl.body), 'size': len(dl.body)})


class CredentialKey(SandrunTestCase):
    """A key given as a credential: receipts name it, and it stays the same across restarts."""

    def test_credential_key_survives_restart(self):
        openssl = Openssl()
        private, public, key_id = openssl.new_key()
        container('sh', '-c', 'umask 077; cat > /etc/sandrun-test-receipt.key', input=private)
        try:
            daemon = ExtraDaemon(unit_lines=['LoadCredential=receipt.key:/etc/sandrun-test-receipt.key'])
            receipts = []
            for _ in range(2):      # the second time, a restarted daemon
                with daemon:
                    r = daemon.request('POST', '/run', json.dumps({'code': 'print(3)'}),
                                       {'Content-Type': 'application/json'})
                    receipt = r.json()['receipt']
                    self.assertEqual(receipt['key_id'], key_id)
                    self.assertEqual(fetch_key(key_id, daemon.request).strip(), public.strip())
                    receipts.append(receipt)
            for receipt in receipts:
                self.assertTrue(openssl.verify(base64.b64decode(receipt['payload']),
                                               base64.b64decode(receipt['signature']), public))
            # The shared daemon has a key of its own, made at its start.
            self.assertNotEqual(run_json('print(1)')['receipt']['key_id'], key_id)
        finally:
            container('rm', '-f', '/etc/sandrun-test-receipt.key', check=False)
            openssl.dir.cleanup()


if __name__ == '__main__':
    main()
