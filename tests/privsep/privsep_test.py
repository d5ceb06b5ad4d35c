# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared by the privilege-separation tests: the two daemons, their users, and what must be left of a job
(nothing) once it is over."""

import threading
import time

from sandrun_test import (JOB_UIDS, container, container_out, job_processes, job_scopes, job_state,  # noqa: F401
                          no_job_left, processes, run_json, unit_property, wait_until, SandrunTestCase, main)

FRONT = 'sandrun.service'
RUNNER = 'sandrun-runner.service'
RUNNER_SOCKET = '/run/sandrun-runner/socket'


def service_pid(unit):
    return int(unit_property(unit, 'MainPID'))


class BackgroundJob(threading.Thread):
    """A job running in the background through the shared front; .result once it is over."""

    def __init__(self, code, lang='sh', **kw):
        super().__init__(daemon=True)
        self.code, self.lang, self.kw, self.result, self.error = code, lang, kw, None, None
        self.start()

    def run(self):
        try:
            self.result = run_json(self.code, lang=self.lang, **self.kw)
        except Exception as e:  # noqa: BLE001 - reported by the test that waits
            self.error = e

    def wait(self, timeout=60):
        self.join(timeout)
        if self.is_alive():
            raise AssertionError('the job did not finish within %d s' % timeout)
        if self.error:
            raise self.error
        return self.result


def running_job(timeout=20):
    """(scope hex id, init pid) of the one job running now (idle warm sandboxes are no job)."""
    def find():
        state = job_state()
        scopes = [name for name, s in state[0].items() if s['active'] == 'active' and not s['idle_warm']]
        inits = [pid for pid, p in job_processes(state).items() if p[1] == 'sandrun-init']
        return (scopes, inits) if len(scopes) == 1 and len(inits) == 1 else None
    scopes, inits = wait_until(find, timeout, what='one running job')
    return scopes[0][len('sandrun-job-'):-len('.scope')], inits[0]


class PrivsepTestCase(SandrunTestCase):
    def assertNothingLeft(self, timeout=15, warm_too=False):
        """No job scope, no job process: whatever ran is gone. Idle warm sandboxes are no job's, but
        warm_too (no runner running) wants none of them either."""
        def gone():
            return no_job_left() and not (warm_too and job_scopes(idle_warm=True))
        try:
            wait_until(gone, timeout, what='no job scope and no job process left')
        except AssertionError as e:
            scopes, procs = state = job_state()
            raise AssertionError('%s: scopes %s, job processes %s' % (e, scopes, job_processes(state)))

    def assertServesWithin(self, seconds):
        t0 = time.monotonic()
        while True:
            try:
                d = run_json('echo back', lang='sh', http_timeout=10)
                if d.get('status') == 'completed':
                    return time.monotonic() - t0
            except Exception:  # noqa: BLE001 - not yet
                pass
            if time.monotonic() - t0 > seconds:
                raise AssertionError('sandrun did not serve again within %d s' % seconds)
            time.sleep(0.2)
