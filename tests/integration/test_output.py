#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""stdout and stderr stay apart, exit codes and signals come back as they were."""
import time

from sandrun_test import SandrunTestCase, main, run_json, run_plain

OUT_ERR_3 = 'import sys\nsys.stderr.write("err\\n"); sys.stderr.flush()\nprint("out")\nsys.exit(3)\n'


class Output(SandrunTestCase):
    def test_json_separates_streams(self):
        d = run_json(OUT_ERR_3)
        self.assertEqual((d['stdout'], d['stderr']), ('out\n', 'err\n'), d)
        self.assertEqual(d['output'], 'out\nerr\n')
        # Exiting by itself, whatever the code, is a completed run.
        self.assertEqual((d['status'], d['exit_code'], d['signal']), ('completed', 3, None), d)

    def test_plain_is_stdout_then_stderr(self):
        r = run_plain(OUT_ERR_3)
        self.assertEqual(r.text, 'out\nerr\n')
        self.assertEqual(r.headers.get('X-Sandrun-Exit-Code'), '3')
        self.assertEqual(r.headers.get('X-Sandrun-Status'), 'completed')

    def test_exit_codes(self):
        for code in (0, 1, 42, 255):
            with self.subTest(code=code):
                d = run_json('exit %d' % code, 'sh')
                self.assertEqual((d['status'], d['exit_code']), ('completed', code), d)

    def test_stderr_only(self):
        d = run_json('echo oops >&2', 'bash')
        self.assertEqual((d['stdout'], d['stderr'], d['exit_code']), ('', 'oops\n', 0), d)

    def test_killed_by_signal(self):
        d = run_json('kill -KILL $$', 'sh')
        self.assertEqual(d['status'], 'failed', d)
        self.assertEqual(d['signal'], 9, d)
        self.assertIsNone(d['exit_code'], d)
        self.assertEqual(d['reason'], 'signal', d)

    def test_large_output(self):
        # 200 000 lines: more than any pipe buffer, so the daemon must drain while the job runs.
        d = run_json('for i in range(200000): print(i)')
        self.assertEqual(d['exit_code'], 0, {k: d[k] for k in d if k != 'stdout'})
        lines = d['stdout'].splitlines()
        if d['truncated']:
            self.assertGreater(len(lines), 1000)
        else:
            self.assertEqual(len(lines), 200000)
            self.assertEqual(lines[-1], '199999')

    def test_large_answer_is_prompt(self):
        # 600 kB written at once: the job takes well under a second, and so should sending it over loopback.
        t0 = time.monotonic()
        r = run_plain('import sys\nsys.stdout.write("x" * 600000)\n')
        took = time.monotonic() - t0
        self.assertEqual(len(r.body), 600000)
        wall = float(r.headers.get('X-Sandrun-Wall-Seconds', 0))
        self.assertLess(took, wall + 5, 'a 600 kB answer took %.1fs for a %.2fs job' % (took, wall))


if __name__ == '__main__':
    main()
