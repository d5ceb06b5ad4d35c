#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bad requests get JSON errors with the right status."""
import json
import select
import ssl

from sandrun_test import INTERPRETERS, SandrunTestCase, main, read_response, request, tls_socket

JSON = {'Content-Type': 'application/json'}
MIB = 1 << 20


class Errors(SandrunTestCase):
    def test_unknown_interpreter_lists_available(self):
        for r in (request('POST', '/run', json.dumps({'code': 'x', 'interpreter': 'cobol'}), JSON),
                  request('POST', '/run?lang=cobol', 'x', {'Content-Type': 'text/plain'})):
            with self.subTest(body=r.body):
                msg = self.assertJsonError(r, 400)
                self.assertIn('cobol', msg)
                for lang in INTERPRETERS:
                    self.assertRegex(msg, r'\b%s\b' % lang)

    def test_empty_body(self):
        for headers in (JSON, {'Content-Type': 'text/plain'}, {}):
            with self.subTest(headers=headers):
                self.assertJsonError(request('POST', '/run', b'', headers), 400)

    def test_malformed_json(self):
        for body in ('{"code": "print(1)", ', '{"code": print}', '[1, 2]', '"code"', '{"code": 5}',
                     '{"interpreter": "python"}', '{"code": "x", "args": "a"}', '{"code": "x", "timeout": -1}',
                     '{"code": "x", "timeout": "10"}', '{"code": "x"} trailing', '\xff\xfe'):
            with self.subTest(body=body):
                self.assertJsonError(request('POST', '/run', body.encode('latin-1'), JSON), 400)

    def test_deeply_nested_json(self):
        self.assertJsonError(request('POST', '/run', '{"code": "x", "a": ' + '[' * 100000 + ']' * 100000 + '}',
                                     JSON), 400)

    def test_body_over_1mib_announced(self):
        # Refused on the headers alone: the answer comes before any of the body is sent.
        with tls_socket() as s:
            s.sendall(b'POST /run?lang=python HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n'
                      b'Content-Length: %d\r\n\r\n' % (MIB + 1))
            self.assertJsonError(read_response(s, timeout=20), 413)

    def test_body_over_1mib_chunked(self):
        # No length announced: refused once more than 1 MiB has arrived. libmicrohttpd answers only once the
        # body has ended, so the server drains the refused rest (up to 256 MiB, then it closes) and answers
        # 413 at its end, without keeping any of it.
        chunk = b'#' * 65536
        with tls_socket() as s:
            s.sendall(b'POST /run?lang=python HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n'
                      b'Transfer-Encoding: chunked\r\n\r\n')
            for _ in range(MIB // len(chunk) + 8):
                s.sendall(b'%x\r\n%s\r\n' % (len(chunk), chunk))
            s.sendall(b'0\r\n\r\n')
            self.assertJsonError(read_response(s, timeout=20), 413)

    def test_body_of_exactly_1mib_is_accepted(self):
        code = b'print("fits")\n#' + b'x' * (MIB - 16) + b'\n'
        self.assertEqual(len(code), MIB)
        r = request('POST', '/run?lang=python', code, {'Content-Type': 'text/plain'})
        self.assertEqual((r.status, r.text), (200, 'fits\n'), r)

    def test_get_run_is_405(self):
        r = request('GET', '/run')
        self.assertJsonError(r, 405)
        self.assertIn('POST', r.headers.get('Allow', ''))

    def test_other_methods_on_run(self):
        for method in ('PUT', 'DELETE', 'PATCH'):
            with self.subTest(method=method):
                self.assertJsonError(request(method, '/run', b'x'), 405)

    def test_unknown_path_is_404(self):
        for path in ('/nope', '/run/', '/run/python', '/../etc/passwd', '/languages/x'):
            with self.subTest(path=path):
                self.assertJsonError(request('GET', path), 404)

    def test_nul_in_path(self):
        # A NUL byte must not cut the path short into one that exists (/%00 is not /).
        r = request('GET', '/%00')
        self.assertIn(r.status, (400, 404), r)
        self.assertJsonError(r, r.status)


if __name__ == '__main__':
    main()
