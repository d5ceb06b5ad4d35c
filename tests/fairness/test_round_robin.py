#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Round robin between addresses: when slots free up, a client with one queued job goes before the
later jobs of a client that queued many, not after all of them."""
import time

from fairness_test import RUNNING_PER_IP, FairnessTestCase, holder, main, note, status, submit


class RoundRobin(FairnessTestCase):
    BLOCK = 7

    def test_one_job_overtakes_a_long_queue(self):
        filler, a, b = self.clients(3)
        w = self.watcher(a)

        # Every slot busy (2 per core, 4 here; sleepers would hold none): the filler's two long jobs, and
        # a's two.
        fill = []
        for _ in range(RUNNING_PER_IP):
            job, st = submit(holder(6), 'python', source=filler)
            self.assertEqual(st, 'running')
            fill.append(job)
        first = []
        for _ in range(RUNNING_PER_IP):
            job, st = submit(holder(2), 'python', source=a)
            self.assertEqual(st, 'running', 'the server runs fewer than 4 jobs at once')
            w.add(job, st)
            first.append(job)
        # a queues four more; then b queues its one.
        queued = []
        for _ in range(4):
            job, st = submit(holder(1.5), 'python', source=a)
            self.assertEqual(st, 'queued', 'more than 4 jobs run at once')
            w.add(job, st)
            queued.append(job)
        job_b, st = submit(holder(1), 'python', source=b)
        self.assertEqual(st, 'queued')
        t_b = time.monotonic()
        w.add(job_b, st)

        # The queue says so: b is first or second in line, not fifth.
        pos = status(job_b)['queue_position']
        self.assertLessEqual(pos, 2, 'b\'s only job is %d in line behind a\'s queue' % pos)
        self.assertEqual(status(queued[-1])['queue_position'], 5)

        # And so it goes: when a's first two end, at most one of a's queued jobs starts before b's.
        w.wait_started([job_b], 15)
        before_b = [j for j in queued if j in w.started and w.started[j] < w.started[job_b]]
        note('b waited %.1f s; a\'s queued jobs started before it: %d', w.started[job_b] - t_b, len(before_b))
        self.assertLessEqual(len(before_b), 1, 'b\'s job started after %d of a\'s queued jobs' % len(before_b))
        self.assertLess(w.started[job_b] - t_b, 4.0)
        w.wait_finished(first + queued + [job_b], 20)


if __name__ == '__main__':
    main()
