#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Slow checks, against a daemon with its default settings:

- test_ttl_expiry_slow (about 65 s): a finished batch job, completed or failed, is still there just
  before --batch-ttl (60 s) and gone, on every endpoint, just after.
- test_timeout_clamped_slow (about 300 s, only with SANDRUN_SLOW=1): a manifest's 86400 s timeout is
  clamped to the daemon's --timeout (300 s): the job is killed then, not a day later.
"""
import os
import time
import unittest
import uuid

from batch_test import BATCH_TTL, BatchTestCase, main

SOURCE = '127.0.0.46'
MAX_TIMEOUT = 300       # sandrund's default --timeout


class Expiry(BatchTestCase):
    SOURCE = SOURCE

    def finished_at(self, job_id):
        """Waits for the end; returns (status, the monotonic time it was first seen finished)."""
        st = self.wait(job_id)
        return st, time.monotonic()

    def test_ttl_expiry_slow(self):
        done = self.submit({'entrypoint': 'main.py', 'outputs': ['*.txt']},
                           {'main.py': 'open("kept.txt", "w").write("kept")\nprint("done")\n'})
        failed = self.submit({'entrypoint': 'main.sh', 'timeout': 1}, {'main.sh': 'sleep 30\n'})
        st_done, t_done = self.finished_at(done)
        self.assertCompleted(st_done)
        st_failed, t_failed = self.finished_at(failed)
        self.assertEqual((st_failed['status'], st_failed['reason']), ('failed', 'timeout'), st_failed)
        unknown = self.get('status', uuid.uuid4().hex)

        # Seen finished at most a poll after it finished: 3 s short of the TTL it must still be there...
        for job_id, t in ((done, t_done), (failed, t_failed)):
            time.sleep(max(0, t + BATCH_TTL - 3 - time.monotonic()))
            self.assertIn(self.status(job_id)['status'], ('completed', 'failed'))
            self.assertEqual(self.logs(job_id)['job_id'], job_id)
        self.assertEqual(self.outputs(done), [{'path': 'kept.txt', 'size': 4}])

        # ... and 2 s past it, gone: the same 404 as an id never issued, on every endpoint.
        for job_id, t in ((done, t_done), (failed, t_failed)):
            time.sleep(max(0, t + BATCH_TTL + 2 - time.monotonic()))
            for what in ('status', 'logs', 'outputs', 'download'):
                r = self.get(what, job_id)
                if r.status != 404:
                    self.assertDaemonNotRestarted()
                self.assertEqual((r.status, r.body), (404, unknown.body), '%s %s: %r' % (what, job_id, r))

    @unittest.skipUnless(os.environ.get('SANDRUN_SLOW') == '1', 'takes 5 minutes; set SANDRUN_SLOW=1')
    def test_timeout_clamped_slow(self):
        t0 = time.monotonic()
        job_id = self.submit({'entrypoint': 'main.sh', 'timeout': 86400},
                             {'main.sh': 'echo started\nsleep %d\necho not killed\n' % (MAX_TIMEOUT + 120)})
        st = self.wait(job_id, timeout=MAX_TIMEOUT + 60)
        elapsed = time.monotonic() - t0
        self.assertEqual((st['status'], st['reason']), ('failed', 'timeout'), st)
        self.assertGreaterEqual(st['metrics']['wall_seconds'], MAX_TIMEOUT - 1, st)
        self.assertLess(elapsed, MAX_TIMEOUT + 30, st)
        self.assertEqual(self.logs(job_id)['stdout'], 'started\n')

if __name__ == '__main__':
    main()
