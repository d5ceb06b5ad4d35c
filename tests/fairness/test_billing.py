#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A client is billed the CPU time the kernel counts for its jobs' cgroups, children included: while a
job runs (every 250 ms) and exactly at its end, as X-Sandrun-Budget-Remaining shows."""
import time

from fairness_test import BUDGET, REFILL, FairnessTestCase, budget, busy_python, header_budget, main, note, \
    run_raw, scope_cpu_usec, submit

# A parent and a forked child spinning together (1.2 + 0.8 CPU-s), then sleeping, so that the cgroup's
# counter can be read while it stands still.
FORKING = '''
import os, time
w = time.monotonic()
pid = os.fork()
t = time.process_time()
while time.process_time() - t < (0.8 if pid == 0 else 1.2):
    pass
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
print("spun", flush=True)
time.sleep(max(0, 8.0 - (time.monotonic() - w)))
'''

# The header has one decimal: half a tenth either way, and a little more.
ROUNDING = 0.06
# Running jobs are billed this often (src/api/job.c).
TICK = 0.25


class Billing(FairnessTestCase):
    BLOCK = 5

    def test_running_job_billed_from_its_cgroup(self):
        (a,) = self.clients(1)
        w = self.watcher(a)
        t_submit = time.monotonic()
        job, st = submit(FORKING, 'python', source=a)
        self.assertEqual(st, 'running')
        t_start = time.monotonic()
        w.add(job, st)

        # Once both have spun (about 1.2 s), the job sleeps: its cgroup's counter stands still, and
        # after two billing ticks all of it is billed.
        time.sleep(1.0)
        usage = scope_cpu_usec(job) / 1e6
        while True:
            time.sleep(0.6)
            now = scope_cpu_usec(job) / 1e6
            if now == usage:
                break
            self.assertLess(time.monotonic() - t_start, 6.0, 'the job still spins')
            usage = now
        left = budget(a)
        since_start, since_submit = time.monotonic() - t_start, time.monotonic() - t_submit
        note('cgroup usage %.3f CPU-s, budget %.1f, %.1f s after the start', usage, left, since_start)
        self.assertGreater(usage, 1.9, 'the child\'s CPU time is missing from the cgroup')
        # Billed: all of it. Refilled since: from the first billing tick on (within 0.25 s of the start).
        self.assertGreaterEqual(left, BUDGET - usage + (since_start - TICK) * REFILL - ROUNDING)
        self.assertLessEqual(left, BUDGET - usage + since_submit * REFILL + ROUNDING)

        # At the end: the job's cpu_seconds is the cgroup's figure, and nothing more is billed. The program's
        # exit (interpreter teardown, its children reaped) still uses some CPU after the last sample above.
        w.wait_finished([job], 10)
        final = w.last[job]
        self.assertEqual(final['status'], 'completed', final)
        self.assertGreaterEqual(final['metrics']['cpu_seconds'], usage - 0.002)
        self.assertLess(final['metrics']['cpu_seconds'], usage + 0.1)
        after = budget(a)
        since_start, since_submit = time.monotonic() - t_start, time.monotonic() - t_submit
        self.assertGreaterEqual(after, BUDGET - usage + (since_start - TICK) * REFILL - ROUNDING,
                                'billed again at the end')
        self.assertLessEqual(after, BUDGET - usage + since_submit * REFILL + ROUNDING)

    def test_run_answer_shows_the_final_bill(self):
        (a,) = self.clients(1)
        before = budget(a)
        self.assertEqual(before, BUDGET)
        r = run_raw(busy_python(1.5), 'python', source=a)
        self.assertEqual(r.status, 200, r)
        d = r.json()
        cpu, wall = d['metrics']['cpu_seconds'], d['metrics']['wall_seconds']
        self.assertGreater(cpu, 1.4, d)
        # The answer goes out after the job's last CPU time was billed: its own header shows all of it,
        # less what refilled from the first billing tick on.
        seen = header_budget(r)
        note('/run: %.3f CPU-s in %.3f s, budget %.1f in the answer', cpu, wall, seen)
        self.assertGreaterEqual(seen, BUDGET - cpu + (wall - TICK) * REFILL - ROUNDING)
        self.assertLessEqual(seen, BUDGET - cpu + r.elapsed * REFILL + ROUNDING)

        # Sleeping costs (almost) nothing.
        before = budget(a)
        r = run_raw('sleep 2', 'sh', source=a)
        self.assertEqual(r.status, 200, r)
        self.assertLess(r.json()['metrics']['cpu_seconds'], 0.1)
        self.assertGreaterEqual(header_budget(r), before - 0.1)


if __name__ == '__main__':
    main()
