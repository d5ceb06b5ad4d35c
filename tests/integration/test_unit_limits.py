#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The daemons and the job slice have memory, swap and tasks limits, the kernel applies them, and each
daemon reads its own at start and says, with the numbers, whether its configuration fits them."""
import re

from sandrun_test import ExtraDaemon, SandrunTestCase, container_out, journal, main, unit_property, wait_until

UNITS = {
    'sandrun.service': {'MemoryMax': str(4608 << 20), 'MemorySwapMax': '0', 'TasksMax': '256'},
    'sandrun-runner.service': {'MemoryMax': str(3 << 30), 'MemorySwapMax': '0', 'TasksMax': '512'},
    'sandrun.slice': {'MemorySwapMax': '0', 'TasksMax': '4096'},
}


def cgroup_file(pid, controller, v1_file, v2_file):
    """The value of a limit file of PID's own cgroup, v1 or v2 as the host has it."""
    paths = dict(line.split(':', 2)[1:] for line in container_out('cat', '/proc/%d/cgroup' % pid).splitlines())
    if controller in paths:
        return container_out('cat', '/sys/fs/cgroup/%s%s/%s' % (controller, paths[controller], v1_file))
    return container_out('cat', '/sys/fs/cgroup%s/%s' % (paths[''], v2_file))


def start_log(unit):
    """The unit's journal since its main process started."""
    since = unit_property(unit, 'ExecMainStartTimestamp').split(' ', 1)[1].rsplit(' ', 1)[0]
    return journal('-u', unit, '--since', since, '--no-pager')


class UnitLimits(SandrunTestCase):
    def test_units_set_limits(self):
        for unit, props in UNITS.items():
            for prop, value in props.items():
                self.assertEqual(unit_property(unit, prop), value, '%s %s' % (unit, prop))
        # The slice's memory limit is a share of RAM, whatever the host has.
        self.assertNotEqual(unit_property('sandrun.slice', 'MemoryMax'), 'infinity')

    def test_kernel_applies_them(self):
        for unit, props in UNITS.items():
            if not unit.endswith('.service'):
                continue
            pid = int(unit_property(unit, 'MainPID'))
            self.assertGreater(pid, 0, unit)
            memory = cgroup_file(pid, 'memory', 'memory.limit_in_bytes', 'memory.max')
            self.assertEqual(memory, props['MemoryMax'], unit)
            self.assertEqual(cgroup_file(pid, 'pids', 'pids.max', 'pids.max'), props['TasksMax'], unit)

    def test_daemons_checked_their_limits(self):
        # Both daemons' defaults fit their units: the runner sizes itself for the jobs sandrund keeps
        # running (two per core), not for all 256 of --max-jobs, so it has nothing to warn about.
        self.assertRegex(start_log('sandrun.service'), r'Memory limit 4608 MiB holds this configuration \(\d+ MiB\)')
        runner = start_log('sandrun-runner.service')
        self.assertRegex(runner, r'Memory limit 3072 MiB holds this configuration \(\d+ MiB\)')
        self.assertNotIn("Our cgroup's memory limit", runner)

    def test_configuration_past_the_limit_warns(self):
        with ExtraDaemon('--held-max', '8G') as extra:
            log = []

            def warned():
                log[:] = [start_log(extra.UNIT)]
                return "Our cgroup's memory limit" in log[0]
            wait_until(warned, 15, what='the warning about the memory limit')
            m = re.search(r"Our cgroup's memory limit is (\d+) MiB, and this configuration can hold (\d+) MiB "
                          r"\((\d+) MiB now\)", log[0])
            self.assertTrue(m, log[0])
            limit, need, now = map(int, m.groups())
            self.assertEqual(limit, 4608)
            # 8 GiB of held results alone, plus the running jobs' outputs and the queue.
            self.assertGreater(need, 8192)
            self.assertGreater(now, 0)


if __name__ == '__main__':
    main()
