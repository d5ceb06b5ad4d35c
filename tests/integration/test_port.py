#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""sandrund --port N --cert FILE --key FILE, the run flags of the original design: it listens on every
address at N (IPv6 and IPv4) with that certificate and serves jobs; --port with --plain-http is refused,
plain HTTP staying loopback-only; --port with --listen is a usage error. The daemon runs as the sandrun
user through systemd-run, outside the installed unit (whose network is private)."""
import http.client
import json
import os
import socket
import ssl

from sandrun_test import PORT, SandrunTestCase, container, container_out, main, wait_until

TEST_PORT = int(os.environ.get('SANDRUN_PORT_TEST_PORT', PORT + 32))
UNIT = 'sandrun-port-test'
DIR = '/run/sandrun-port-test'


def sandrund():
    exec_start = container_out('systemctl', 'show', '-P', 'ExecStart', 'sandrun.service')
    return exec_start.split('path=')[1].split(' ')[0].strip(' ;')


class Port(SandrunTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.binary = sandrund()
        container('sh', '-c', 'set -e; rm -rf %s; mkdir -p %s; cd %s; '
                  'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 '
                  '-subj /CN=sandrun-port-test -keyout key.pem -out cert.pem 2>/dev/null; '
                  'chown sandrun key.pem cert.pem' % (DIR, DIR, DIR))
        cls.cert_der = ssl.PEM_cert_to_DER_cert(container_out('cat', DIR + '/cert.pem'))

    @classmethod
    def tearDownClass(cls):
        container('sh', '-c', 'systemctl stop %s 2>/dev/null; systemctl reset-failed %s 2>/dev/null; rm -rf %s'
                  % (UNIT, UNIT, DIR), check=False)

    def start(self, *options, wait=True):
        container('sh', '-c', 'systemctl stop %s 2>/dev/null; systemctl reset-failed %s 2>/dev/null; true'
                  % (UNIT, UNIT), check=False)
        container('systemd-run', '--unit', UNIT, '-p', 'User=sandrun', '-p', 'LimitMEMLOCK=infinity',
                  self.binary, *options)

    def answers(self, host):
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.settimeout(1)
                s.connect((host, TEST_PORT))
            return True
        except OSError:
            return False

    def request(self, host, method, path, body=None, headers=None):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(host, TEST_PORT, context=ctx, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, r.read(), conn.sock.getpeercert(binary_form=True)
        finally:
            conn.close()

    def test_port_cert_key(self):
        self.start('--port', str(TEST_PORT), '--cert', DIR + '/cert.pem', '--key', DIR + '/key.pem')
        wait_until(lambda: self.answers('127.0.0.1'), 20, what='sandrund --port to listen')
        # Every address: the socket is bound to the unspecified address, and takes IPv4 and IPv6.
        listening = container_out('ss', '-Hltn', 'sport', '= :%d' % TEST_PORT)
        self.assertRegex(listening, r'(\*|\[::\]):%d\b' % TEST_PORT, listening)
        for host in ('127.0.0.1', '::1'):
            with self.subTest(host=host):
                status, body, cert = self.request(host, 'POST', '/run', json.dumps({'code': 'print(6 * 7)'}),
                                                  {'Content-Type': 'application/json'})
                self.assertEqual(status, 200, body[:300])
                self.assertEqual(json.loads(body)['stdout'], '42\n')
                # The certificate given, not an ephemeral one.
                self.assertEqual(cert, self.cert_der)

    def test_plain_http_stays_loopback_only(self):
        self.start('--port', str(TEST_PORT), '--plain-http')
        wait_until(lambda: container('systemctl', 'is-active', UNIT, check=False).stdout.strip()
                   in ('failed', 'inactive'), 20, what='sandrund --port --plain-http to refuse')
        self.assertFalse(self.answers('127.0.0.1'))
        log = container_out('journalctl', '-u', UNIT, '--no-pager', '-o', 'cat')
        self.assertIn('loopback', log)

    def test_port_and_listen_exclude_each_other(self):
        p = container('runuser', '-u', 'sandrun', '--', self.binary, '--port', str(TEST_PORT),
                      '--listen', '127.0.0.1:%d' % TEST_PORT, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('--port and --listen', p.stderr)
        p = container('runuser', '-u', 'sandrun', '--', self.binary, '--port', '0', check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('--port', p.stderr)


if __name__ == '__main__':
    main()
