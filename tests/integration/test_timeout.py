#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The wall-clock limit: a request's "timeout" (seconds), clamped to the server's maximum."""
import time

from sandrun_test import SandrunTestCase, main, run_json


class Timeout(SandrunTestCase):
    def test_sleep_hits_short_timeout(self):
        t0 = time.monotonic()
        d = run_json('echo started; sleep 1000', 'sh', timeout=2, http_timeout=60)
        took = time.monotonic() - t0
        self.assertEqual((d['status'], d['reason']), ('failed', 'timeout'), d)
        self.assertIsNone(d['exit_code'], d)
        self.assertEqual(d['stdout'], 'started\n', 'output before the timeout is kept')
        self.assertGreaterEqual(d['metrics']['wall_seconds'], 1.8, d['metrics'])
        self.assertLess(d['metrics']['wall_seconds'], 6, d['metrics'])
        self.assertLess(took, 15, 'the answer came %.1fs after the request' % took)

    def test_fractional_timeout(self):
        d = run_json('sleep 1000', 'sh', timeout=0.5, http_timeout=60)
        self.assertEqual(d['reason'], 'timeout', d)
        self.assertLess(d['metrics']['wall_seconds'], 4, d['metrics'])

    def test_timeout_not_hit(self):
        d = run_json('sleep 0.2; echo done', 'sh', timeout=10)
        self.assertEqual((d['status'], d['stdout'], d['reason']), ('completed', 'done\n', None), d)

    def test_huge_timeout_is_clamped_not_refused(self):
        d = run_json('echo ok', 'sh', timeout=10 ** 9)
        self.assertEqual((d['status'], d['stdout']), ('completed', 'ok\n'), d)

    def test_timeout_kills_the_children_too(self):
        # A child that ignores SIGTERM and holds stdout open must not keep the job (or the answer) alive.
        code = "trap '' TERM; (trap '' TERM; sleep 1000) & sleep 1000"
        t0 = time.monotonic()
        d = run_json(code, 'bash', timeout=1, http_timeout=60)
        self.assertEqual(d['reason'], 'timeout', d)
        self.assertLess(time.monotonic() - t0, 15)


if __name__ == '__main__':
    main()
