#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Nothing passes between jobs, running at once or one after the other: files in /tmp, /dev/shm and
/work, SysV IPC, POSIX message queues, abstract Unix sockets, keyrings, the environment and the host
name are each job's own."""
import json
import uuid

from escape_test import PRELUDE, EscapeTestCase, JobThread, fmt, host_state, main
from sandrun_test import wait_until

KEY = 0x5a17

# Leaves something everywhere a later or concurrent job could look, then (argv[2] seconds) checks that it
# is all still there. Its comm says "leak-ready" once everything is in place.
LEAKER = PRELUDE + r'''
nonce, hold = sys.argv[1], float(sys.argv[2])
KEY = %d
for d in ("/tmp", "/dev/shm", "/work"):
    with open(d + "/leak", "w") as f:
        f.write(nonce)
shm = libc.shmget(KEY, 4096, 0o1666)
sem = libc.semget(KEY, 1, 0o1666)
msg = libc.msgget(KEY, 0o1666)
libc.mq_open.restype = ctypes.c_int
mq = libc.mq_open(b"/sandrun-leak", os.O_CREAT | os.O_RDWR, ctypes.c_int(0o666), None)
srv = socket.socket(socket.AF_UNIX)
srv.bind("\0sandrun-leak")
srv.listen()
keyring = sc(248, 0, 0, 0, 0, 0)
os.environ["SANDRUN_LEAK"] = nonce
r = {"made": [shm >= 0, sem >= 0, msg >= 0, mq >= 0], "add_key": keyring, "sethostname": sc(170, 0, 4)}
libc.prctl(15, b"leak-ready", 0, 0, 0)
time.sleep(hold)
r["kept"] = [open(d + "/leak").read() == nonce for d in ("/tmp", "/dev/shm", "/work")]
r["kept"] += [libc.shmget(KEY, 0, 0) == shm, libc.semget(KEY, 0, 0) == sem, libc.msgget(KEY, 0) == msg]
print(json.dumps(r))
''' % KEY

# Looks everywhere the leaker left something.
LOOKER = PRELUDE + r'''
KEY = %d
def count(path):
    with open(path) as f:
        return len(f.read().splitlines()) - 1          # less the header
def ipc(f, *args):
    ctypes.set_errno(0)
    return "found" if f(*args) >= 0 else errname(ctypes.get_errno())
libc.mq_open.restype = ctypes.c_int
mq = libc.mq_open(b"/sandrun-leak", os.O_RDONLY)
r = {
    "files": {d: sorted(os.listdir(d)) for d in ("/tmp", "/dev/shm", "/work")},
    "shm": ipc(libc.shmget, KEY, 0, 0), "sem": ipc(libc.semget, KEY, 0, 0), "msg": ipc(libc.msgget, KEY, 0),
    "sysvipc": {n: count("/proc/sysvipc/" + n) for n in ("shm", "sem", "msg")},
    "mq": "found" if mq >= 0 else errname(ctypes.get_errno()),
    "abstract": err(lambda: socket.socket(socket.AF_UNIX).connect("\0sandrun-leak")),
    "keys": open("/proc/keys").read(), "request_key": sc(249, 0, 0, 0, 0),
    "keyctl": sc(250, 0, -4, 0, 0, 0),                  # KEYCTL_GET_KEYRING_ID, the session keyring
    "env": dict(os.environ), "hostname": socket.gethostname(), "nodename": os.uname().nodename,
    "proc_hostname": open("/proc/sys/kernel/hostname").read().strip(),
    "domainname": open("/proc/sys/kernel/domainname").read().strip(),
}
print(json.dumps(r))
''' % KEY

ENVIRONMENT = {
    'PATH': '/usr/local/bin:/usr/bin:/bin', 'HOME': '/work', 'USER': 'sandbox', 'LOGNAME': 'sandbox',
    'SHELL': '/bin/sh', 'LANG': 'C.UTF-8', 'TMPDIR': '/tmp', 'PYTHONUNBUFFERED': '1',
    'PYTHONDONTWRITEBYTECODE': '1',
}


class Isolation(EscapeTestCase):
    def assertSawNothing(self, r):
        self.assertEqual(r['files'], {'/tmp': [], '/dev/shm': [], '/work': ['main.py']}, r)
        self.assertEqual((r['shm'], r['sem'], r['msg']), ('ENOENT', 'ENOENT', 'ENOENT'), r)
        self.assertEqual(r['sysvipc'], {'shm': 0, 'sem': 0, 'msg': 0}, r)
        self.assertEqual(r['mq'], 'ENOENT', r)
        self.assertEqual(r['abstract'], 'ECONNREFUSED', r)
        self.assertEqual((r['keys'], r['request_key'], r['keyctl']), ('', 'EPERM', 'EPERM'), r)
        self.assertEqual(r['env'], ENVIRONMENT)
        self.assertEqual((r['hostname'], r['nodename'], r['proc_hostname']), ('sandrun',) * 3, r)
        self.assertEqual(r['domainname'], '(none)', r)

    def assertLeakerFine(self, d):
        self.assertEqual((d['status'], d['exit_code']), ('completed', 0), fmt(d))
        r = json.loads(d['stdout'])
        self.assertEqual(r['made'], [True] * 4, r)
        self.assertEqual((r['add_key'], r['sethostname']), ('EPERM', 'EPERM'), r)
        self.assertEqual(r['kept'], [True] * 6, 'the other job changed this one\'s things: %r' % r)

    def test_concurrent_jobs_share_nothing(self):
        nonce = uuid.uuid4().hex
        before = host_state()
        leaker = JobThread(LEAKER, args=[nonce, '4'], source=self.source, timeout=60)
        leaker.start()
        try:
            def ready():
                return any(p['comm'] == 'leak-ready' for p in host_state()['procs'])
            wait_until(ready, 30, what='the leaking job to be ready')
            r = self.probe(LOOKER, canary_seconds=1)
        finally:
            leaker.join(120)
        self.assertIsNone(leaker.error)
        self.assertLeakerFine(leaker.result)
        self.assertNothingLeft(before, [leaker.result['job_id']])
        self.assertSawNothing(r)
        self.assertNotIn(nonce, str(r))

    def test_sequential_jobs_share_nothing(self):
        nonce = uuid.uuid4().hex
        self.assertLeakerFine(self.attack(LEAKER, args=[nonce, '0'], canary=False))
        r = self.probe(LOOKER, canary_seconds=1)
        self.assertSawNothing(r)
        self.assertNotIn(nonce, str(r))


if __name__ == '__main__':
    main()
