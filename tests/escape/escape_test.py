# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers for sandrun's escape tests: hostile jobs sent through the real API, a canary job running beside
each of them, and checks from inside the container that the daemon, the host and the other jobs are as
they were. Standard library only; builds on tests/integration/sandrun_test.py.

Environment, besides sandrun_test's SANDRUN_URL and SANDRUN_CONTAINER:
  SANDRUN_UNIT   the daemon's service inside the container (default sandrun.service), e.g. a scratch
                 daemon started with systemd-run to check that a test fails without its protection.
"""
import hashlib
import json
import os
import re
import sys
import threading
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))

import sandrun_test  # noqa: E402
from sandrun_test import SandrunTestCase, container, container_out, request, run_json  # noqa: E402,F401

UNIT = os.environ.get('SANDRUN_UNIT', 'sandrun.service')
JOB_ID_IN_TEXT_RE = re.compile(r'(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])')

# The default limits the tests expect (sandrund's defaults).
TASKS_MAX = 64
MEMORY_MAX_MB = 512
OUTPUT_MAX = 1 << 20
TMPFS_MB = 64
OPEN_FILES = 256

# The start of a job's Python probe: sc(nr, *args) makes a raw system call and says "ok" or the errno's
# name; err(f, *args) calls f and says the same of the OSError it raised; sleepers(n) forks n sleepers.
PRELUDE = r'''
import ctypes, errno, json, os, signal, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def errname(e):
    return errno.errorcode.get(e, str(e))
def sc(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_ulong(a & (2**64 - 1)) for a in args])
    return errname(ctypes.get_errno()) if r == -1 else "ok"
def err(f, *args):
    try:
        f(*args)
        return "ok"
    except OSError as e:
        return errname(e.errno)
def sleepers(n, seconds=60):
    """n children that sleep, then exit 0; their PIDs."""
    pids = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            time.sleep(seconds)
            os._exit(0)
        pids.append(pid)
    return pids
'''

# Runs in the container as root: everything a job could leave behind or change, as one JSON document.
HOST_STATE = r'''
import json, os, subprocess, sys
unit = sys.argv[1]
def show(prop):
    return subprocess.run(["systemctl", "show", "-p", prop, "--value", unit], capture_output=True,
                          text=True).stdout.strip()
def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""
main = int(show("MainPID") or 0)
scopes = subprocess.run(["systemctl", "list-units", "--all", "--plain", "--no-legend", "--type=scope",
                         "sandrun-job-*"], capture_output=True, text=True).stdout.split("\n")
procs = []
for p in os.listdir("/proc"):
    if not p.isdigit():
        continue
    status = read("/proc/%s/status" % p)
    uid = [l.split()[1] for l in status.splitlines() if l.startswith("Uid:")]
    if not uid:
        continue
    procs.append({"pid": int(p), "uid": int(uid[0]), "comm": read("/proc/%s/comm" % p).strip(),
                  "cgroup": read("/proc/%s/cgroup" % p)})
tmp = []
if main:
    try:
        tmp = sorted(os.listdir("/proc/%d/root/tmp" % main))
    except OSError:
        pass
print(json.dumps({
    "main_pid": main,
    "restarts": show("NRestarts"),
    "scopes": [l.split()[0] for l in scopes if l.strip()],
    "procs": procs,
    "daemon_tmp": tmp,
    "daemon_mounts": sorted(read("/proc/%d/mountinfo" % main).splitlines()) if main else [],
    "host_mounts": sorted(read("/proc/1/mountinfo").splitlines()),
    "sandrun_uid": int(subprocess.run(["id", "-u", "sandrun"], capture_output=True, text=True).stdout or -1),
}))
'''


def host_state():
    """HOST_STATE's document, with 'jobs': the job scopes and job processes (sandrun_test.job_state: idle
    warm sandboxes are no job's) as 'scope' and 'pid N (comm)' strings."""
    state = json.loads(container_out('/usr/bin/python3', '-c', HOST_STATE, UNIT))
    scopes, procs = jobs = sandrun_test.job_state()
    state['jobs'] = sorted([name for name, s in scopes.items() if not s['idle_warm']] +
                           ['pid %d (%s)' % (pid, p[1]) for pid, p in sandrun_test.job_processes(jobs).items()])
    return state


def cgroup_unit(cgroup):
    """The unit a process is in, from the text of its /proc/PID/cgroup (cgroup v2, v1 or hybrid)."""
    lines = cgroup.splitlines()
    path = next((l.split(':', 2)[2] for l in lines if ':name=systemd:' in l), None)
    if path is None:
        path = next((l.split(':', 2)[2] for l in lines if l.startswith('0::')), '/')
    return path.rstrip('/').rsplit('/', 1)[-1] or '/'


def source_address(name):
    """A loopback source address of its own for `name`, so that per-client fairness never throttles one
    test because of another: 127.x.y.z, never 127.0.0.1."""
    h = hashlib.sha256(name.encode()).digest()
    return '127.%d.%d.%d' % (1 + h[0] % 254, h[1], 1 + h[2] % 254)


