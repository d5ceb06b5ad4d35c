#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""At most two jobs run per client address: a third waits, while another address's job starts at once."""
import calendar
import time

from fairness_test import RUNNING_PER_IP, FairnessTestCase, budget, main, request, run_raw, status, submit


class RunningCap(FairnessTestCase):
    BLOCK = 0

    def test_third_job_waits_other_address_starts(self):
        a, b = self.clients(2)
        w = self.watcher(a)

        first = []
        for _ in range(RUNNING_PER_IP):
            job, st = submit('sleep 3', source=a)
            self.assertEqual(st, 'running', 'job %d of %s did not start at once' % (len(first) + 1, a))
            w.add(job, st)
            first.append(job)
        t_third = time.monotonic()
        third, st = submit('echo third', source=a)
        w.add(third, st)
        self.assertEqual(st, 'queued', 'a third job of one address started beside its two running ones')

        # Its place and an estimate, in the future, for people polling.
        d = status(third, source=a)
        self.assertEqual(d['status'], 'queued', d)
        self.assertEqual(d.get('queue_position'), 1, d)
        self.assertRegex(d.get('estimated_start') or '', r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$', d)
        eta = calendar.timegm(time.strptime(d['estimated_start'], '%Y-%m-%dT%H:%M:%SZ'))
        self.assertGreaterEqual(eta, int(time.time()) - 1, 'estimated start %s is in the past' % d['estimated_start'])
        self.assertLess(eta, time.time() + 600, d)

        # Another address is not held up by it: a batch job starts, and /run answers at once.
        other, st = submit('sleep 1', source=b)
        w.add(other, st)
        self.assertEqual(st, 'running', 'a job of another address waited behind %s' % a)
        r = run_raw('echo hi', source=b)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()['stdout'], 'hi\n')
        self.assertLess(r.elapsed, 2.5, 'POST /run from another address took %.1f s' % r.elapsed)
        self.assertEqual(status(third, source=a)['status'], 'queued')

        # The third starts when one of the first two ends, not before.
        w.wait_started([third], 15)
        waited = w.started[third] - t_third
        self.assertGreater(waited, 2.0, 'the third job started after %.1f s, before a slot was free' % waited)
        self.assertLess(waited, 6.0, 'the third job started only after %.1f s' % waited)
        w.wait_finished(first + [third, other], 15)
        self.assertEqual(w.last[third]['status'], 'completed', w.last[third])

    def test_budget_header_everywhere(self):
        (a,) = self.clients(1)
        self.assertEqual(budget(a), 10.0)
        for method, path in (('GET', '/status/' + '0' * 32), ('GET', '/no-such-thing'), ('PUT', '/run'),
                             ('GET', '/')):
            r = request(method, path, source=a)
            self.assertEqual(r.headers.get('X-Sandrun-Budget-Remaining'), '10.0', (method, path, r))


if __name__ == '__main__':
    main()
