#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The answer says why a job ended: "memory" for the OOM killer, "timeout" for the wall-clock limit,
"signal" with its number for any other signal, and a plain exit is "completed" with its code."""
from escape_test import EscapeTestCase, fmt, main

# Allocates, touching every page, until the job's memory limit has the OOM killer end it.
OOM = 'chunks = []\nwhile True:\n    chunks.append(bytearray(b"x" * (32 << 20)))\n'

SIGNALS = {
    11: 'import ctypes\nctypes.string_at(0)\n',
    6: 'import os\nos.abort()\n',
    15: 'import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n',
    9: 'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n',
    8: 'import os, signal\nos.kill(os.getpid(), signal.SIGFPE)\n',
    # SIGSYS from the filter's kill of a foreign-ABI call
    31: 'import ctypes\nctypes.CDLL(None).syscall(0x40000000 | 39)\n',
}


class Reasons(EscapeTestCase):
    def test_oom_kill_is_memory(self):
        d = self.attack(OOM)
        self.assertEqual((d['status'], d['reason'], d['signal'], d['exit_code']), ('failed', 'memory', 9, None),
                         fmt(d))
        self.assertGreater(d['metrics']['memory_mb'], 256, d['metrics'])

    def test_wall_limit_is_timeout(self):
        # Busy, not sleeping, and ignoring SIGTERM: the limit still holds, within a second or two.
        d = self.attack('import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    pass\n',
                        timeout=1)
        self.assertEqual((d['status'], d['reason'], d['exit_code']), ('failed', 'timeout', None), fmt(d))
        self.assertGreaterEqual(d['metrics']['wall_seconds'], 0.9, d['metrics'])
        self.assertLess(d['metrics']['wall_seconds'], 4, d['metrics'])

    def test_other_signals_are_signal(self):
        for i, (sig, code) in enumerate(SIGNALS.items()):
            with self.subTest(signal=sig):
                d = self.attack(code, canary=i == 0)
                self.assertEqual((d['status'], d['reason'], d['signal'], d['exit_code']),
                                 ('failed', 'signal', sig, None), fmt(d))

    def test_exit_code_is_completed(self):
        d = self.attack('import sys\nsys.exit(77)\n', canary=False)
        self.assertEqual((d['status'], d['reason'], d['signal'], d['exit_code']), ('completed', None, None, 77),
                         fmt(d))


if __name__ == '__main__':
    main()
