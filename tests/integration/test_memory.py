#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A job over its memory limit is killed and reported as such; the daemon keeps serving."""
from sandrun_test import SandrunTestCase, main, main_pid, run_json, unit_property

# b"x" * n really writes every page (bytearray(n) alone could stay untouched zero pages).
HOG = 'b = b"x" * (2 << 30)\nprint("allocated", len(b))\n'


class Memory(SandrunTestCase):
    def test_hog_fails_with_reason_memory(self):
        pid = main_pid()
        restarts = unit_property('sandrun.service', 'NRestarts')
        d = run_json(HOG, http_timeout=180)
        self.assertEqual(d['status'], 'failed', d)
        self.assertEqual(d['reason'], 'memory', d)
        self.assertNotIn('allocated', d['stdout'])
        self.assertIsNone(d['exit_code'], d)
        # The peak is billed, and it was large: the job got far before the limit stopped it.
        self.assertGreater(d['metrics']['memory_mb'], 64, d['metrics'])
        self.assertServing()
        self.assertEqual(main_pid(), pid, 'sandrund was restarted by the memory hog')
        self.assertEqual(unit_property('sandrun.service', 'NRestarts'), restarts)

    def test_moderate_allocation_succeeds_and_is_billed(self):
        d = run_json('b = b"x" * (100 << 20)\nprint(len(b) >> 20)\n', http_timeout=60)
        self.assertEqual((d['status'], d['stdout']), ('completed', '100\n'), d)
        self.assertGreaterEqual(d['metrics']['memory_mb'], 100, d['metrics'])
        self.assertLess(d['metrics']['memory_mb'], 400, d['metrics'])

    def test_hogs_in_a_row(self):
        # Killing leaves nothing that makes the next job fail.
        for _ in range(2):
            d = run_json(HOG, http_timeout=180)
            self.assertEqual((d['status'], d['reason']), ('failed', 'memory'), d)
        self.assertServing()


if __name__ == '__main__':
    main()
