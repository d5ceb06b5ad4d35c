#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Two clients hammering cannot starve a third: while A and B keep both their running slots and their
queues full, resubmitting as fast as they are let in, C's jobs still start within about one job's time."""
import threading
import time

from fairness_test import QUEUED_PER_IP, RUNNING_PER_IP, FairnessTestCase, main, note, submit_raw

JOB = 'sleep 0.5'       # what the hammering clients run
JOB_SECONDS = 0.5
HAMMER_SECONDS = 9.0


class Hammer(threading.Thread):
    """Submits JOB from source until stopped: again at once after a 202, after a short pause on 429."""

    def __init__(self, source, stop):
        super().__init__(daemon=True)
        self.source, self.stop = source, stop
        self.accepted, self.refused, self.other = [], 0, []

    def run(self):
        deadline = time.monotonic() + HAMMER_SECONDS + 30
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                r = submit_raw(JOB, source=self.source)
            except OSError as e:
                self.other.append(repr(e))
                time.sleep(0.2)
                continue
            if r.status == 202:
                self.accepted.append(r.json()['job_id'])
            elif r.status == 429:
                self.refused += 1
                time.sleep(0.05)
            else:
                self.other.append(r)
                time.sleep(0.2)


class Starvation(FairnessTestCase):
    BLOCK = 8

    def test_third_client_starts_within_bounded_time(self):
        a, b, c = self.clients(3)
        stop = threading.Event()
        hammers = [Hammer(a, stop), Hammer(b, stop)]
        self.addCleanup(stop.set)
        for h in hammers:
            h.start()
        w = self.watcher(c)
        t0 = time.monotonic()

        # Let them fill up: both at 2 running + 16 queued, and refused for more.
        deadline = t0 + 5
        while not all(h.refused > 0 and len(h.accepted) >= RUNNING_PER_IP + QUEUED_PER_IP for h in hammers):
            self.assertLess(time.monotonic(), deadline, 'the hammering clients never filled their queues')
            time.sleep(0.1)

        # C's jobs, one after another while the hammering goes on, each start within about one job.
        waits = []
        while time.monotonic() - t0 < HAMMER_SECONDS - 3:
            r = submit_raw('true', source=c)
            self.assertEqual(r.status, 202, r)
            job, st = r.json()['job_id'], r.json()['status']
            t_submit = time.monotonic()
            w.add(job, st)
            w.wait_started([job], 10)
            waits.append(w.started[job] - t_submit)
            w.wait_finished([job], 10)
        stop.set()
        for h in hammers:
            h.join(30)
        note('C waited %s s; A and B got %s jobs in, %s refusals', ['%.1f' % x for x in waits],
             [len(h.accepted) for h in hammers], [h.refused for h in hammers])
        for h in hammers:
            self.assertEqual(h.other, [], 'unexpected answers to %s' % h.source)
        self.assertGreaterEqual(len(waits), 3)
        # Slots free up at least once per hammering job's run time, and C is next in line for one; without
        # round robin it would wait for the 32 jobs queued before it, 8 rounds of 4 slots.
        self.assertLess(max(waits), JOB_SECONDS + 1.0, 'C waited %.1f s for a slot' % max(waits))


if __name__ == '__main__':
    main()
