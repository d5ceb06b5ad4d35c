#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""kill -9 the front, the runner, and both, in the middle of a job: the job dies with either, no scope or
process of it is left, a runner that is gone makes the front answer 503 with Retry-After, and the service
serves again within seconds."""

import time
import uuid

from privsep_test import (FRONT, RUNNER, BackgroundJob, PrivsepTestCase, container, main, run_json,
                          running_job, service_pid)
from sandrun_test import job_state, request, wait_until

# Run in the container: starts the scope argv[1] in sandrun.slice around a process that has already exited
# (a zombie, reaped only once the scope is up), as systemd sees it when a runner dies while a scope is being
# started for one of its inits (they die with it).
ZOMBIE_SCOPE = r'''
import os, subprocess, sys, time
pid = os.fork()
if pid == 0:
    os._exit(0)
while open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0] != "Z":
    time.sleep(0.01)
subprocess.run(["busctl", "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                "org.freedesktop.systemd1.Manager", "StartTransientUnit", "ssa(sv)a(sa(sv))", sys.argv[1], "fail",
                "2", "PIDs", "au", "1", str(pid), "Slice", "s", "sandrun.slice", "0"], check=True, stdout=subprocess.DEVNULL)
for _ in range(100):
    state = subprocess.run(["systemctl", "show", "-p", "ActiveState", "--value", sys.argv[1]],
                           capture_output=True, text=True).stdout.strip()
    if state != "activating" and state != "inactive":
        break
    time.sleep(0.05)
os.waitpid(pid, 0)
print(state)
'''


class Kill(PrivsepTestCase):
    def setUp(self):
        self.assertServesWithin(10)
        self.assertNothingLeft()

    def kill(self, *units):
        pids = [service_pid(u) for u in units]
        self.assertTrue(all(p > 0 for p in pids), 'not running: %r' % (units,))
        container('kill', '-9', *map(str, pids))

    def test_kill_front(self):
        job = BackgroundJob('sleep 30')
        running_job()
        self.kill(FRONT)
        with self.assertRaises(Exception):
            job.wait(40)        # its client's connection went with the front
        self.assertNothingLeft()
        self.assertLess(self.assertServesWithin(10), 10)

    def test_kill_runner(self):
        runner = service_pid(RUNNER)
        job = BackgroundJob('sleep 30')
        running_job()
        # Killed, and held down (no socket to start it again), to see how the front answers meanwhile.
        container('sh', '-c', 'kill -9 %d && systemctl stop sandrun-runner.socket sandrun-runner.service' % runner)
        try:
            d = job.wait(20)
            self.assertEqual((d['status'], d['reason'], d['signal']), ('failed', 'signal', 9), d)
            # No runner: its warm sandboxes went with it too.
            self.assertNothingLeft(warm_too=True)
            r = request('POST', '/run?lang=sh', body='echo hi')
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.headers.get('Retry-After'), '2', r)
            self.assertIn('runner', r.json()['error'])
        finally:
            container('systemctl', 'start', 'sandrun-runner.socket')
        self.assertLess(self.assertServesWithin(10), 10)
        self.assertNotEqual(service_pid(RUNNER), runner)

    def test_kill_both(self):
        job = BackgroundJob('sleep 30')
        running_job()
        self.kill(FRONT, RUNNER)
        with self.assertRaises(Exception):
            job.wait(40)
        self.assertNothingLeft()
        self.assertLess(self.assertServesWithin(10), 10)

    def test_kill_runner_while_jobs_start(self):
        # Jobs being set up (scope starting, sandbox building) when the runner dies leave nothing either.
        jobs = [BackgroundJob('echo %d' % i) for i in range(4)]
        time.sleep(0.05)
        self.kill(RUNNER)
        for j in jobs:
            try:
                j.wait(30)
            except Exception:  # noqa: BLE001 - failing is fine, lingering is not
                pass
        self.assertNothingLeft()
        self.assertLess(self.assertServesWithin(10), 10)
        d = run_json('echo ok', lang='sh')
        self.assertEqual(d['stdout'], 'ok\n', d)

    def test_scope_left_around_a_dead_init_is_stopped_by_the_next_runner(self):
        """systemd 252 starts a scope around a PID that has already exited and keeps it active with no task
        in it for good: its cgroup never empties, so systemd never sees it empty. A runner killed while
        systemd was starting scopes for its inits leaves such scopes; the next runner stops every job scope
        in its slice at start."""
        scope = 'sandrun-job-%s.scope' % uuid.uuid4().hex
        state = container('/usr/bin/python3', '-c', ZOMBIE_SCOPE, scope).stdout.strip()
        if state != 'active':
            container('systemctl', 'stop', scope, check=False)
            self.skipTest('this systemd does not keep a scope around an exited process (%s)' % state)
        try:
            time.sleep(1)
            scopes = job_state()[0]
            self.assertEqual((scopes[scope]['active'], scopes[scope]['pids']), ('active', []), scopes)
            container('systemctl', 'restart', RUNNER)
            wait_until(lambda: scope not in job_state()[0], 15, what='the next runner to stop %s' % scope)
        finally:
            container('systemctl', 'stop', scope, check=False)
        self.assertNothingLeft()
        self.assertLess(self.assertServesWithin(10), 10)


if __name__ == '__main__':
    main()
