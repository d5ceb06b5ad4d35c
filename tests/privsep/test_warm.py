#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Warm sandboxes are offered to one front at a time: a second front beside sandrund is offered the ones
that become ready while it holds fewer offers, cannot take one offered to sandrund, and may name a job
after its own offer even once the runner has given that sandbox up (its init died): the job then runs
cold, under that id, in a scope of that name, once systemd has let go of the old one."""

import json
import os
import subprocess

from privsep_test import RUNNER, RUNNER_SOCKET, PrivsepTestCase, container, main, processes, run_json, \
    service_pid, unit_property, wait_until
from sandrun_test import CONTAINER, journal
from test_pool import set_pool

FRONT_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'warm-front.py')
NOTE = '/tmp/sandrun-test-warm-id'     # the front's uid may write there


def warm_ready():
    words = unit_property(RUNNER, 'StatusText').split('; ')
    return next((int(w.split()[0]) for w in words if w.endswith('warm sandboxes ready')), 0)


def init_of(scope_id):
    """The pid of the one process in sandrun-job-<scope_id>.scope: its warm init."""
    def find():
        for pid, p in processes().items():
            if p[1] == 'sandrun-init' and ('sandrun-job-%s.scope' % scope_id) in \
                    container('cat', '/proc/%d/cgroup' % pid, check=False).stdout:
                return pid
        return None
    return wait_until(find, 10, what='the warm init of %s' % scope_id)


# A pool of a fixed size: it never shrinks, so every active job scope is a warm sandbox, ready (and offered
# to one front) or still starting, or a job's.
POOL = 4


class Warm(PrivsepTestCase):
    @classmethod
    def setUpClass(cls):
        set_pool(POOL)

    @classmethod
    def tearDownClass(cls):
        set_pool(None)

    def test_offers_and_a_warm_sandbox_given_up(self):
        wait_until(lambda: warm_ready() >= POOL, 30, what='a full pool')
        container('rm', '-f', NOTE)
        front = subprocess.Popen([CONTAINER, 'exec', 'setpriv', '--reuid=sandrun', '--regid=sandrun',
                                  '--clear-groups', '/usr/bin/python3', FRONT_SCRIPT, RUNNER_SOCKET, NOTE,
                                  str(service_pid(RUNNER))],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        note = lambda: container('cat', NOTE, check=False).stdout.strip() or None  # noqa: E731
        try:
            wait_until(lambda: note() == 'connected', 20, what='the second front to connect')
            # sandrund holds the offers made so far; as it takes them, the new ones go to the other front.
            for i in range(2):
                self.assertEqual(run_json('echo %d' % i, lang='sh')['stdout'], '%d\n' % i)
            wid = wait_until(lambda: note() if note() != 'connected' else None, 30,
                             what='the second front to be offered a warm sandbox')
            container('kill', '-KILL', str(init_of(wid)))
            out, err = front.communicate(timeout=60)
        finally:
            front.kill()
            container('rm', '-f', NOTE)
        self.assertEqual(front.returncode, 0, err)
        got = json.loads(out.strip().splitlines()[-1])
        print(json.dumps(got))
        # A warm sandbox offered to another front (or still starting) is not this one's to take.
        self.assertGreater(got['others'], 0, got)
        self.assertEqual(got['steal'][0], [68], got)                     # REFUSED
        self.assertEqual(got['steal'][3], 'EBUSY', got)
        # A refused START leaves the offer with the front (the script waited for it to be offered again).
        self.assertEqual(got['refused_own'][3], 'EPERM', got)
        # Its own offer, given up before it came for it: the job runs cold under that id.
        self.assertEqual(got['id'], wid)
        self.assertEqual(got['messages'], [65, 66], got)                # RUNNING, FINISHED
        self.assertEqual(got['exit'], 0, got)
        self.assertEqual(got['stdout'], 'ok\n0::/\n', got)             # in its own scope's cgroup namespace
        # Two scopes of that name, one after the other: the warm one, and the job's.
        started = [line for line in journal('-q', '-o', 'cat', '-u', 'sandrun-job-%s.scope' % wid).splitlines()
                   if line.startswith('Started ')]
        self.assertEqual(len(started), 2, started)
        self.assertServing()


if __name__ == '__main__':
    main()
