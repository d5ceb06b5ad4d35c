#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Resource floods end only the job that started them: processes and threads stop at TasksMax, memory
bombs (heap, memfd) end in the job's own OOM kill, the tmpfs fill up at their size and inode caps,
output is cut at its cap, descriptors at their rlimit. While each flood runs, sandrund answers within a
second and another job starts and finishes unharmed."""
import json

from escape_test import OPEN_FILES, OUTPUT_MAX, PRELUDE, TASKS_MAX, TMPFS_MB, EscapeTestCase, fmt, main

FORK_BOMB = PRELUDE + r'''
# Every process forks for as long as it can, then sleeps; the first keeps trying for two seconds.
def bomb():
    while True:
        try:
            if os.fork() == 0:
                continue
        except OSError as e:
            return errname(e.errno)
t0 = time.monotonic()
error = None
while time.monotonic() - t0 < 2:
    try:
        if os.fork() == 0:
            bomb()
            time.sleep(60)
            os._exit(0)
    except OSError as e:
        error = errname(e.errno)
print(json.dumps({"error": error, "processes": len([p for p in os.listdir("/proc") if p.isdigit()])}))
'''

SHELL_FORK_BOMB = 'bomb() { bomb | bomb & }; bomb; sleep 100'

THREAD_BOMB = PRELUDE + r'''
import threading
stop = threading.Event()
n, error = 0, None
while True:
    try:
        threading.Thread(target=stop.wait).start()
        n += 1
    except RuntimeError as e:
        error = str(e)
        break
stop.set()
print(json.dumps({"threads": n, "error": error}))
'''

HEAP_BOMB = 'chunks = []\nwhile True:\n    chunks.append(b"x" * (16 << 20))\n'

MEMFD_BOMB = PRELUDE + r'''
fds = []
while True:
    fd = os.memfd_create("bomb")
    for _ in range(32):
        os.write(fd, b"x" * (1 << 20))
    fds.append(fd)
'''

TMPFS_FILL = PRELUDE + r'''
def fill(d):
    written, i = 0, 0
    try:
        while True:
            fd = os.open("%s/fill%d" % (d, i), os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                for _ in range(8):
                    written += os.write(fd, b"\0" * (1 << 20))
            finally:
                os.close(fd)
            i += 1
    except OSError as e:
        st = os.statvfs(d)
        return [errname(e.errno), written >> 20, (st.f_blocks * st.f_frsize) >> 20]
print(json.dumps({d: fill(d) for d in ("/work", "/tmp", "/dev/shm")}))
'''

INODE_FLOOD = PRELUDE + r'''
def flood(d):
    n = 0
    try:
        while n < 200000:
            os.close(os.open("%s/i%d" % (d, n), os.O_WRONLY | os.O_CREAT, 0o600))
            n += 1
        return ["no limit", n, 0]
    except OSError as e:
        return [errname(e.errno), n, os.statvfs(d).f_files]
print(json.dumps({d: flood(d) for d in ("/work", "/tmp", "/dev/shm")}))
'''

FD_FLOOD = PRELUDE + r'''
import resource
fds = []
try:
    while True:
        fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e:
    error = errname(e.errno)
try:
    resource.setrlimit(resource.RLIMIT_NOFILE, (1 << 20, 1 << 20))
    raised = "ok"
except (OSError, ValueError):
    raised = "refused"
print(json.dumps({"error": error, "open": len(fds) + 3, "limit": resource.getrlimit(resource.RLIMIT_NOFILE),
                  "raise": raised}))
'''

OUTPUT_FLOOD = r'''
import os
for _ in range(160):
    os.write(1, b"o" * 65536)
    os.write(2, b"e" * 65536)
os.write(1, b"END")
'''


class Floods(EscapeTestCase):
    def flood(self, code, lang='python', **kw):
        kw.setdefault('timeout', 30)
        return self.attack(code, lang, canary_first=False, watch=True, **kw)

    def flood_probe(self, code):
        d = self.flood(code)
        self.assertEqual((d['status'], d['exit_code']), ('completed', 0), fmt(d))
        return json.loads(d['stdout'])

    def test_fork_bomb_stops_at_tasks_max(self):
        r = self.flood_probe(FORK_BOMB)
        self.assertEqual(r['error'], 'EAGAIN', r)
        # The init counts too. Close to the cap: the bomb really went as far as it could.
        self.assertLessEqual(r['processes'], TASKS_MAX, r)
        self.assertGreaterEqual(r['processes'], TASKS_MAX - 8, r)

    def test_shell_fork_bomb_ends_at_timeout(self):
        d = self.flood(SHELL_FORK_BOMB, 'bash', timeout=3)
        self.assertEqual((d['status'], d['reason']), ('failed', 'timeout'), fmt(d))
        self.assertLess(d['metrics']['wall_seconds'], 8, fmt(d))

    def test_thread_bomb_stops_at_tasks_max(self):
        r = self.flood_probe(THREAD_BOMB)
        self.assertIn("can't start new thread", r['error'], r)
        self.assertLess(r['threads'], TASKS_MAX, r)
        self.assertGreaterEqual(r['threads'], TASKS_MAX - 8, r)

    def test_heap_bomb_ends_in_oom(self):
        d = self.flood(HEAP_BOMB)
        self.assertEqual((d['status'], d['reason'], d['signal']), ('failed', 'memory', 9), fmt(d))

    def test_memfd_bomb_ends_in_oom(self):
        d = self.flood(MEMFD_BOMB)
        self.assertEqual((d['status'], d['reason'], d['signal']), ('failed', 'memory', 9), fmt(d))

    def test_tmpfs_fill_stops_at_size(self):
        r = self.flood_probe(TMPFS_FILL)
        for d, (error, written_mb, size_mb) in r.items():
            self.assertEqual((error, size_mb), ('ENOSPC', TMPFS_MB), '%s: %r' % (d, r))
            self.assertGreaterEqual(written_mb, TMPFS_MB - 2, '%s: %r' % (d, r))
            self.assertLessEqual(written_mb, TMPFS_MB, '%s: %r' % (d, r))

    def test_inode_flood_stops_at_cap(self):
        r = self.flood_probe(INODE_FLOOD)
        for d, (error, n, inodes) in r.items():
            self.assertEqual(error, 'ENOSPC', '%s: %r' % (d, r))
            self.assertLessEqual(n, inodes, '%s: %r' % (d, r))
            self.assertGreaterEqual(n, inodes - 8, '%s: %r' % (d, r))
        self.assertEqual(r['/work'][2], 65536, r)
        self.assertEqual((r['/tmp'][2], r['/dev/shm'][2]), (16384, 16384), r)

    def test_fd_flood_stops_at_rlimit(self):
        r = self.flood_probe(FD_FLOOD)
        self.assertEqual(r, {'error': 'EMFILE', 'open': OPEN_FILES, 'limit': [OPEN_FILES, OPEN_FILES],
                             'raise': 'refused'})

    def test_output_flood_is_cut_at_cap(self):
        d = self.flood(OUTPUT_FLOOD)
        self.assertEqual((d['status'], d['exit_code'], d['truncated']), ('completed', 0, True), fmt(d, 100))
        self.assertEqual((len(d['stdout']), len(d['stderr'])), (OUTPUT_MAX, OUTPUT_MAX), fmt(d, 100))
        self.assertEqual(set(d['stdout']), {'o'})
        self.assertEqual(set(d['stderr']), {'e'})


if __name__ == '__main__':
    main()
