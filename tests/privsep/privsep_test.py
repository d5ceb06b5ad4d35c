# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared by the privilege-separation tests: the two daemons, their users, and what must be left of a job
(nothing) once it is over."""

import threading
import time

from sandrun_test import (container, container_out, job_scopes, processes, run_json, unit_property,  # noqa: F401
                          wait_until, SandrunTestCase, main)

FRONT = 'sandrun.service'
RUNNER = 'sandrun-runner.service'
RUNNER_SOCKET = '/run/sandrun-runner/socket'


def service_pid(unit):
    return int(unit_property(unit, 'MainPID'))


# sandrun-runnerd's default --job-uid-range: every job runs as one uid of it.
JOB_UIDS = range(0x70000000, 0x70010000)


def job_processes():
    """Processes of jobs: their inits and whatever runs as a job uid."""
    return {pid: p for pid, p in processes().items() if p[1] == 'sandrun-init' or p[0] in JOB_UIDS}


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
    """(scope hex id, init pid) of the one job running now."""
    def find():
        scopes = [s for s in job_scopes() if container_out('systemctl', 'is-active', s, check=False) == 'active']
        inits = [pid for pid, p in processes().items() if p[1] == 'sandrun-init']
        return (scopes, inits) if len(scopes) == 1 and len(inits) == 1 else None
    scopes, inits = wait_until(find, timeout, what='one running job')
    return scopes[0][len('sandrun-job-'):-len('.scope')], inits[0]


class PrivsepTestCase(SandrunTestCase):
    def assertNothingLeft(self, timeout=15):
        """No job scope, no job process: whatever ran is gone."""
        wait_until(lambda: not job_scopes() and not job_processes(), timeout,
                   what='no job scope and no job process left (scopes %s)' % job_scopes())

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
