#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""`systemctl daemon-reexec` (package upgrades run it) drops the runner's connection to PID 1 while jobs
run and start: the runner reconnects, resynchronises the scopes still starting, loses no job and leaves
nothing behind."""

import time

from privsep_test import RUNNER, BackgroundJob, PrivsepTestCase, container, main, service_pid, unit_property
from sandrun_test import journal


class Reexec(PrivsepTestCase):
    def test_reexec_under_load(self):
        self.assertNothingLeft()
        runner, restarts = service_pid(RUNNER), unit_property(RUNNER, 'NRestarts')
        since = container('date', '+%Y-%m-%d %H:%M:%S').stdout.strip()
        running = [BackgroundJob('sleep 3; echo slept %d' % i) for i in range(4)]
        time.sleep(1)
        starting = []
        container('sh', '-c', 'systemctl daemon-reexec &')
        # Jobs asked for while PID 1 re-executes: their scopes start on the new connection.
        for i in range(8):
            starting.append(BackgroundJob('echo started %d' % i, lang='sh'))
            time.sleep(0.05)
        for i, j in enumerate(running):
            d = j.wait(60)
            self.assertEqual((d['status'], d['stdout']), ('completed', 'slept %d\n' % i), d)
        for i, j in enumerate(starting):
            d = j.wait(60)
            self.assertEqual((d['status'], d['stdout']), ('completed', 'started %d\n' % i), d)
        self.assertEqual((service_pid(RUNNER), unit_property(RUNNER, 'NRestarts')), (runner, restarts))
        self.assertIn('Reconnected to systemd', journal('-u', RUNNER, '--since', since))
        self.assertNothingLeft()
        self.assertServing()


if __name__ == '__main__':
    main()