# A well-behaved job that runs for a while beside a hostile one and notices if anything touches it: its
# files in /tmp, /dev/shm and /work, its child process, its SysV shared memory. Its comm is "canary-..." so
# that a hostile job can look for it. Prints {"nonce", "problems"}.
CANARY = r'''
import ctypes, json, os, sys, time
nonce, seconds = sys.argv[1], float(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, b"canary-" + nonce[:8].encode(), 0, 0, 0)
paths = ["/tmp/canary", "/dev/shm/canary", "/work/canary"]
for p in paths:
    with open(p, "w") as f:
        f.write(nonce)
shmid = libc.shmget(0x5a4d, 4096, 0o1600)
r, w = os.pipe()
child = os.fork()
if child == 0:
    os.close(w)
    os.read(r, 1)
    os._exit(7)
os.close(r)
problems = []
t0 = time.monotonic()
while True:
    for p in paths:
        try:
            with open(p) as f:
                if f.read() != nonce:
                    problems.append("%s changed" % p)
        except OSError as e:
            problems.append("%s: %s" % (p, e))
    if os.waitpid(child, os.WNOHANG) != (0, 0):
        problems.append("child died")
        break
    if shmid < 0 or libc.shmget(0x5a4d, 4096, 0o600) != shmid:
        problems.append("shm segment gone")
    if time.monotonic() - t0 >= seconds:
        break
    time.sleep(0.05)
os.write(w, b"x")
if "child died" not in problems:
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 7:
        problems.append("child ended with status %d" % status)
print(json.dumps({"nonce": nonce, "problems": sorted(set(problems))}))
'''


class JobThread(threading.Thread):
    """A job submitted from a thread; join() it, then read result, error and elapsed (seconds)."""

    def __init__(self, code, lang='python', **kw):
        super().__init__(daemon=True)
        self.code, self.lang, self.kw = code, lang, kw
        self.result = self.error = self.elapsed = None

    def run(self):
        t0 = time.monotonic()
        try:
            self.result = run_json(self.code, self.lang, **self.kw)
        except BaseException as e:      # reported by the test's thread
            self.error = e
        self.elapsed = time.monotonic() - t0


class Canary(JobThread):
    def __init__(self, seconds, source):
        self.nonce = uuid.uuid4().hex
        self.seconds = seconds
        super().__init__(CANARY, args=[self.nonce, str(seconds)], source=source, timeout=seconds + 60,
                         http_timeout=seconds + 120)


def fmt(d, limit=2000):
    """A job's answer, shortened for assertion messages."""
    d = dict(d)
    for k in ('stdout', 'stderr', 'output'):
        if isinstance(d.get(k), str) and len(d[k]) > limit:
            d[k] = d[k][:limit] + '...[%d more]' % (len(d[k]) - limit)
    return d


