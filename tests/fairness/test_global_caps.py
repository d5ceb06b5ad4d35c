#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""With the server's own caps reached (here made small with a drop-in: one running job, two queued),
everyone within an equal share of the queue is refused with 503, Retry-After and a reason, unless someone
holds more than that share: then that client's newest queued job is dropped for the newcomer. The same
daemon trusts one proxy address, whose X-Forwarded-For then decides who is billed, and nobody else's."""
import threading
import time

from fairness_test import FairnessTestCase, block, budget, busy_python, header_budget, holder, install_dropin, \
    main, note, remove_dropin, run_raw, status, submit, submit_raw, wait_idle

BLOCK = 4
PROXY = block(BLOCK)[-1]
MAX_RUNNING, MAX_QUEUED = 1, 2


class GlobalCaps(FairnessTestCase):
    BLOCK = BLOCK

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        wait_idle()
        cls.addClassCleanup(remove_dropin)
        install_dropin(['--max-running', str(MAX_RUNNING), '--max-queued', str(MAX_QUEUED),
                        '--trusted-proxy', PROXY + '/32'])

    def clients(self, n):
        return [a for a in super().clients(n + 1) if a != PROXY][:n]

    def test_global_queue_cap(self):
        a, b, c, d = self.clients(4)
        w = self.watcher(a)

        job_a, st = submit(holder(3), 'python', source=a)
        self.assertEqual(st, 'running')
        w.add(job_a, st)
        # The one slot is taken: jobs of clients with budget and nothing running wait all the same.
        job_b, st = submit('true', source=b)
        self.assertEqual(st, 'queued', 'a second job ran beside --max-running 1')
        w.add(job_b, st)
        job_c, st = submit('true', source=c)
        self.assertEqual(st, 'queued')
        w.add(job_c, st)
        self.assertEqual([status(j)['queue_position'] for j in (job_b, job_c)], [1, 2])

        # The queue is full: a newcomer, and a client with jobs running, are refused with 503.
        for what, source, r in (('POST /submit', d, submit_raw('true', source=d)),
                                ('POST /run', d, run_raw('true', source=d)),
                                ('POST /submit, running client', a, submit_raw('true', source=a))):
            with self.subTest(what):
                error = self.assertJsonError(r, 503)
                self.assertIn("the server's job queue is full", error)
                note('%s: 503 Retry-After %s: %s', what, self.assertRetryAfter(r, 1, 600), error)
                self.assertIsNotNone(r.headers.get('X-Sandrun-Budget-Remaining'))
                self.assertLess(r.elapsed, 2.0)

        # The queue drains through the one slot, in turn; then newcomers get in again.
        w.wait_finished([job_a, job_b, job_c], 20)
        self.assertLessEqual(w.started[job_b], w.started[job_c])
        self.assertGreater(w.started[job_b] - w.started[job_a], 2.0, 'B started before A\'s job ended')
        r = run_raw('echo in', source=d)
        self.assertEqual((r.status, r.json()['stdout']), (200, 'in\n'), r)

    def test_newcomer_takes_the_newest_place_of_the_one_beyond_its_share(self):
        a, hog, newcomer = self.clients(3)
        w = self.watcher(a)

        job_a, st = submit(holder(4), 'python', source=a)
        self.assertEqual(st, 'running')
        w.add(job_a, st)
        # The hog queues both places: there was room.
        answers = {}

        def run(i):
            answers[i] = run_raw('echo %d' % i, source=hog)
        first = threading.Thread(target=run, args=(1,))
        first.start()
        time.sleep(0.5)
        second = threading.Thread(target=run, args=(2,))
        second.start()
        time.sleep(0.5)

        # Full: the newcomer is within its share (2 places, 2 clients), the hog beyond it: the hog's
        # newest waiting /run is answered 503 with Retry-After at once, and the newcomer's job is queued.
        r = run_raw('echo new', source=newcomer)
        second.join(10)
        self.assertFalse(second.is_alive(), 'the hog\'s newest /run still waits')
        error = self.assertJsonError(answers[2], 503)
        self.assertIn('dropped', error)
        self.assertRetryAfter(answers[2], 1, 60)
        self.assertEqual((r.status, r.json()['stdout']), (200, 'new\n'), r)
        first.join(30)
        self.assertEqual((answers[1].status, answers[1].json()['stdout']), (200, '1\n'), answers[1])
        w.wait_finished([job_a], 20)

    def test_trusted_proxy_names_the_client(self):
        client, spoofer, claimed = self.clients(3)

        # Through the trusted proxy, the rightmost hop it vouches for is billed, not the proxy, and
        # whatever the client wrote further left does not count.
        via_proxy = {'X-Forwarded-For': '203.0.113.9, ' + client}
        t0 = time.monotonic()
        r = run_raw(busy_python(1.0), 'python', source=PROXY, headers=via_proxy)
        self.assertEqual(r.status, 200, r)
        cpu = r.json()['metrics']['cpu_seconds']
        self.assertGreater(cpu, 0.9)
        for seen in (header_budget(r), budget(client), budget(PROXY, via_proxy)):
            self.assertBilled(seen, cpu, time.monotonic() - t0)
        self.assertEqual(budget(PROXY), 10.0, 'the proxy itself was billed')
        self.assertEqual(budget(PROXY, {'X-Forwarded-For': '203.0.113.9'}), 10.0)

        # From any other peer the header is ignored, whatever it claims.
        t0 = time.monotonic()
        r = run_raw(busy_python(1.0), 'python', source=spoofer, headers={'X-Forwarded-For': claimed})
        self.assertEqual(r.status, 200, r)
        self.assertBilled(budget(spoofer), r.json()['metrics']['cpu_seconds'], time.monotonic() - t0)
        self.assertEqual(budget(claimed), 10.0, 'an untrusted peer had its CPU billed to the address it named')
        self.assertEqual(budget(PROXY, {'X-Forwarded-For': claimed}), 10.0)


if __name__ == '__main__':
    main()
