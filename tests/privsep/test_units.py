#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The two units as installed: who runs what, and how exposed each is by `systemd-analyze security`
(the front at 2.0 or lower). Every socket the front listens on comes from systemd."""

import re

from privsep_test import FRONT, RUNNER, PrivsepTestCase, container, container_out, main, service_pid, unit_property


def exposure(unit):
    out = container('systemd-analyze', 'security', '--no-pager', unit, check=False).stdout
    m = re.search(r'Overall exposure level for \S+: ([0-9.]+)', out)
    if not m:
        raise AssertionError('no exposure level in:\n' + out)
    return float(m.group(1))


class Units(PrivsepTestCase):
    def test_identities(self):
        self.assertServing()
        front, runner = service_pid(FRONT), service_pid(RUNNER)
        status = lambda pid: dict(l.split(':', 1) for l in container_out('cat', '/proc/%d/status' % pid).splitlines())
        f, r = status(front), status(runner)
        sandrun = container_out('id', '-u', 'sandrun')
        self.assertEqual(f['Uid'].split(), [sandrun] * 4)
        self.assertEqual(f['CapEff'].strip(), '0000000000000000')
        # The runner: root, with only what mapping jobs to uids of their own and signalling them takes.
        self.assertEqual(r['Uid'].split(), ['0'] * 4)
        caps = int(r['CapBnd'].strip(), 16)
        self.assertEqual(caps, (1 << 5) | (1 << 6) | (1 << 7))     # CAP_KILL, CAP_SETGID, CAP_SETUID

    def test_job_uids(self):
        # Each job runs as a uid of its own from the runner's range, neither daemon's.
        from privsep_test import BackgroundJob, running_job, JOB_UIDS, processes
        job = BackgroundJob('sleep 3')
        _, init = running_job()
        uids = {p[0] for pid, p in processes().items() if p[1] == 'sleep'}
        job.wait()
        self.assertTrue(uids, 'no sleep seen')
        self.assertTrue(all(u in JOB_UIDS for u in uids), uids)

    def test_runner_serves_only_the_front_user(self):
        # Root may open the socket (it may open anything), but the runner looks at who connected
        # (SO_PEERCRED) and serves the front's user alone: it hangs up without a WELCOME.
        code = r'''
import socket, struct
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(5)
s.connect("/run/sandrun-runner/socket")
try:
    s.send(struct.pack("<HHI", 1, 1, 16) + struct.pack("<HHIQ", 7, 0, 8, 1))
    print("answered" if s.recv(4096) else "closed")
except (BrokenPipeError, ConnectionResetError):
    print("closed")
'''
        self.assertEqual(container_out('/usr/bin/python3', '-c', code), 'closed')

    def test_front_listens_only_on_sockets_from_systemd(self):
        self.assertServing()
        front = service_pid(FRONT)
        # Its own network namespace has no listener at all; the ones it serves are systemd's.
        self.assertEqual(container_out('nsenter', '-t', str(front), '-n', 'ss', '-Hltnu'), '')
        self.assertEqual(unit_property(FRONT, 'RestrictAddressFamilies'), 'AF_UNIX')

    def test_exposure(self):
        front, runner = exposure(FRONT), exposure(RUNNER)
        print('systemd-analyze security: %s %.1f, %s %.1f' % (FRONT, front, RUNNER, runner))
        self.assertLessEqual(front, 2.0)
        self.assertLess(runner, 9.6)    # root, and honest about it; but not the 9.6 of an unhardened unit


if __name__ == '__main__':
    main()
