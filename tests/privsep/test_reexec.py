#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""`systemctl daemon-reexec` (package upgrades run it) drops the runner's connection to PID 1 while jobs
run and start: the runner reconnects, resynchronises the scopes still starting, loses no job and leaves
nothing behind."""

import threading
import time

from privsep_test import (RUNNER, BackgroundJob, PrivsepTestCase, container, main, run_json, service_pid,
                          unit_property)
from sandrun_test import journal


class Reexec(PrivsepTestCase):
    def test_reexec_under_load(self):
        self.assertNothingLeft()
        runner, restarts = service_pid(RUNNER), unit_property(RUNNER, 'NRestarts')
        since = container('date', '+%Y-%m-%d %H:%M:%S').stdout.strip()
        running = [BackgroundJob('sleep 3; echo slept %d' % i) for i in range(4)]
        time.sleep(1)
        # Jobs keep being asked for, back to back from four clients, from before PID 1 re-executes until
        # well after: some of their scopes are being started when the connection drops, some are asked
        # for while there is none. PID 1 re-executes three times, so that more starts are caught in flight
        # (test-scope-launcher goes through each such window deterministically, against a fake PID 1).
        stop = time.monotonic() + 5
        results, lock = [], threading.Lock()

        def client(n):
            i = 0
            while time.monotonic() < stop:
                d = run_json('echo %d-%d' % (n, i), lang='sh', source='127.0.0.%d' % (60 + n), http_timeout=60)
                with lock:
                    results.append((d, '%d-%d\n' % (n, i)))
                i += 1
        clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for t in clients:
            t.start()
        for _ in range(3):
            time.sleep(0.5)
            container('systemctl', 'daemon-reexec')
            time.sleep(0.5)
        for t in clients:
            t.join(90)
        for i, j in enumerate(running):
            d = j.wait(60)
            self.assertEqual((d['status'], d['stdout']), ('completed', 'slept %d\n' % i), d)
        self.assertGreater(len(results), 20)
        for d, want in results:
            self.assertEqual((d['status'], d['stdout']), ('completed', want), d)
        self.assertEqual((service_pid(RUNNER), unit_property(RUNNER, 'NRestarts')), (runner, restarts))
        self.assertIn('Reconnected to systemd', journal('-u', RUNNER, '--since', since))
        self.assertNothingLeft()
        self.assertServing()


if __name__ == '__main__':
    main()
