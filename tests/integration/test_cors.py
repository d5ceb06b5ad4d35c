#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""CORS: pages on other origins may call the API (any origin by default, or an allow-list), a refused
origin gets 403 before anything runs, and the built-in page keeps its strict CSP. The browser side is
in tests/clients/browser/cors-test.js."""
import json

from sandrun_test import ExtraDaemon, SandrunTestCase, journal, main, request

ELSEWHERE = 'http://127.0.0.1:8481'
EXPOSED = ('Retry-After', 'X-Sandrun-Budget-Remaining', 'X-Sandrun-Job-Id', 'X-Sandrun-Status',
           'X-Sandrun-Exit-Code', 'X-Sandrun-Reason', 'X-Sandrun-Signal', 'X-Sandrun-CPU-Seconds',
           'X-Sandrun-Memory-MB', 'X-Sandrun-Wall-Seconds')
BURN = 'import time\nt = time.process_time()\nwhile time.process_time() - t < 1.5: pass\nprint("ran")\n'


def exposed(r):
    return [h.strip().lower() for h in (r.headers.get('Access-Control-Expose-Headers') or '').split(',')]


def preflight(req, path, origin):
    return req('OPTIONS', path, headers={'Origin': origin, 'Access-Control-Request-Method': 'POST',
                                         'Access-Control-Request-Headers': 'content-type'})


class AnyOrigin(SandrunTestCase):
    def test_simple_post_is_readable_from_any_origin(self):
        r = request('POST', '/run?lang=python', 'print(7)', {'Content-Type': 'text/plain', 'Origin': ELSEWHERE})
        self.assertEqual((r.status, r.body), (200, b'7\n'), r)
        self.assertEqual(r.headers.get('Access-Control-Allow-Origin'), '*')
        for h in EXPOSED:
            self.assertIn(h.lower(), exposed(r))
        self.assertIsNone(r.headers.get('Access-Control-Allow-Credentials'))

    def test_preflight(self):
        for path in ('/run', '/submit', '/status/' + '0' * 32, '/languages'):
            with self.subTest(path=path):
                r = preflight(request, path, ELSEWHERE)
                self.assertEqual((r.status, r.body), (204, b''), r)
                self.assertEqual(r.headers.get('Access-Control-Allow-Origin'), '*')
                methods = [m.strip() for m in r.headers.get('Access-Control-Allow-Methods', '').split(',')]
                self.assertIn('POST', methods)
                self.assertIn('GET', methods)
                allowed = [h.strip().lower() for h in r.headers.get('Access-Control-Allow-Headers', '').split(',')]
                self.assertIn('content-type', allowed)
                self.assertIn('last-event-id', allowed)
                self.assertTrue(int(r.headers.get('Access-Control-Max-Age')) > 0)

    def test_errors_are_readable_too(self):
        r = request('POST', '/run', '{"code": ', {'Content-Type': 'application/json', 'Origin': ELSEWHERE})
        self.assertJsonError(r, 400)
        self.assertEqual(r.headers.get('Access-Control-Allow-Origin'), '*')

    def test_no_origin_no_cors_headers(self):
        r = request('GET', '/languages')
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.headers.get('Access-Control-Allow-Origin'))

    def test_page_keeps_its_strict_csp(self):
        r = request('GET', '/', headers={'Origin': ELSEWHERE})
        self.assertEqual(r.status, 200)
        csp = r.headers.get('Content-Security-Policy')
        self.assertIn("default-src 'self'", csp)
        self.assertIn("connect-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertEqual(request('GET', '/languages').headers.get('Content-Security-Policy'),
                         "default-src 'none'; frame-ancestors 'none'")


class AllowList(SandrunTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.daemon = ExtraDaemon('--cors-origin', ELSEWHERE, '--cors-origin', 'https://docs.example.org')
        cls.daemon.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.__exit__(None, None, None)

    def test_listed_origin(self):
        r = self.daemon.request('POST', '/run?lang=python', 'print(8)', {'Origin': ELSEWHERE})
        self.assertEqual((r.status, r.body), (200, b'8\n'), r)
        self.assertEqual(r.headers.get('Access-Control-Allow-Origin'), ELSEWHERE)
        self.assertIn('Origin', r.headers.get('Vary', ''))
        self.assertIn('x-sandrun-job-id', exposed(r))
        r = preflight(self.daemon.request, '/run', 'https://DOCS.example.org')
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.headers.get('Access-Control-Allow-Origin'), 'https://DOCS.example.org')

    def test_own_page_and_curl_still_work(self):
        own = 'https://127.0.0.1:%d' % self.daemon.port
        r = self.daemon.request('POST', '/run?lang=python', 'print(9)', {'Origin': own})
        self.assertEqual((r.status, r.body), (200, b'9\n'), r)
        r = self.daemon.request('POST', '/run?lang=python', 'print(10)')
        self.assertEqual((r.status, r.body), (200, b'10\n'), r)

    def test_refused_origin_runs_nothing(self):
        before = journal('-u', ExtraDaemon.UNIT, '-o', 'cat', 'MESSAGE=Job finished').count('Job finished')
        for origin in ('http://127.0.0.1:8482', 'null', 'https://docs.example.org.evil', 'http://docs.example.org'):
            with self.subTest(origin=origin):
                r = self.daemon.request('POST', '/run?lang=python', BURN, {'Content-Type': 'text/plain',
                                                                           'Origin': origin})
                self.assertIn(origin, self.assertJsonError(r, 403))
                self.assertIsNone(r.headers.get('Access-Control-Allow-Origin'))
                self.assertLess(r.elapsed, 1.0)
        for method, path in (('POST', '/submit'), ('GET', '/languages'), ('OPTIONS', '/run'),
                             ('GET', '/status/' + '0' * 32)):
            with self.subTest(method=method, path=path):
                r = self.daemon.request(method, path, headers={'Origin': 'http://127.0.0.1:8482'})
                self.assertJsonError(r, 403)
        # Nothing ran and nothing was billed.
        r = self.daemon.request('GET', '/languages')
        self.assertEqual(r.headers.get('X-Sandrun-Budget-Remaining'), '10.0')
        after = journal('-u', ExtraDaemon.UNIT, '-o', 'cat', 'MESSAGE=Job finished').count('Job finished')
        self.assertEqual(before, after)


if __name__ == '__main__':
    main()
