#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Jobs that sleep hold no slot: while 20 addresses each run their two allowed jobs with sleeps and keep
more of them queued, a new address's trivial job starts, and ends, before any of the sleepers ends."""
import threading
import time

from fairness_test import RUNNING_PER_IP, Client, FairnessTestCase, block, fresh_clients, main, note, run_raw, \
    submit

SLEEPERS = 20           # addresses holding sleepers (the bound: up to 32)
QUEUED_EACH = 1         # sleepers each of them keeps queued besides its running ones
SLEEP = 30              # seconds each sleeper sleeps


class Sleepers(FairnessTestCase):
    BLOCK = 9

    def test_newcomer_starts_beside_sleepers(self):
        sleepers = self.clients(SLEEPERS)
        (newcomer,) = fresh_clients(block(10), 1)

        t0 = time.monotonic()
        running, queued = [], []
        lock = threading.Lock()

        def fill(source):
            mine = [submit('sleep %d' % SLEEP, source=source, timeout=SLEEP + 30)[0]
                    for _ in range(RUNNING_PER_IP + QUEUED_EACH)]
            with lock:
                running.extend((source, j) for j in mine[:RUNNING_PER_IP])
                queued.extend((source, j) for j in mine[RUNNING_PER_IP:])

        threads = [threading.Thread(target=fill, args=(a,)) for a in sleepers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(len(running), SLEEPERS * RUNNING_PER_IP, 'not every sleeper was accepted')

        # They start a few at a time: a new job holds a slot until its first half second shows it sleeps.
        pollers = {a: Client(a) for a in sleepers}
        self.addCleanup(lambda: [c.close() for c in pollers.values()])
        waiting = list(running)
        deadline = t0 + SLEEP * 2 / 3
        while waiting:
            self.assertLess(time.monotonic(), deadline, '%d of %d sleepers still queued after %.1f s'
                            % (len(waiting), len(running), time.monotonic() - t0))
            waiting = [(a, j) for a, j in waiting if pollers[a].status(j)['status'] == 'queued']
            time.sleep(0.2)
        all_running = time.monotonic()
        note('%d sleepers of %d addresses running after %.1f s', len(running), SLEEPERS, all_running - t0)

        # Every address is at its running cap with its queue waiting: the newcomer goes first all the same.
        for a, j in queued:
            self.assertEqual(pollers[a].status(j)['status'], 'queued', 'a third job of %s started' % a)
        r = run_raw('echo hi', source=newcomer)
        answered = time.monotonic()
        self.assertEqual((r.status, r.json().get('stdout')), (200, 'hi\n'), r)
        note('the newcomer\'s echo answered in %.3f s beside %d sleepers', r.elapsed, len(running))
        self.assertLess(r.elapsed, 10.0, 'the newcomer waited %.1f s' % r.elapsed)
        # ... and before any sleeper ended: they are all still running.
        note('answered %.1f s after the last sleeper started; the first ends %d s after it started',
             answered - all_running, SLEEP)
        for a, j in running:
            st = pollers[a].status(j)
            self.assertEqual(st['status'], 'running', 'sleeper %s of %s: %r' % (j[:8], a, st))


if __name__ == '__main__':
    main()