class EscapeTestCase(SandrunTestCase):
    """Each attack goes through attack(): a canary beside it, then the daemon and the host are checked."""

    def setUp(self):
        self.source = source_address(self.id())
        self.canary_source = source_address(self.id() + '/canary')

    def job(self, code, lang='python', **kw):
        """One job from this test's own client address, without the canary and the host checks."""
        kw.setdefault('source', self.source)
        return run_json(code, lang, **kw)

    def probe(self, code, lang='python', **kw):
        """A job that prints one JSON document: the document."""
        d = self.attack(code, lang, **kw)
        self.assertEqual((d['status'], d['exit_code']), ('completed', 0), fmt(d))
        try:
            return json.loads(d['stdout'])
        except ValueError:
            self.fail('the probe printed no JSON: %r' % fmt(d))

    def attack(self, code, lang='python', canary_seconds=1.5, canary=True, canary_first=True, watch=False,
               **kw):
        """Runs the hostile job `code` while a canary job runs, then asserts that the canary was left
        alone, that the daemon still answers and that nothing of either job remains. The canary is
        spawned first, or with canary_first=False just after the hostile job. With watch=True the
        daemon must answer within a second all the while. Returns the hostile job's answer;
        self.elapsed is how long it took to come."""
        before = host_state()
        kw.setdefault('source', self.source)
        kw.setdefault('http_timeout', 180)
        hostile = JobThread(code, lang, **kw)
        c = Canary(canary_seconds, self.canary_source) if canary else None
        order = [t for t in ((c, hostile) if canary_first else (hostile, c)) if t]
        latency = LatencyWatch() if watch else None
        for t in order:
            t.start()
            time.sleep(0.15)    # so that the second is spawned while the first runs
        if latency:
            latency.start()
        for t in order:
            t.join(600)
        if latency:
            latency.stop()
            self.assertEqual(latency.errors, [], 'requests failed while the job ran')
            self.assertGreater(len(latency.samples), 0)
            self.assertLess(max(latency.samples), 1.0, 'the daemon was slow to answer while the job ran: %s'
                            % ', '.join('%.2f' % x for x in latency.samples))
        if hostile.error:
            raise hostile.error
        d = hostile.result
        self.elapsed = hostile.elapsed
        ids = [d['job_id']]
        if c:
            self.assertCanaryUnharmed(c)
            ids.append(c.result['job_id'])
        self.assertDaemonAnswers(before)
        self.assertNothingLeft(before, ids)
        return d

    def assertCanaryUnharmed(self, c):
        self.assertIsNone(c.error, 'the canary job failed: %r' % (c.error,))
        d = c.result
        self.assertEqual((d['status'], d['exit_code']), ('completed', 0), 'canary: %r' % fmt(d))
        self.assertEqual(json.loads(d['stdout']), {'nonce': c.nonce, 'problems': []}, 'canary: %r' % fmt(d))
        # Its answer came when it ended, not when the hostile job did: nothing of the canary is held by
        # the other job. The slack covers queueing behind other users' jobs.
        self.assertLess(c.elapsed - d['metrics']['wall_seconds'], 5,
                        'the canary ran %.1fs but its answer took %.1fs' % (d['metrics']['wall_seconds'], c.elapsed))

    def assertDaemonAnswers(self, before=None, within=1.0):
        """sandrund answers a request within `within` seconds and did not crash: systemd did not restart it.
        (A restart by hand, of which NRestarts counts nothing, is someone else's doing.)"""
        r = request('GET', '/languages', timeout=10)
        self.assertEqual(r.status, 200, r)
        self.assertLess(r.elapsed, within, 'GET /languages took %.2fs' % r.elapsed)
        if before is not None:
            now = host_state()
            if now['main_pid'] != before['main_pid']:
                self.assertLessEqual(int(now['restarts'] or 0), int(before['restarts'] or 0),
                                     'sandrund died and systemd restarted it')

    def leftovers(self, before, job_ids):
        """What of the jobs `job_ids` is still on the host: (sentences, stray processes by PID)."""
        now = host_state()
        problems, strays = [], {}
        for jid in job_ids:
            scope = 'sandrun-job-%s.scope' % jid
            if scope in now['scopes']:
                problems.append('%s is still loaded' % scope)
            for p in now['procs']:
                if jid in p['cgroup']:
                    problems.append('process %d (%s) of job %s is still there' % (p['pid'], p['comm'], jid))
            for line in set(now['host_mounts']) - set(before['host_mounts']):
                if jid in line:
                    problems.append('host mount of job %s: %s' % (jid, line))
        # Whatever scope or process a job had, by its id or not (a job that took a warm sandbox ran in the
        # scope the sandbox was started in): none is left that was not there before.
        for what in sorted(set(now['jobs']) - set(before['jobs'])):
            problems.append('%s of a job is still there' % what)
        # A process of the daemon's user that is neither the daemon, nor in a job's scope, nor in another
        # service (someone's second daemon) got away. The daemon's own cgroup holds a job's init for the
        # moment before its scope starts, so only a stray that stays counts (see assertNothingLeft).
        for p in now['procs']:
            if p['uid'] != now['sandrun_uid'] or p['pid'] == now['main_pid'] or not p['cgroup']:
                continue
            unit = cgroup_unit(p['cgroup'])
            if unit == '..':
                continue        # outside the container's systemd altogether: not a job's doing
            if unit == UNIT or not unit.endswith(('.service', '.scope')) or unit == 'init.scope':
                strays[p['pid']] = 'stray process %d (%s) of user sandrun in %s' % (p['pid'], p['comm'], unit)
        if now['main_pid'] == before['main_pid']:
            for line in sorted(set(now['daemon_mounts']) - set(before['daemon_mounts'])):
                problems.append('new mount in the daemon\'s namespace: %s' % line)
            for name in sorted(set(now['daemon_tmp']) - set(before['daemon_tmp'])):
                problems.append('new file in the daemon\'s /tmp: %s' % name)
        return problems, strays

    def assertNothingLeft(self, before, job_ids, timeout=5):
        """Nothing of the jobs remains, at once or within `timeout` seconds; a stray process of the daemon's
        user must have been there all that time to count, since other users' jobs come and go."""
        deadline = time.monotonic() + timeout
        problems, strays = self.leftovers(before, job_ids)
        while problems or strays:
            if time.monotonic() > deadline:
                break
            time.sleep(0.25)
            problems, now = self.leftovers(before, job_ids)
            strays = {pid: text for pid, text in strays.items() if pid in now}
        self.assertEqual(problems + sorted(strays.values()), [], 'left behind by jobs %s' % ', '.join(job_ids))


class LatencyWatch(threading.Thread):
    """Measures how long sandrund takes to answer GET /languages, over and over, until stopped."""

    def __init__(self, interval=0.2):
        super().__init__(daemon=True)
        self.interval = interval
        self.samples = []
        self.errors = []
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            try:
                r = request('GET', '/languages', timeout=10)
                self.samples.append(r.elapsed if r.status == 200 else float('inf'))
            except Exception as e:
                self.errors.append(repr(e))
            self._stop_event.wait(self.interval)

    def stop(self):
        self._stop_event.set()
        self.join(30)
        return self


def main():
    sandrun_test.main()
