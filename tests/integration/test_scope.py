#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Each job runs in its own transient scope sandrun-job-<id>.scope in sandrun.slice, with limits applied."""
import threading

from sandrun_test import SCOPE_RE, SandrunTestCase, container_out, job_scopes, main, run_json, unit_property, \
    wait_until

# Run inside the container: what the kernel holds for a cgroup path, on cgroup v1 or v2.
CGROUP_PROBE = r'''
import os, sys
cg = sys.argv[1]
if os.path.isdir("/sys/fs/cgroup/memory"):
    mem, pids = "/sys/fs/cgroup/memory" + cg, "/sys/fs/cgroup/pids" + cg
    limit = open(mem + "/memory.limit_in_bytes").read().strip()
else:
    mem = pids = "/sys/fs/cgroup" + cg
    limit = open(mem + "/memory.max").read().strip()
procs = [p for p in open(pids + "/cgroup.procs").read().split()]
comms = sorted(open("/proc/%s/comm" % p).read().strip() for p in procs if os.path.exists("/proc/" + p))
print(limit)
print(" ".join(comms))
'''


class Scope(SandrunTestCase):
    def test_job_scope_while_running(self):
        # Idle warm sandboxes (a pool) are no job's; the last test's jobs may take a moment to go.
        wait_until(lambda: not job_scopes(), 10, what='no job scope before the test')
        result = {}
        t = threading.Thread(target=lambda: result.update(run_json('sleep 5; echo done', 'sh', http_timeout=60)))
        t.start()
        try:
            scopes = wait_until(job_scopes, 15, what='a sandrun-job scope to appear')
            self.assertEqual(len(scopes), 1, scopes)
            scope = scopes[0]
            self.assertRegex(scope, SCOPE_RE)
            self.assertEqual(unit_property(scope, 'Slice'), 'sandrun.slice')
            self.assertEqual(unit_property(scope, 'ActiveState'), 'active')
            cg = unit_property(scope, 'ControlGroup')
            self.assertEqual(cg, '/sandrun.slice/' + scope)

            limit, comms = (container_out('/usr/bin/python3', '-c', CGROUP_PROBE, cg).split('\n') + [''])[:2]
            # MemoryMax reached the kernel: a number, and the same the unit says.
            self.assertTrue(limit.isdigit(), 'memory limit of the scope: %r' % limit)
            self.assertEqual(limit, unit_property(scope, 'MemoryMax'))
            self.assertLess(int(limit), 64 << 30)
            # The job's own processes are in it.
            self.assertIn('sleep', comms.split(), 'processes in %s: %r' % (cg, comms))
            self.assertNotEqual(unit_property(scope, 'TasksMax'), 'infinity')
        finally:
            t.join(90)
        self.assertEqual(result.get('stdout'), 'done\n', result)
        self.assertEqual(scope, 'sandrun-job-%s.scope' % result['job_id'])

    def test_slice_is_loaded(self):
        self.assertEqual(unit_property('sandrun.slice', 'LoadState'), 'loaded')


if __name__ == '__main__':
    main()
