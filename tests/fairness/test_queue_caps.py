#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Past 16 queued jobs an address gets 429 with Retry-After and a reason, on /submit and /run alike;
other addresses are still served, and the address itself once its queue has room again."""
from fairness_test import QUEUED_PER_IP, RUNNING_PER_IP, FairnessTestCase, header_budget, main, note, \
    run_raw, status, submit, submit_raw


class QueueCaps(FairnessTestCase):
    BLOCK = 3

    def test_per_address_queue_cap(self):
        a, b = self.clients(2)
        w = self.watcher(a)

        running = []
        for _ in range(RUNNING_PER_IP):
            job, st = submit('sleep 3', source=a)
            self.assertEqual(st, 'running')
            w.add(job, st)
            running.append(job)
        queued = []
        for i in range(QUEUED_PER_IP):
            job, st = submit('true', source=a)
            self.assertEqual(st, 'queued', 'queued job %d' % (i + 1))
            w.add(job, st)
            queued.append(job)
        self.assertEqual(status(queued[-1], source=a)['queue_position'], QUEUED_PER_IP)

        # One more, by either endpoint, is refused at once with the reason and when to come back.
        for what, r in (('POST /submit', submit_raw('true', source=a)), ('POST /run', run_raw('true', source=a))):
            with self.subTest(what):
                error = self.assertJsonError(r, 429)
                self.assertIn('too many queued jobs from your address', error)
                # Until one of the running jobs ends (about 3 s) no queued one can start: the estimate
                # says so, and stays sane.
                note('%s: 429 Retry-After %s: %s', what, self.assertRetryAfter(r, 1, 600), error)
                self.assertRegex(error, r'retry in \d+ s')
                self.assertEqual(header_budget(r), 10.0)
                self.assertLess(r.elapsed, 2.0)

        # Another address is served meanwhile.
        r = run_raw('echo hi', source=b)
        self.assertEqual((r.status, r.json()['stdout']), (200, 'hi\n'), r)
        job, st = submit('true', source=b)
        w.add(job, st)
        self.assertEqual(st, 'running')

        # The queued jobs start as the running ones end; then there is room again.
        w.wait_started(queued[:1], 10)
        job, st = submit('echo again', source=a)
        w.add(job, st)
        w.wait_finished(running + queued + [job], 30)
        for j in queued + [job]:
            self.assertEqual(w.last[j]['status'], 'completed', w.last[j])
        # First come, first served within one address.
        order = sorted(queued, key=lambda j: w.started[j])
        self.assertEqual([queued.index(j) for j in order][:4], [0, 1, 2, 3])


if __name__ == '__main__':
    main()
