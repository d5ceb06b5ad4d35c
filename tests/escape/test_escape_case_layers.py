#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Test cases: each runs on an overlay of /work whose upper layer no path reaches, with fresh /tmp and
/dev/shm. A hostile case tries to change what the next case starts from (unmount the overlay to reach
the base, find the upper or base layer, plant files, leave a process behind); the next case must see
the work dir exactly as the compile left it, and the host nothing at all."""
import json

from escape_test import PRELUDE, Canary, EscapeTestCase, fmt, host_state, main, request

CASE = PRELUDE + r'''
import hashlib
MNT_DETACH = 2
what = sys.stdin.read().strip()
def tree(top):
    out = {}
    for d, dirs, files in os.walk(top):
        for n in files:
            p = os.path.join(d, n)
            out[p] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return out
if what == "attack":
    r = {}
    buf = ctypes.create_string_buffer(b"/work")
    r["umount_work"] = sc(166, ctypes.addressof(buf), MNT_DETACH)
    r["mount_tmpfs"] = sc(165, ctypes.addressof(ctypes.create_string_buffer(b"none")),
                          ctypes.addressof(buf), ctypes.addressof(ctypes.create_string_buffer(b"tmpfs")), 0, 0)
    opts = [l for l in open("/proc/self/mountinfo") if " /work " in l]
    r["layers"] = {}
    for o in opts:
        for part in o.replace(" ", ",").split(","):
            if "=" in part and part.split("=")[0] in ("lowerdir", "upperdir", "workdir"):
                r["layers"][part] = err(os.listdir, part.split("=", 1)[1])
    r["init_root"] = err(os.listdir, "/proc/1/root/work")
    for p in ("/work/planted", "/work/main.py.orig", "/tmp/planted", "/dev/shm/planted"):
        with open(p, "w") as f:
            f.write("x")
    with open("/work/main.py", "a") as f:
        f.write("\nraise SystemExit(99)\n")
    r["setxattr"] = err(os.setxattr, "/work", "user.escape", b"1")
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(600)
        os._exit(0)
    time.sleep(0.5)
    print(json.dumps(r))
else:
    print(json.dumps({"work": tree("/work"), "tmp": os.listdir("/tmp"), "shm": os.listdir("/dev/shm"),
                      "procs": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
                      "xattr": err(os.getxattr, "/work", "user.escape")}))
'''


class CaseLayers(EscapeTestCase):
    def test_case_cannot_change_the_next(self):
        before = host_state()
        c = Canary(2.0, self.canary_source)
        c.start()
        body = {'lang': 'python', 'code': CASE, 'tests': [{'stdin': 'look'}, {'stdin': 'attack'}, {'stdin': 'look'}]}
        r = request('POST', '/run', json.dumps(body), {'Content-Type': 'application/json'}, source=self.source,
                    timeout=120)
        c.join(120)
        self.assertEqual(r.status, 200, r)
        d = r.json()
        first, attack, after = d['tests']
        self.assertEqual([t['verdict'] for t in d['tests']], ['accepted'] * 3, fmt(d))
        a = json.loads(attack['stdout'])
        self.assertEqual(a['umount_work'], 'EPERM', a)
        self.assertEqual(a['mount_tmpfs'], 'EPERM', a)
        # The overlay's layers are named in mountinfo, but no path leads to one: "/work" is the overlay
        # itself, the upper layer's tmpfs was detached and /tmp is a fresh one.
        self.assertEqual(a['layers'], {'lowerdir=/work': 'ok', 'upperdir=/tmp/upper': 'ENOENT',
                                       'workdir=/tmp/scratch': 'ENOENT'}, a)
        self.assertNotEqual(a['init_root'], 'ok', a)
        one, three = json.loads(first['stdout']), json.loads(after['stdout'])
        # The init and the case itself, and nothing else (PIDs go on counting).
        self.assertEqual((len(one.pop('procs')), len(three.pop('procs'))), (2, 2), (one, three))
        self.assertEqual(one, three, 'the case after the attack saw something else than the one before')
        self.assertEqual(list(one['work']), ['/work/main.py'], one)
        self.assertEqual((one['tmp'], one['shm']), ([], []), one)
        self.assertEqual(one['xattr'], 'ENODATA', one)
        self.assertCanaryUnharmed(c)
        self.assertDaemonAnswers(before)
        self.assertNothingLeft(before, [d['job_id'], c.result['job_id']])


if __name__ == '__main__':
    main()
