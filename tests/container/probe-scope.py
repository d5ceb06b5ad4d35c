#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Prints the limits the kernel really applies to the cgroup this process runs in.

sandrun-container runs it inside `systemd-run --scope -p CPUQuota=50% -p TasksMax=7` to prove that
scope properties reach the cgroup files (nspawn's read-only v1 mounts silently drop them).
Output, one `key=value` a line: cpu_quota (fraction of one CPU), pids_max, and cpu_usage_source, the
counter that holds this scope's own CPU time (or `none`).
"""
import sys


def read(path):
    with open(path) as f:
        return f.read().strip()


def keyed(path, key):
    for line in read(path).splitlines():
        k, _, v = line.partition(' ')
        if k == key:
            return int(v)
    raise KeyError(key)


def main():
    v1 = {}
    unified = None
    with open('/proc/self/cgroup') as f:
        for line in f:
            _, ctrls, path = line.rstrip('\n').split(':', 2)
            if ctrls == '':
                unified = path
            for c in ctrls.split(','):
                # A hierarchy is mounted under its comma-joined controller list (cpu,cpuacct) or its own name.
                v1[c] = ('/sys/fs/cgroup/' + ctrls, path)
    scope = unified if unified is not None else v1['name=systemd'][1]

    if 'cpu' in v1:
        mnt, path = v1['cpu']
        quota = int(read(mnt + path + '/cpu.cfs_quota_us'))
        period = int(read(mnt + path + '/cpu.cfs_period_us'))
        pids = read('%s%s/pids.max' % v1['pids'])
        v2root = '/sys/fs/cgroup/unified'
    else:
        q, p = read('/sys/fs/cgroup' + scope + '/cpu.max').split()
        quota, period = (-1 if q == 'max' else int(q)), int(p)
        pids = read('/sys/fs/cgroup' + scope + '/pids.max')
        v2root = '/sys/fs/cgroup'
    print('cpu_quota=%s' % ('none' if quota < 0 else '%.2f' % (quota / period)))
    print('pids_max=%s' % pids)

    # systemd joins a cpuacct hierarchy only when it is mounted together with cpu (cpu,cpuacct); mounted
    # on its own, as on some hybrid hosts, the scope stays in cpuacct's root, whose counter is the whole
    # machine's. cgroup2's cpu.stat has usage_usec for every cgroup, controller enabled or not.
    source = 'none'
    if 'cpuacct' in v1 and v1['cpuacct'][1] == scope:
        int(read('%s%s/cpuacct.usage' % v1['cpuacct']))
        source = 'cpuacct'
    else:
        try:
            keyed(v2root + scope + '/cpu.stat', 'usage_usec')
            source = 'cgroup2 cpu.stat'
        except (OSError, KeyError) as e:
            print('no CPU counter for %s: %s' % (scope, e), file=sys.stderr)
    print('cpu_usage_source=%s' % source)
    return 0


if __name__ == '__main__':
    sys.exit(main())
