#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Prints the limits the kernel really applies to the cgroup this process runs in.

sandrun-container runs it inside `systemd-run --scope -p CPUQuota=50% -p TasksMax=7` to prove that
scope properties reach the cgroup files (nspawn's read-only v1 mounts silently drop them).
Output: one `key=value` per line: cpu_quota (fraction of one CPU), pids_max, cpu_usage_readable.
"""
import os
import sys


def read(path):
    with open(path) as f:
        return f.read().strip()


def main():
    v1 = {}
    v2 = None
    with open('/proc/self/cgroup') as f:
        for line in f:
            _, ctrls, path = line.rstrip('\n').split(':', 2)
            if ctrls == '':
                v2 = path
            for c in ctrls.split(','):
                # A hierarchy is mounted under the comma-joined controller list (cpu,cpuacct) or its own name.
                v1[c] = '/sys/fs/cgroup/' + ctrls + path
    if 'cpu' in v1 and os.path.exists(v1['cpu'] + '/cpu.cfs_quota_us'):
        quota = int(read(v1['cpu'] + '/cpu.cfs_quota_us'))
        period = int(read(v1['cpu'] + '/cpu.cfs_period_us'))
        pids = read(v1['pids'] + '/pids.max')
        usage = v1['cpuacct'] + '/cpuacct.usage'
    elif v2 is not None:
        d = '/sys/fs/cgroup' + v2
        q, p = read(d + '/cpu.max').split()
        quota, period = (-1 if q == 'max' else int(q)), int(p)
        pids = read(d + '/pids.max')
        usage = d + '/cpu.stat'
    else:
        print('no cgroup hierarchy found for cpu', file=sys.stderr)
        return 1
    print('cpu_quota=%s' % ('none' if quota < 0 else '%.2f' % (quota / period)))
    print('pids_max=%s' % pids)
    print('cpu_usage_readable=%s' % ('yes' if os.access(usage, os.R_OK) and read(usage) else 'no'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
