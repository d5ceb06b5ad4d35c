#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The daemon survives hostile clients: garbage, half-sent requests and slowloris."""
import os
import socket
import ssl
import time

from sandrun_test import SandrunTestCase, main, main_pid, request, tcp_socket, tls_socket, unit_property

# Attackers connect from other loopback addresses, so per-address limits cannot explain a pass.
ATTACKER = '127.0.0.2'
SLOWLORIS = '127.0.0.3'


def closed_within(sock, seconds):
    """Reads until the server closes the connection; returns what it sent, or raises on timeout."""
    sock.settimeout(seconds)
    got = b''
    deadline = time.monotonic() + seconds
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            return got
        except socket.timeout:
            raise AssertionError('the server kept the connection open for %ss; it sent %r' % (seconds, got[:200]))
        if not chunk:
            return got
        got += chunk
        sock.settimeout(max(0.1, deadline - time.monotonic()))


def send_ignoring_reset(sock, data):
    try:
        sock.sendall(data)
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
        pass


class Hostile(SandrunTestCase):
    def setUp(self):
        self.pid = main_pid()
        self.restarts = unit_property('sandrun.service', 'NRestarts')

    def tearDown(self):
        self.assertServing()
        self.assertEqual(main_pid(), self.pid, 'sandrund was restarted')
        self.assertEqual(unit_property('sandrun.service', 'NRestarts'), self.restarts)

    def test_garbage_over_tls(self):
        with tls_socket(source=ATTACKER) as s:
            send_ignoring_reset(s, os.urandom(8192) + b'\r\n\r\n')
            got = closed_within(s, 40)
        self.assertTrue(got == b'' or got.startswith(b'HTTP/1.1 4'), got[:200])

    def test_garbage_without_tls(self):
        for junk in (os.urandom(4096), b'GET / HTTP/1.1\r\nHost: x\r\n\r\n', b'\x16\x03\x01\xff\xff' + b'\0' * 100):
            with self.subTest(junk=junk[:16]):
                with tcp_socket(source=ATTACKER) as s:
                    send_ignoring_reset(s, junk)
                    closed_within(s, 40)

    def test_half_sent_request(self):
        with tls_socket(source=ATTACKER) as s:
            s.sendall(b'POST /run?lang=python HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n'
                      b'Content-Length: 1000\r\n\r\nprint("')
        # Once more mid-headers, dropping the connection without a TLS close_notify.
        with tls_socket(source=ATTACKER) as s:
            s.sendall(b'POST /run HTTP/1.1\r\nHost: x\r\nContent-Le')
            s.shutdown(socket.SHUT_RDWR)

    def test_huge_headers(self):
        with tls_socket(source=ATTACKER) as s:
            send_ignoring_reset(s, b'GET /languages HTTP/1.1\r\nHost: x\r\n' +
                                b''.join(b'X-Junk-%d: %s\r\n' % (i, b'a' * 1000) for i in range(200)) + b'\r\n')
            got = closed_within(s, 40)
        self.assertFalse(got.startswith(b'HTTP/1.1 200'), got[:200])

    def test_slowloris(self):
        # Connections that stop sending mid-request neither block other clients nor stay open forever.
        socks = []
        try:
            for _ in range(20):
                s = tls_socket(source=SLOWLORIS)
                s.sendall(b'POST /run HTTP/1.1\r\nHost: x\r\nX-Slow: ')
                socks.append(s)
            t0 = time.monotonic()
            r = request('GET', '/languages', timeout=10)
            self.assertEqual(r.status, 200, r)
            self.assertServing()
            self.assertLess(time.monotonic() - t0, 10, 'others were slowed down by the slowloris')
            # The server's idle timeout ends them (sandrund's default: 30 s).
            start = time.monotonic()
            for s in socks:
                closed_within(s, max(1, 90 - (time.monotonic() - start)))
            self.assertLess(time.monotonic() - start, 90)
        finally:
            for s in socks:
                s.close()

    def test_many_idle_connections(self):
        socks = [tcp_socket(source=ATTACKER) for _ in range(50)]
        try:
            self.assertServing()
        finally:
            for s in socks:
                s.close()


if __name__ == '__main__':
    main()
