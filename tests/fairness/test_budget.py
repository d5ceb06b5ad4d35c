#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""An address that used up its CPU budget waits for it to refill; other addresses do not wait."""
import calendar
import time

from fairness_test import MIN_START, REFILL, FairnessTestCase, budget, burn, main, run_raw, status, submit


class Budget(FairnessTestCase):
    BLOCK = 1

    def test_burned_address_queues_other_runs(self):
        burner, other = self.clients(2)
        w = self.watcher(burner)

        # Busy loops spend the 10 CPU-s down to a few tenths (stopping short of zero, where throttling
        # would start: test_throttle's business).
        left = burn(burner)
        self.assertGreater(left, -0.05, 'the budget went into debt: %.1f' % left)

        # Its next job waits, however small, and says when it should start.
        t_queued = time.monotonic()
        job, st = submit('echo after', source=burner)
        w.add(job, st)
        self.assertEqual(st, 'queued', 'a job started on a budget of %.1f s' % left)
        d = status(job, source=burner)
        self.assertEqual(d['status'], 'queued', d)
        self.assertEqual(d['queue_position'], 1, d)
        refill_wait = (MIN_START - left) / REFILL
        eta = calendar.timegm(time.strptime(d['estimated_start'], '%Y-%m-%dT%H:%M:%SZ')) - time.time()
        self.assertTrue(refill_wait - 3 <= eta <= refill_wait + 3,
                        'estimated start in %.1f s, the refill takes %.1f s' % (eta, refill_wait))

        # Meanwhile another address runs at once, batch and /run alike.
        job2, st = submit('sleep 0.5', source=other)
        w.add(job2, st)
        self.assertEqual(st, 'running', 'a job of another address waited for %s\'s budget' % burner)
        r = run_raw('echo hi', source=other)
        self.assertEqual((r.status, r.json()['stdout']), (200, 'hi\n'), r)
        self.assertLess(r.elapsed, 2.5)
        self.assertEqual(status(job, source=burner)['status'], 'queued')

        # The waiting job starts once the budget is back at the start level: not before, not much later.
        w.wait_started([job], refill_wait + 10)
        waited = w.started[job] - t_queued
        self.assertGreater(waited, refill_wait - 1.5,
                           'started after %.1f s on a budget that needed %.1f s to refill' % (waited, refill_wait))
        self.assertLess(waited, refill_wait + 3, 'started %.1f s after its budget refilled' % (waited - refill_wait))
        w.wait_finished([job, job2], 10)
        self.assertEqual(w.last[job]['status'], 'completed', w.last[job])
        self.assertGreaterEqual(budget(burner), 0.8)


if __name__ == '__main__':
    main()
