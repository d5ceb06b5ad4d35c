#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""CPU time is billed as CPU time, not wall time."""
from sandrun_test import SandrunTestCase, main, run_json, run_plain

# Spins until the process itself has used one CPU second, so a CPU quota below 100% stretches the wall
# time but not the CPU time billed.
BUSY_1S = 'import time\nt = time.process_time()\nwhile time.process_time() - t < 1.0:\n    pass\nprint("done")\n'


class Cpu(SandrunTestCase):
    def test_busy_second_json(self):
        d = run_json(BUSY_1S, http_timeout=60)
        self.assertEqual(d['stdout'], 'done\n', d)
        cpu = d['metrics']['cpu_seconds']
        self.assertTrue(0.8 <= cpu <= 1.2, 'billed %r CPU seconds for a 1 s busy loop' % cpu)
        self.assertGreaterEqual(d['metrics']['wall_seconds'], 0.9 * cpu, d['metrics'])

    def test_busy_second_plain_header(self):
        r = run_plain(BUSY_1S, http_timeout=60)
        cpu = float(r.headers.get('X-Sandrun-CPU-Seconds'))
        self.assertTrue(0.8 <= cpu <= 1.2, 'billed %r CPU seconds for a 1 s busy loop' % cpu)

    def test_sleep_bills_little_cpu(self):
        d = run_json('sleep 1', 'sh')
        self.assertEqual(d['status'], 'completed', d)
        self.assertLess(d['metrics']['cpu_seconds'], 0.3, d['metrics'])
        self.assertGreaterEqual(d['metrics']['wall_seconds'], 0.95, d['metrics'])

    def test_children_are_billed(self):
        # Two processes each spinning half a CPU second: the bill covers the whole job, not its first process.
        code = ('import os, time\n'
                'pid = os.fork()\n'
                't = time.process_time()\n'
                'while time.process_time() - t < 0.5:\n    pass\n'
                'if pid == 0:\n    os._exit(0)\n'
                'os.waitpid(pid, 0)\nprint("done")\n')
        d = run_json(code, http_timeout=60)
        cpu = d['metrics']['cpu_seconds']
        self.assertTrue(0.8 <= cpu <= 1.3, 'billed %r CPU seconds for 2 x 0.5 s' % cpu)


if __name__ == '__main__':
    main()
