#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A job sees only its own processes."""
from sandrun_test import SandrunTestCase, main, main_pid, processes, run_json, run_python_json

PROBE = r'''
import json, os
procs = {}
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            procs[p] = open("/proc/%s/comm" % p).read().strip()
        except OSError:
            pass
print(json.dumps({"self": os.getpid(), "procs": procs}))
'''

# Processes that run in the container and that no job may see. Not sandrund: the job's own PID 1 is a
# fork of it that keeps its name.
SYSTEM = {'systemd', 'systemd-journal', 'systemd-logind', 'dbus-daemon', 'polkitd'}


class Processes(SandrunTestCase):
    def test_only_own_processes_visible(self):
        # The control: these run in the container while the job runs.
        seen = {comm for _, comm, _ in processes().values()}
        self.assertTrue(SYSTEM - {'polkitd'} <= seen, seen)
        r = run_python_json(PROBE)
        comms = set(r['procs'].values())
        self.assertFalse(comms & SYSTEM, 'the job sees %r' % r['procs'])
        self.assertIn(str(r['self']), r['procs'])
        self.assertLessEqual(len(r['procs']), 3, r['procs'])
        self.assertLess(r['self'], 10, 'the job is not in a PID namespace of its own')

    def test_ps_in_the_job(self):
        d = run_json('ps -e -o comm=', 'sh')
        self.assertEqual(d['exit_code'], 0, d)
        comms = set(d['stdout'].split())
        self.assertIn('ps', comms)
        self.assertFalse(comms & SYSTEM, comms)

    def test_daemon_pid_not_signalable(self):
        # The daemon's PID in the container means nothing, or something else, inside the job.
        pid = main_pid()
        d = run_json('kill -0 %d 2>/dev/null && echo reachable || echo unreachable' % pid, 'sh')
        if pid >= 10:
            self.assertEqual(d['stdout'], 'unreachable\n', d)
        self.assertEqual(main_pid(), pid)


if __name__ == '__main__':
    main()
