#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""kill -9 the front, the runner, and both, in the middle of a job: the job dies with either, no scope or
process of it is left, a runner that is gone makes the front answer 503 with Retry-After, and the service
serves again within seconds."""

import time

from privsep_test import (FRONT, RUNNER, BackgroundJob, PrivsepTestCase, container, main, run_json,
                          running_job, service_pid)
from sandrun_test import request


class Kill(PrivsepTestCase):
    def setUp(self):
        self.assertServesWithin(10)
        self.assertNothingLeft()

    def kill(self, *units):
        pids = [service_pid(u) for u in units]
        self.assertTrue(all(p > 0 for p in pids), 'not running: %r' % (units,))
        container('kill', '-9', *map(str, pids))

    def test_kill_front(self):
        job = BackgroundJob('sleep 30')
        running_job()
        self.kill(FRONT)
        with self.assertRaises(Exception):
            job.wait(40)        # its client's connection went with the front
        self.assertNothingLeft()
        self.assertLess(self.assertServesWithin(10), 10)

    def test_kill_runner(self):
        runner = service_pid(RUNNER)
        job = BackgroundJob('sleep 30')
        running_job()
        # Killed, and held down (no socket to start it again), to see how the front answers meanwhile.
        container('sh', '-c', 'kill -9 %d && systemctl stop sandrun-runner.socket sandrun-runner.service' % runner)
        try:
            d = job.wait(20)
            self.assertEqual((d['status'], d['reason'], d['signal']), ('failed', 'signal', 9), d)
            # No runner: its warm sandboxes went with it too.
            self.assertNothingLeft(warm_too=True)
            r = request('POST', '/run?lang=sh', body='echo hi')
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.headers.get('Retry-After'), '2', r)
            self.assertIn('runner', r.json()['error'])
        finally:
            container('systemctl', 'start', 'sandrun-runner.socket')
        self.assertLess(self.assertServesWithin(10), 10)
        self.assertNotEqual(service_pid(RUNNER), runner)

    def test_kill_both(self):
        job = BackgroundJob('sleep 30')
        running_job()
        self.kill(FRONT, RUNNER)
        with self.assertRaises(Exception):
            job.wait(40)
        self.assertNothingLeft()
        self.assertLess(self.assertServesWithin(10), 10)

    def test_kill_runner_while_jobs_start(self):
        # Jobs being set up (scope starting, sandbox building) when the runner dies leave nothing either.
        jobs = [BackgroundJob('echo %d' % i) for i in range(4)]
        time.sleep(0.05)
        self.kill(RUNNER)
        for j in jobs:
            try:
                j.wait(30)
            except Exception:  # noqa: BLE001 - failing is fine, lingering is not
                pass
        self.assertNothingLeft()
        self.assertLess(self.assertServesWithin(10), 10)
        d = run_json('echo ok', lang='sh')
        self.assertEqual(d['stdout'], 'ok\n', d)


if __name__ == '__main__':
    main()
