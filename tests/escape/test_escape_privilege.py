#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""No privilege: no capabilities in any set, no_new_privs, no way back to uid 0, setuid binaries do not
elevate, and a crash leaves no core dump anywhere."""
import os
import shutil
import subprocess
import time
import uuid

from escape_test import PRELUDE, EscapeTestCase, container, fmt, main

CAPS = PRELUDE + r'''
import subprocess
KEYS = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Uid", "Gid", "Groups")
def status(text):
    d = dict(l.split(":", 1) for l in text.splitlines() if ":" in l)
    return {k: " ".join(d.get(k, "").split()) for k in KEYS}
r = {"self": status(open("/proc/self/status").read()),
     # After an execve, through a shell: nothing is regained.
     "exec": status(subprocess.run(["/bin/sh", "-c", "cat /proc/self/status"], capture_output=True,
                                   text=True).stdout)}
PR_SET_NO_NEW_PRIVS, PR_GET_SECUREBITS, PR_CAP_AMBIENT, PR_CAPBSET_READ = 38, 27, 47, 23
r["securebits"] = libc.prctl(PR_GET_SECUREBITS, 0, 0, 0, 0)
r["bounding"] = [c for c in range(64) if libc.prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1]
ctypes.set_errno(0)
r["ambient_raise"] = libc.prctl(PR_CAP_AMBIENT, 2, 12, 0, 0) == 0 or errname(ctypes.get_errno())
ctypes.set_errno(0)
r["nnp_clear"] = libc.prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0 or errname(ctypes.get_errno())
r["setuid0"] = err(os.setuid, 0)
r["setresuid0"] = err(os.setresuid, 0, 0, 0)
r["setgid0"] = err(os.setgid, 0)
r["setgroups0"] = err(os.setgroups, [0])
r["setuid_other"] = err(os.setuid, 1001)
print(json.dumps(r))
'''

# Runs each setuid-root program found in /usr/bin and /usr/sbin with its stdout a full pipe, so that it
# blocks on its first write with the credentials exec gave it, and reads them from /proc.
SETUID = PRELUDE + r'''
import fcntl, stat
r = {"programs": {}, "nosuid": {}}
for line in open("/proc/self/mountinfo"):
    f = line.split()
    if f[4] in ("/usr", "/tmp", "/work", "/dev/shm"):
        r["nosuid"][f[4]] = "nosuid" in f[5].split(",")
found = []
for d in ("/usr/bin", "/usr/sbin"):
    for name in sorted(os.listdir(d)):
        st = os.lstat(os.path.join(d, name))
        if stat.S_ISREG(st.st_mode) and st.st_mode & stat.S_ISUID:
            found.append(os.path.join(d, name))
def creds(path):
    rd, wr = os.pipe()
    fcntl.fcntl(wr, 1031, 4096)                 # F_SETPIPE_SZ: one page
    os.set_blocking(wr, False)
    try:
        while True:
            os.write(wr, b"x" * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(wr, True)
    pid = os.fork()
    if pid == 0:
        os.dup2(wr, 1)
        os.dup2(wr, 2)
        os.execv(path, [path, "--help"])
    os.close(wr)
    res = None
    for _ in range(50):
        time.sleep(0.05)
        try:
            with open("/proc/%d/status" % pid) as f:
                st = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
        except OSError:
            break
        if st["Name"].strip() == os.path.basename(path)[:15] and st["State"].split()[0] in ("S", "D"):
            res = {k: " ".join(st[k].split()) for k in ("Uid", "Gid", "CapEff", "CapPrm")}
            break
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(rd)
    return res
for path in found:
    r["programs"][path] = creds(path)
# And the classic: su to root, without a password to give.
import subprocess
p = subprocess.run(["/usr/bin/su", "-c", "id -u", "root"], stdin=subprocess.DEVNULL, capture_output=True,
                   text=True, timeout=20)
r["su"] = [p.returncode, p.stdout]
print(json.dumps(r))
'''

CORE = PRELUDE + r'''
import resource
r = {"limit": resource.getrlimit(resource.RLIMIT_CORE), "crashes": {}, "changes": {}}
for name, lim in (("raise", (resource.RLIM_INFINITY, resource.RLIM_INFINITY)), ("zero", (0, 0)),
                  ("soft_zero", (0, r["limit"][1]))):
    try:
        resource.setrlimit(resource.RLIMIT_CORE, lim)
        r["changes"][name] = "ok"
    except (OSError, ValueError) as e:
        r["changes"][name] = "refused"
zero = (ctypes.c_ulong * 2)(0, 0)
r["prlimit_zero"] = sc(302, 0, 4, ctypes.addressof(zero), 0)  # prlimit64(0, RLIMIT_CORE, {0, 0}, NULL)
# Named so that the host's core helper, if it ever ran, would say whose crash it was.
libc.prctl(15, ("core-" + sys.argv[1][:8]).encode(), 0, 0, 0)
def crash(cwd, how):
    pid = os.fork()
    if pid == 0:
        os.chdir(cwd)
        for lim in ((0, 0), (resource.getrlimit(resource.RLIMIT_CORE)[1],) * 2):   # none, or as much as it may
            try:
                resource.setrlimit(resource.RLIMIT_CORE, lim)
            except (OSError, ValueError):
                pass
        libc.prctl(4, 1, 0, 0, 0)                                    # PR_SET_DUMPABLE
        if how == "segv":
            ctypes.string_at(0)
        os.kill(os.getpid(), signal.SIGABRT if how == "abort" else signal.SIGQUIT)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    return [os.WTERMSIG(status), os.WCOREDUMP(status)]
for cwd in ("/work", "/tmp", "/dev/shm"):
    for how in ("segv", "abort", "quit"):
        r["crashes"]["%s %s" % (cwd, how)] = crash(cwd, how)
r["files"] = [os.path.join(d, n) for d in ("/work", "/tmp", "/dev/shm") for n in os.listdir(d)
              if n.startswith("core")]
print(json.dumps(r))
'''


class Privilege(EscapeTestCase):
    def test_no_capabilities_no_new_privs(self):
        r = self.probe(CAPS)
        for where in ('self', 'exec'):
            s = r[where]
            for k in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'):
                self.assertEqual(s[k], '0000000000000000', '%s %s: %r' % (where, k, s))
            self.assertEqual(s['NoNewPrivs'], '1', s)
            self.assertEqual(s['Seccomp'], '2', s)
            self.assertEqual(s['Uid'], '1000 1000 1000 1000', s)
            self.assertEqual(s['Gid'], '1000 1000 1000 1000', s)
        self.assertEqual(r['bounding'], [], r)
        # NOROOT, NO_SETUID_FIXUP and NO_CAP_AMBIENT_RAISE, each locked, and KEEP_CAPS_LOCKED.
        self.assertEqual(r['securebits'] & 0xef, 0xef, 'securebits %#x' % r['securebits'])
        self.assertEqual(r['ambient_raise'], 'EPERM', r)
        self.assertEqual(r['nnp_clear'], 'EINVAL', r)
        # EINVAL: no other id even exists in the job's user namespace.
        for k in ('setuid0', 'setresuid0', 'setgid0', 'setgroups0', 'setuid_other'):
            self.assertIn(r[k], ('EPERM', 'EINVAL'), '%s: %r' % (k, r))

    def test_setuid_binaries_do_not_elevate(self):
        # The control: su and passwd are setuid root in the container, where the jobs' /usr comes from.
        p = container('sh', '-c', 'stat -c "%a %u" /usr/bin/su /usr/bin/passwd')
        self.assertEqual(p.stdout.split('\n')[:2], ['4755 0', '4755 0'], p.stdout)
        r = self.probe(SETUID)
        self.assertEqual(r['nosuid'], {'/usr': True, '/tmp': True, '/work': True, '/dev/shm': True}, r)
        self.assertIn('/usr/bin/su', r['programs'], r)
        self.assertIsNotNone(r['programs']['/usr/bin/su'], 'su was not caught running: %r' % r)
        for path, creds in r['programs'].items():
            if creds is None:
                continue        # it ended before it wrote; su above was caught
            with self.subTest(program=path):
                self.assertEqual(creds, {'Uid': '1000 1000 1000 1000', 'Gid': '1000 1000 1000 1000',
                                         'CapEff': '0000000000000000', 'CapPrm': '0000000000000000'})
        self.assertNotEqual(r['su'][0], 0, r)
        self.assertNotIn('0', r['su'][1].split(), r)

    def test_no_core_dump(self):
        before = container('sh', '-c', 'ls -A /var/lib/systemd/coredump 2>/dev/null; cat /proc/sys/kernel/core_pattern')
        r = self.probe(CORE, args=['x' * 8])
        self.assertEqual(r['limit'], [1, 1], r)
        self.assertEqual(r['changes'], {'raise': 'refused', 'zero': 'refused', 'soft_zero': 'refused'}, r)
        self.assertEqual(r['prlimit_zero'], 'EPERM', r)
        for k, (sig, dumped) in r['crashes'].items():
            self.assertIn(sig, (11, 6, 3), k)
            self.assertFalse(dumped, '%s dumped core: %r' % (k, r))
        self.assertEqual(r['files'], [], r)
        # A crash of the program itself: reported as such, and the host has no new core either.
        d = self.attack('import os\nos.chdir("/tmp")\nos.abort()\n')
        self.assertEqual((d['status'], d['signal'], d['reason']), ('failed', 6, 'signal'), fmt(d))
        after = container('sh', '-c', 'ls -A /var/lib/systemd/coredump 2>/dev/null; cat /proc/sys/kernel/core_pattern')
        self.assertEqual(after.stdout, before.stdout)

    def test_pipe_core_pattern_not_reached(self):
        """With a pipe core_pattern (systemd-coredump, apport) the kernel ignores RLIMIT_CORE 0 and runs the
        host's helper, as root, outside every namespace; 1 means no dump. core_pattern is one for the whole
        kernel, so the test sets a helper that only leaves a file naming the crashed command, and always
        puts the old pattern back."""
        path = '/proc/sys/kernel/core_pattern'
        if os.geteuid() != 0 or not os.access(path, os.W_OK):
            self.skipTest('needs root and a writable %s' % path)
        nonce = uuid.uuid4().hex[:8]
        marks = '/run/sandrun-escape-core-' + nonce
        os.mkdir(marks)
        with open(path) as f:
            old = f.read().rstrip('\n')
        try:
            with open(path, 'w') as f:
                f.write('|/usr/bin/touch %s/%%e' % marks)
            r = self.probe(CORE, args=[nonce])
            d = self.job('import ctypes, os, sys\nctypes.CDLL(None).prctl(15, b"core-" + sys.argv[1].encode())\n'
                         'os.abort()\n', args=[nonce])
            # The control: a crash of our own on the host does reach the helper, so the check below can fail.
            # RLIMIT_CORE 0, as the jobs had before: a pipe pattern ignores it.
            subprocess.run(['sh', '-c', 'ulimit -c 0; exec python3 -c "import ctypes, os; '
                            'ctypes.CDLL(None).prctl(15, b\'ctl-%s\'); os.abort()"' % nonce])
            time.sleep(1)
        finally:
            with open(path, 'w') as f:
                f.write(old)
        try:
            seen = sorted(os.listdir(marks))
        finally:
            shutil.rmtree(marks, ignore_errors=True)
        self.assertEqual(d['signal'], 6, fmt(d))
        for k, (sig, dumped) in r['crashes'].items():
            self.assertFalse(dumped, '%s dumped core: %r' % (k, r))
        self.assertIn('ctl-' + nonce, seen, 'the control crash on the host did not reach the helper')
        self.assertEqual([n for n in seen if n.startswith('core-')], [], 'the host\'s core helper ran for a job')


if __name__ == '__main__':
    main()
