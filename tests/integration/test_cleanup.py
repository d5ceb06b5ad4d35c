#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Nothing of a finished job remains: no scope, no process."""
from sandrun_test import SandrunTestCase, job_processes, job_state, main, main_pid, run_json, user_uid, wait_until

# Marker arguments, so that the job's leftovers can be told from anything else.
MARK = 31416


class Cleanup(SandrunTestCase):
    def leftovers(self):
        """What remains: job scopes (idle warm sandboxes are no job's), processes with a marker, processes of
        user sandrun but the daemon, job processes."""
        uid, daemon = user_uid('sandrun'), main_pid()
        scopes, procs = state = job_state()
        marked = {p: v for p, v in procs.items() if str(MARK) in v[2]}
        other = {p: v for p, v in procs.items() if v[0] == uid and p != daemon}
        return sorted(n for n, s in scopes.items() if not s['idle_warm']), marked, other, job_processes(state)

    def assertNothingLeft(self):
        last = []

        def clean():
            last[:] = self.leftovers()
            return last == [[], {}, {}, {}]
        try:
            wait_until(clean, 10, what='the job to leave nothing behind')
        except AssertionError:
            self.fail('left after the job: scopes %r, marked processes %r, other sandrun processes %r, '
                      'job processes %r' % tuple(last))

    def test_background_children_are_killed(self):
        code = ('setsid sleep %d >/dev/null 2>&1 < /dev/null &\n'
                'nohup sleep %d >/dev/null 2>&1 &\n'
                '(trap "" HUP TERM; exec sleep %d) >/dev/null 2>&1 &\n'
                'echo started\n') % (MARK, MARK + 1, MARK + 2)
        d = run_json(code, 'sh', timeout=30)
        self.assertEqual((d['status'], d['stdout']), ('completed', 'started\n'), d)
        self.assertNothingLeft()

    def test_timed_out_job_leaves_nothing(self):
        d = run_json('for i in 1 2 3 4 5; do sleep %d & done; sleep %d' % (MARK, MARK), 'bash', timeout=1)
        self.assertEqual(d['reason'], 'timeout', d)
        self.assertNothingLeft()

    def test_memory_killed_job_leaves_nothing(self):
        code = ('import subprocess\nsubprocess.Popen(["sleep", "%d"])\n'
                'b = b"x" * (2 << 30)\n') % MARK
        d = run_json(code, http_timeout=180)
        self.assertEqual(d['reason'], 'memory', d)
        self.assertNothingLeft()

    def test_fork_many_then_exit(self):
        code = 'import os\nfor i in range(30):\n    if os.fork() == 0:\n        os.execvp("sleep", ["sleep", "%d"])\n' % MARK
        d = run_json(code, timeout=30)
        self.assertEqual(d['status'], 'completed', d)
        self.assertNothingLeft()


if __name__ == '__main__':
    main()
