#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""No leftovers: whatever a job starts (a double-forked daemon, a new session, orphans, stopped or
fleeing processes) is gone when its program ends, the answer comes at once, and the container holds
nothing of the job afterwards: no scope, no process, no mount, no file in the daemon's /tmp. A job that
starts later, and is still running, holds nothing of an earlier job's."""
from escape_test import EscapeTestCase, fmt, main

# How long an answer may take after a program that ends at once.
PROMPT = 2.0

DAEMON = r'''
import os, signal, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for s in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            signal.signal(s, signal.SIG_IGN)
        os.chdir("/")
        fd = os.open("/dev/null", os.O_RDWR)
        for i in (0, 1, 2):
            os.dup2(fd, i)
        while True:
            with open("/tmp/daemon.log", "a") as f:
                f.write("still here\n")
            time.sleep(0.1)
    os._exit(0)
time.sleep(0.3)
print("parent done")
'''

ORPHANS = r'''
setsid sleep 1000 &
nohup sleep 1000 >/dev/null 2>&1 &
( trap '' HUP TERM INT; exec sleep 1000 ) &
sleep 1000 &
kill -STOP $!
( sleep 1000 & ) &
disown -a
echo started
'''

# Forks a child and exits, over and over, so that its PID never stays the same.
FLEEING = r'''
import os, time
def flee():
    while True:
        if os.fork() != 0:
            os._exit(0)
        time.sleep(0.001)
if os.fork() == 0:
    flee()
time.sleep(0.3)
print("fled")
'''

# Holds the job's stdout open from a process that ignores every catchable signal.
HOLDS_STDOUT = r'''
import os, signal, time
if os.fork() == 0:
    for s in range(1, signal.NSIG):
        try:
            signal.signal(s, signal.SIG_IGN)
        except (OSError, ValueError):
            pass
    while True:
        time.sleep(1)
print("holding")
'''


class Leftovers(EscapeTestCase):
    def run_and_vanish(self, code, lang, stdout):
        # The canary starts just after this job and runs on after it: the answer must not wait for it.
        d = self.attack(code, lang, canary_seconds=3, canary_first=False)
        self.assertEqual((d['status'], d['exit_code'], d['stdout']), ('completed', 0, stdout), fmt(d))
        self.assertLess(self.elapsed, PROMPT + d['metrics']['wall_seconds'],
                        'the answer came %.1fs after the request' % self.elapsed)

    def test_double_forked_daemon(self):
        self.run_and_vanish(DAEMON, 'python', 'parent done\n')

    def test_setsid_nohup_stopped_and_orphans(self):
        self.run_and_vanish(ORPHANS, 'bash', 'started\n')

    def test_fleeing_process(self):
        self.run_and_vanish(FLEEING, 'python', 'fled\n')

    def test_process_holding_stdout(self):
        self.run_and_vanish(HOLDS_STDOUT, 'python', 'holding\n')


if __name__ == '__main__':
    main()
