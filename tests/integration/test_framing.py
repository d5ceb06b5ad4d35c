#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""HTTP request framing per RFC 9112, on raw TLS sockets: a request a proxy in front could frame
differently from us (both Content-Length and Transfer-Encoding, several Content-Length fields, a
Transfer-Encoding other than chunked, obs-fold lines, bare LF line ends) is answered once with a JSON 400
and its connection closed. Each case carries a pipelined second request, which must not be answered."""
import json
import re
import socket
import ssl
import time

from sandrun_test import SandrunTestCase, main, tls_socket

# The pipelined request a desynchronised server would answer: its answer is recognisable.
SECOND = b'GET /languages HTTP/1.1\r\nHost: x\r\n\r\n'
STATUS_RE = re.compile(rb'HTTP/1\.[01] (\d{3})')

CASES = {
    'content-length-and-chunked':
        b'POST /run HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'chunked-and-content-length':
        b'POST /run HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 39\r\n\r\n0\r\n\r\n',
    'two-content-lengths':
        b'POST /run HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello',
    'two-different-content-lengths':
        b'POST /run HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\nhello',
    'gzip-then-chunked':
        b'POST /run HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
    'chunked-twice':
        b'POST /run HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'identity':
        b'POST /run HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n',
    'chunked-in-http-1.0':
        b'POST /run HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'obs-fold':
        b'GET /languages HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n',
    'obs-fold-with-tab':
        b'GET /languages HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n\tTransfer-Encoding: chunked\r\n\r\n',
    'bare-lf-everywhere':
        b'GET /languages HTTP/1.1\nHost: x\nX-A: 1\n\n',
    'bare-lf-after-the-request-line':
        b'GET /languages HTTP/1.1\nHost: x\r\n\r\n',
    'bare-lf-between-fields':
        b'GET /languages HTTP/1.1\r\nHost: x\nX-A: 1\r\n\r\n',
    'bare-lf-ending-the-head':
        b'GET /languages HTTP/1.1\r\nHost: x\r\n\n',
    'bare-lf-ending-a-post-head':
        b'POST /run?lang=sh HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\nexit\n',
}


def exchange(data, seconds=20):
    """Sends data on a fresh TLS connection; returns what came back before the server closed it."""
    with tls_socket() as s:
        try:
            s.sendall(data)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            pass
        s.settimeout(seconds)
        got = b''
        deadline = time.monotonic() + seconds
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
                return got
            except socket.timeout:
                raise AssertionError('the connection stayed open for %ss after %r' % (seconds, got[:300]))
            if not chunk:
                return got
            got += chunk
            s.settimeout(max(0.1, deadline - time.monotonic()))


class Framing(SandrunTestCase):
    def test_ambiguous_framing_is_refused_once_and_closed(self):
        for name, head in CASES.items():
            with self.subTest(name):
                got = exchange(head + SECOND)
                statuses = STATUS_RE.findall(got)
                self.assertEqual(statuses, [b'400'], got[:600])
                body = got.split(b'\r\n\r\n', 1)[1]
                error = json.loads(body)['error']
                self.assertIn('framing', error)
                self.assertNotIn(b'"languages"', got)

    def test_content_length_list(self):
        # libmicrohttpd 0.9.75 refuses "5, 5" itself, before sandrun sees the request: its own 400 (not
        # JSON, and with its header block sent twice), but the connection closes and the pipelined
        # request is never answered, which is what keeps a proxy in step.
        got = exchange(b'POST /run HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello' + SECOND)
        self.assertEqual(set(STATUS_RE.findall(got)), {b'400'}, got[:600])
        self.assertNotIn(b'"languages"', got)

    def test_clean_requests_still_pipeline(self):
        # The same connection serves both when the framing is clean: the checks refuse only what they must.
        got = exchange(b'GET /languages HTTP/1.1\r\nHost: x\r\n\r\n'
                       b'POST /run?lang=sh HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\necho hi\n\n'
                       b'POST /run?lang=sh HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'
                       b'8\r\necho yo\n\r\n0\r\n\r\n'
                       b'GET /languages HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
        self.assertEqual(STATUS_RE.findall(got), [b'200'] * 4, got[:600])
        self.assertIn(b'hi\n', got)
        self.assertIn(b'yo\n', got)
        self.assertServing()


if __name__ == '__main__':
    main()
