#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""An address that used up its CPU budget waits for it to refill; other addresses do not wait."""
import calendar
import time

from fairness_test import MIN_START, REFILL, FairnessTestCase, budget, burn, main, note, run_raw, status, submit


class Budget(FairnessTestCase):
    BLOCK = 1

    def test_burned_address_queues_other_runs(self):
        burner, other = self.clients(2)
        w = self.watcher(burner)

        # Two busy jobs spend the 10 CPU-s down to a few tenths (stopping short of zero, where throttling
        # would start: test_throttle's business). A third job meanwhile waits for a running slot ...
        burns = burn(burner)
        for job in burns:
            w.add(job, 'running')
        probe, st = submit('echo after', source=burner)
        self.assertEqual(st, 'queued')
        w.add(probe, st)
        w.wait_finished(burns, 60)
        for job in burns:
            self.assertEqual(w.last[job]['status'], 'completed', w.last[job])
        t_left, left = time.monotonic(), budget(burner)
        used = sum(w.last[job]['metrics']['cpu_seconds'] for job in burns)
        note('the burners used %.2f CPU-s, %.1f left', used, left)
        self.assertGreater(left, -0.05, 'the budget went into debt: %.1f' % left)
        self.assertLess(left, MIN_START - 0.3, 'the burners left %.1f' % left)

        # ... and then for the budget: it stays queued with both slots free, and says when it should start.
        d = status(probe, source=burner)
        self.assertEqual(d['status'], 'queued', 'a job started on a budget of %.1f s' % left)
        self.assertEqual(d['queue_position'], 1, d)
        refill_wait = (MIN_START - left) / REFILL
        eta = calendar.timegm(time.strptime(d['estimated_start'], '%Y-%m-%dT%H:%M:%SZ')) - time.time()
        self.assertTrue(refill_wait - 3 <= eta <= refill_wait + 2,
                        'estimated start in %.1f s, the refill takes %.1f s' % (eta, refill_wait))

        # Meanwhile another address runs at once, batch and /run alike.
        job2, st = submit('sleep 0.5', source=other)
        w.add(job2, st)
        self.assertEqual(st, 'running', 'a job of another address waited for %s\'s budget' % burner)
        r = run_raw('echo hi', source=other)
        self.assertEqual((r.status, r.json()['stdout']), (200, 'hi\n'), r)
        self.assertLess(r.elapsed, 2.5)
        self.assertEqual(status(probe, source=burner)['status'], 'queued')

        # It starts once the budget is back at the start level: not before, not much later. (The header
        # has one decimal: 0.05 s of budget is 0.3 s of refill.)
        w.wait_started([probe], refill_wait + 10)
        waited = w.started[probe] - t_left
        note('the probe started %.1f s after the budget was %.1f; the refill needs %.1f s', waited, left, refill_wait)
        self.assertGreater(waited, refill_wait - 0.8, 'started on a budget that had not refilled')
        self.assertLess(waited, refill_wait + 1.5, 'started %.1f s after its budget refilled' % (waited - refill_wait))
        w.wait_finished([probe, job2], 10)
        self.assertEqual(w.last[probe]['status'], 'completed', w.last[probe])
        self.assertGreaterEqual(budget(burner), MIN_START - 0.1)


if __name__ == '__main__':
    main()
