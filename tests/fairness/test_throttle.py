#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A client out of budget has its running jobs' CPU quota cut to the refill rate, and given back once
its budget has refilled to the start level."""
import time

from fairness_test import DEFAULT_QUOTA_USEC, MIN_START, REFILL, FairnessTestCase, budget, burn, busy_python, \
    check_not_crashed, main, note, run_raw, scope_cpu_usec, scope_quota, submit

# Both jobs of the client together get the refill rate: 10 s / 60 s of a CPU, half each.
THROTTLED_USEC = int(REFILL * 1e6 / 2)
BUSY_WALL = 4.0         # each job spins this long (throttled after well under a second) ...
JOB_WALL = 14.0         # ... then sleeps until this long after its start, while its budget refills


class Throttle(FairnessTestCase):
    BLOCK = 2

    def quotas(self, jobs):
        return [scope_quota(j) for j in jobs]

    def test_quota_cut_and_restored(self):
        client, other = self.clients(2)
        w = self.watcher(client)
        # Down to a little over the start level, so that two jobs start and empty it at once.
        burns = burn(client, floor=MIN_START + 0.3)
        for job in burns:
            w.add(job, 'running')
        w.wait_finished(burns, 60)

        self.assertLess(budget(client), MIN_START + 1.0)
        jobs = []
        for _ in range(2):
            job, st = submit(busy_python(1000, then_sleep_until=JOB_WALL, max_wall=BUSY_WALL), 'python',
                             source=client, timeout=60)
            self.assertEqual(st, 'running')
            w.add(job, st)
            jobs.append(job)
        t0 = time.monotonic()

        # Within a few billing ticks of the budget reaching zero, both scopes are cut to half the refill
        # rate each, in systemd's unit and in the kernel's cgroup.
        seen = None
        while time.monotonic() - t0 < BUSY_WALL - 1.5:
            q = self.quotas(jobs)
            if all(unit is not None and unit < DEFAULT_QUOTA_USEC for unit, _ in q):
                seen = q
                break
            time.sleep(0.1)
        if seen is None:
            check_not_crashed(self.daemon)
        self.assertIsNotNone(seen, 'no quota cut %.1f s into spinning on an empty budget: %r'
                             % (time.monotonic() - t0, self.quotas(jobs)))
        t_cut = time.monotonic() - t0
        note('quota cut %.1f s after the jobs started: %r', t_cut, seen)
        for unit, kernel in seen:
            self.assertAlmostEqual(unit, THROTTLED_USEC, delta=THROTTLED_USEC * 0.05,
                                   msg='CPUQuotaPerSecUSec of a throttled job: %r' % (seen,))
            self.assertIsNotNone(kernel, 'the cgroup has no CPU quota: %r' % (seen,))
            self.assertAlmostEqual(kernel, unit, delta=unit * 0.05, msg='the kernel applies %r' % (seen,))
        self.assertLessEqual(budget(client), 0.1)

        # The kernel holds them to it: about a twelfth of a CPU each while they spin.
        c0, s0 = [scope_cpu_usec(j) for j in jobs], time.monotonic()
        time.sleep(1.0)
        c1, s1 = [scope_cpu_usec(j) for j in jobs], time.monotonic()
        if s1 - t0 < BUSY_WALL - 0.2:
            for a, b in zip(c0, c1):
                rate = (b - a) / 1e6 / (s1 - s0)
                note('a throttled job used %.3f CPU-s per second', rate)
                self.assertLess(rate, 0.2, 'a throttled job still used %.2f CPU-s per second' % rate)

        # Another client is not slowed down by it (throttled, 0.5 CPU-s would take 6 s).
        r = run_raw(busy_python(0.5), 'python', source=other)
        self.assertEqual(r.status, 200, r)
        d = r.json()
        self.assertLess(d['metrics']['wall_seconds'], 3.0, d['metrics'])

        # Once the jobs sleep, the budget refills: at the start level both get their own quota back.
        t_restored = None
        while time.monotonic() - t0 < JOB_WALL - 0.5:
            if all(unit == DEFAULT_QUOTA_USEC for unit, _ in self.quotas(jobs)):
                t_restored = time.monotonic() - t0
                break
            time.sleep(0.2)
        note('quota restored %.1f s after the jobs started', t_restored or -1)
        self.assertIsNotNone(t_restored, 'the quota was not restored %.0f s after the budget ran out'
                             % (JOB_WALL - t_cut))
        # The budget was near zero when they stopped spinning; the start level takes 6 s to refill.
        self.assertGreater(t_restored, BUSY_WALL + 0.8 * MIN_START / REFILL - 1.5,
                           'restored %.1f s after start, before the budget could refill' % t_restored)
        self.assertGreaterEqual(budget(client), MIN_START - 0.2)
        for unit, kernel in self.quotas(jobs):
            self.assertIn(kernel, (None, DEFAULT_QUOTA_USEC), 'the kernel still applies %r' % kernel)

        w.wait_finished(jobs, JOB_WALL + 10)
        for j in jobs:
            self.assertEqual(w.last[j]['status'], 'completed', w.last[j])


if __name__ == '__main__':
    main()
