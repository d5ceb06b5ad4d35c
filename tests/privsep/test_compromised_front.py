#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""An attacker who owns sandrund: code with exactly the front unit's user, credentials and sandbox (a
transient unit whose properties are read from the installed sandrun.service, so that weakening that
unit fails this test) tries to reach the bus, start a root service, signal or trace the runner and a
job's init, read the job's files, and feeds the runner malformed, oversized, truncated and out-of-order
messages and requests for other units, slices, jobs and higher limits. Every attempt fails, the runner
keeps serving, and nothing is left behind."""

import json
import os

from privsep_test import (FRONT, RUNNER, RUNNER_SOCKET, BackgroundJob, PrivsepTestCase, container,
                          container_out, main, running_job, service_pid, unit_property, wait_until)

PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'compromised-front-probe.py')
UNIT = 'sandrun-privsep-front.service'
# The front unit's identity and sandbox, copied property by property.
PROPERTIES = [
    'User', 'Group', 'SupplementaryGroups', 'NoNewPrivileges', 'CapabilityBoundingSet', 'AmbientCapabilities',
    'PrivateUsers', 'ProtectSystem', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'DevicePolicy',
    'PrivateNetwork', 'RestrictAddressFamilies', 'InaccessiblePaths', 'ProtectKernelTunables',
    'ProtectKernelModules', 'ProtectKernelLogs', 'ProtectControlGroups', 'ProtectClock', 'ProtectHostname',
    'ProtectProc', 'ProcSubset', 'RestrictNamespaces', 'RestrictRealtime', 'RestrictSUIDSGID', 'RemoveIPC',
    'LockPersonality', 'MemoryDenyWriteExecute', 'SystemCallArchitectures', 'SystemCallFilter',
    'SystemCallErrorNumber', 'UMask', 'KeyringMode', 'ReadWritePaths', 'ReadOnlyPaths', 'BindPaths',
]


def show(unit):
    out = container_out('systemctl', 'show', unit, *('-p' + p for p in PROPERTIES))
    return dict(line.split('=', 1) for line in out.splitlines())


class CompromisedFront(PrivsepTestCase):
    def test_compromised_front(self):
        front = show(FRONT)
        self.assertEqual(front['User'], 'sandrun')
        runner_pid, restarts = service_pid(RUNNER), unit_property(RUNNER, 'NRestarts')
        victim = BackgroundJob('sleep 6; echo survived')
        job_id, init_pid = running_job()

        args = []
        for p in PROPERTIES:
            if front.get(p, '') != '' or p in ('CapabilityBoundingSet', 'AmbientCapabilities'):
                args += ['-p', '%s=%s' % (p, front[p])]
        container('sh', '-c', 'systemctl stop %s; systemctl reset-failed %s' % (UNIT, UNIT), check=False)
        # It stays loaded once done (RemainAfterExit=), so its settings can be compared with the front's.
        container('systemd-run', '--quiet', '--unit', UNIT, '-p', 'RemainAfterExit=yes', *args,
                  '/usr/bin/python3', PROBE, RUNNER_SOCKET, str(runner_pid), str(init_pid), job_id)
        try:
            wait_until(lambda: unit_property(UNIT, 'SubState') in ('exited', 'failed'), 120, what='the probe')
            self.assertEqual(unit_property(UNIT, 'Result'), 'success')
            probe = show(UNIT)
            differ = {k: (front.get(k), probe.get(k)) for k in set(front) | set(probe) if front.get(k) != probe.get(k)}
            self.assertEqual(differ, {}, 'the probe unit does not have the front unit\'s settings (front, probe)')
            lines = [line for line in container_out('journalctl', '-u', UNIT, '-o', 'cat', '--no-pager').splitlines()
                     if line.startswith('{')]
        finally:
            container('sh', '-c', 'systemctl stop %s; systemctl reset-failed %s' % (UNIT, UNIT), check=False)
        got = json.loads(lines[-1])
        print(json.dumps(got, indent=1))

        for what in ('system_bus', 'var_run_bus', 'private_bus', 'abstract_bus'):
            self.assertIn(got[what], ('ENOENT', 'EACCES', 'ECONNREFUSED', 'EPERM'), what)
        self.assertNotEqual(got['systemd_run_root'], 'exit 0')
        self.assertNotEqual(got['busctl'], 'exit 0')
        for what in ('kill_runner', 'kill_init', 'ptrace_runner', 'ptrace_init'):
            self.assertIn(got[what], ('EPERM', 'ESRCH'), what)
        self.assertIn(got['read_job_files'], ('EACCES', 'ENOENT', 'EPERM'))
        self.assertIn(got['read_runner_environ'], ('EACCES', 'ENOENT', 'EPERM'))

        proto = got['protocol']
        self.assertIsInstance(proto, dict, proto)
        expected = {
            'start_before_hello': 'EPROTO', 'hello_twice': 'EPROTO', 'garbage': 'EBADMSG', 'random': 'EBADMSG',
            'other_version': 'EPROTONOSUPPORT', 'truncated': 'EBADMSG', 'length_lie': 'EBADMSG',
            'unknown_type': 'EBADMSG', 'reply_type': 'EPROTO', 'kill_before_start': 'ESRCH',
            'unit_name_id': 'EBADMSG', 'path_id': 'EBADMSG', 'slice_field': 'EBADMSG',
            'relative_program': 'EBADMSG', 'higher_memory': 'EPERM', 'higher_tasks': 'EPERM',
            'higher_cpu': 'EPERM', 'higher_timeout': 'EPERM', 'fd_missing': 'ETOOMANYREFS',
            'fd_unannounced': 'ETOOMANYREFS', 'fd_too_many': 'ETOOMANYREFS', 'fd_directory': 'EBADF',
            'fd_device': 'EBADF', 'fd_unsealed_memfd': 'EBADF', 'fd_writable_memfd': 'EBADF',
            'fd_regular_file': 'EBADF', 'fd_socket_as_output': 'EBADF', 'kill_other': 'ESRCH', 'quota_other': 'ESRCH',
            'cpu_other': 'ESRCH', 'duplicate_of_other': 'EEXIST', 'own_quota_higher': 'EPERM',
        }
        for k, v in expected.items():
            self.assertEqual(proto.get(k), v, k)
        self.assertIn(proto['oversized'], ('E2BIG', 'not sent: EMSGSIZE'))
        # The one thing a front may do: a job, in the full sandbox, as an unprivileged uid, in its scope.
        self.assertEqual(proto['own_job_messages'], [65, 66], proto)
        self.assertEqual(proto['own_job_exit'], 0, proto)
        uid, cgroup = proto['own_job_stdout'].split('\n')[:2]
        self.assertEqual(uid, '1000')
        self.assertRegex(cgroup, r'^0::/$')     # its own cgroup namespace, rooted at its scope
        # Warm sandboxes (on by default): announced to this front too; one that cannot take a job refuses
        # it, and one that can runs the job in the scope it was started in, which carries the job's id.
        if proto['warm_announced']:
            self.assertEqual(proto['warm_compile'], 'EBUSY', proto)
        self.assertIn('Started sandrun-job-%s.scope' % proto['own_job_id'],
                      container_out('journalctl', '-q', '-o', 'cat', '-u', 'sandrun-job-%s.scope' % proto['own_job_id']))

        # Nothing was started, the runner still runs (same process), the victim was untouched.
        self.assertEqual(container('systemctl', 'cat', 'sandrun-privsep-evil.service', check=False).returncode != 0,
                         True)
        self.assertNotEqual(container('test', '-e', '/run/sandrun-privsep-evil', check=False).returncode, 0)
        self.assertEqual((service_pid(RUNNER), unit_property(RUNNER, 'NRestarts')), (runner_pid, restarts))
        d = victim.wait()
        self.assertEqual((d['status'], d['stdout']), ('completed', 'survived\n'), d)
        self.assertServing()
        self.assertNothingLeft()


if __name__ == '__main__':
    main()
