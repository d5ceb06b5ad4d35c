#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Answers go to slow readers from bounded buffers (issue 15 item 3): clients that ask for much output and
read none of it cost the daemon little memory, are dropped once the grace has passed, and others are
served meanwhile."""
import json
import socket
import ssl
import time

from sandrun_test import ExtraDaemon, SandrunTestCase, container_out, job_scopes, main, tls_context, \
    unit_property, wait_until

CLIENTS = 16
OUTPUT = 2 << 20
GRACE = 4
# 2 MiB of \x01 is 12 MiB as JSON, twice (stdout and output): what 16 clients pinned before streaming.
ANSWER = 2 * 6 * OUTPUT
CODE = 'import sys\nsys.stdout.write("\\x01" * %d)\n' % OUTPUT


def rss_kib(pid):
    for line in container_out('cat', '/proc/%d/status' % pid).splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
    raise AssertionError('no VmRSS for %d' % pid)


def stalled_client(port, source):
    """Asks for the output as JSON, then reads nothing: a small receive buffer, so that the kernel holds
    little of the answer for it."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    raw.bind((source, 0))
    raw.settimeout(30)
    raw.connect(('127.0.0.1', port))
    s = tls_context().wrap_socket(raw)
    body = CODE.encode()
    s.sendall(b'POST /run?lang=python HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n'
              b'Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n' % len(body) + body)
    return s


def drain(s, seconds):
    """Reads what is left until the server closes; the bytes read, or None if it kept the connection."""
    got = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        s.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            chunk = s.recv(1 << 20)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError) as e:
            if isinstance(e, socket.timeout):
                return None
            return got
        if not chunk:
            return got
        got += len(chunk)
    return None


class SlowReaders(SandrunTestCase):
    def test_stalled_readers_cost_little_and_are_dropped(self):
        with ExtraDaemon('--min-read-rate', '64K', '--read-grace', '%ds' % GRACE, '--output-max', '2M',
                         '--max-running', '4') as d:
            pid = int(unit_property(d.UNIT, 'MainPID'))
            self.assertEqual(d.request('POST', '/run?lang=python', 'print(1)').status, 200)
            before = rss_kib(pid)

            sockets = [stalled_client(d.port, '127.0.0.%d' % (60 + i)) for i in range(CLIENTS)]
            try:
                # Served meanwhile: another client's small job while the 16 wait for their answers.
                r = d.request('POST', '/run?lang=python', 'print(6 * 7)', headers={'Accept': 'application/json'},
                              timeout=60)
                self.assertEqual(r.status, 200)
                self.assertEqual(json.loads(r.body)['stdout'], '42\n')

                wait_until(lambda: not job_scopes(), 120, what='the 16 jobs to end')
                # Every answer has begun: what the daemon holds now is what stalled readers cost.
                peak = max(rss_kib(pid) for _ in range(5))
                grown = (peak - before) / 1024
                # The outputs themselves (16 x 2 MiB) are held either way; copies of the answers would be
                # 16 x 24 MiB.
                self.assertLess(grown, CLIENTS * OUTPUT / (1 << 20) + 32,
                                'sandrund grew by %.0f MiB with %d stalled readers' % (grown, CLIENTS))
                print('sandrund RSS: %d KiB before, %d KiB with %d stalled readers (+%.1f MiB)'
                      % (before, peak, CLIENTS, grown))

                r = d.request('POST', '/run?lang=python', 'print(7 * 6)', headers={'Accept': 'application/json'},
                              timeout=30)
                self.assertEqual(json.loads(r.body)['stdout'], '42\n')

                # Past the grace each is dropped with most of its answer unsent (judged over a second or so).
                time.sleep(GRACE + 3)
                t0 = time.monotonic()
                for i, s in enumerate(sockets):
                    got = drain(s, 20 - (time.monotonic() - t0))
                    self.assertIsNotNone(got, 'stalled client %d was not dropped' % i)
                    self.assertLess(got, ANSWER // 2, 'stalled client %d got most of its answer' % i)
            finally:
                for s in sockets:
                    s.close()

            # A client that reads gets the whole answer, however large.
            r = d.request('POST', '/run?lang=python', CODE, headers={'Accept': 'application/json'}, timeout=60)
            self.assertEqual(r.status, 200)
            self.assertEqual(json.loads(r.body)['stdout'], '\x01' * OUTPUT)

    def test_stalled_live_stream_is_dropped(self):
        # Live output follows the same rule: a client that reads none of the events it asked for, nor the
        # result event (which carries all the output), is dropped once the grace has passed.
        with ExtraDaemon('--min-read-rate', '64K', '--read-grace', '%ds' % GRACE, '--output-max', '2M') as d:
            pid = int(unit_property(d.UNIT, 'MainPID'))
            self.assertEqual(d.request('POST', '/run?lang=python', 'print(1)').status, 200)
            before = rss_kib(pid)
            raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
            raw.bind(('127.0.0.59', 0))
            raw.settimeout(30)
            raw.connect(('127.0.0.1', d.port))
            with tls_context().wrap_socket(raw) as s:
                body = CODE.encode()
                s.sendall(b'POST /run?lang=python HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n'
                          b'Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n' % len(body) + body)
                # The job writes its output at once and ends (too soon, maybe, to see its scope).
                time.sleep(1)
                wait_until(lambda: not job_scopes(), 60, what='the job to end')
                # Its output (2 MiB), at most 1 MiB of events waiting, and the result event (24 MiB of JSON)
                # made only as it is read.
                grown = (max(rss_kib(pid) for _ in range(5)) - before) / 1024
                self.assertLess(grown, 12, 'sandrund grew by %.0f MiB for one stalled live stream' % grown)
                time.sleep(GRACE + 3)
                got = drain(s, 15)
                self.assertIsNotNone(got, 'the stalled live stream was not dropped')
                self.assertLess(got, ANSWER // 2, 'the stalled live stream got most of its answer')

if __name__ == '__main__':
    main()
