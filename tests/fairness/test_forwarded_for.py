#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""With no trusted proxy (the default), X-Forwarded-For and its kin decide nothing: a client cannot
bill its CPU to another address, nor escape its own budget or running cap by naming others."""
import time

from fairness_test import RUNNING_PER_IP, FairnessTestCase, budget, busy_python, header_budget, main, run_raw, \
    status, submit

SPOOFING_HEADERS = ('X-Forwarded-For', 'X-Real-IP', 'Forwarded', 'True-Client-IP', 'CF-Connecting-IP')


def spoof(address):
    return {h: ('for=' + address if h == 'Forwarded' else address) for h in SPOOFING_HEADERS}


class ForwardedFor(FairnessTestCase):
    BLOCK = 6

    def test_cpu_billed_to_the_peer(self):
        peer, victim = self.clients(2)
        t0 = time.monotonic()
        r = run_raw(busy_python(1.0), 'python', source=peer, headers=spoof(victim))
        self.assertEqual(r.status, 200, r)
        cpu = r.json()['metrics']['cpu_seconds']
        self.assertGreater(cpu, 0.9)
        self.assertEqual(budget(victim), 10.0, 'the address named in the headers was billed')
        for seen in (header_budget(r), budget(peer), budget(peer, spoof(victim))):
            self.assertBilled(seen, cpu, time.monotonic() - t0)
        # Nor does asking with the header show someone else's budget.
        self.assertEqual(budget(victim, spoof(peer)), 10.0)

    def test_running_cap_not_escaped(self):
        peer, *others = self.clients(4)
        w = self.watcher(peer)
        jobs = []
        for i in range(RUNNING_PER_IP + 1):
            job, st = submit('sleep 2', source=peer, headers=spoof(others[i]))
            w.add(job, st)
            jobs.append((job, st))
        self.assertEqual([st for _, st in jobs], ['running'] * RUNNING_PER_IP + ['queued'],
                         'naming other addresses got a client more running jobs')
        self.assertEqual(status(jobs[-1][0])['queue_position'], 1)
        w.wait_finished([j for j, _ in jobs], 15)


if __name__ == '__main__':
    main()
