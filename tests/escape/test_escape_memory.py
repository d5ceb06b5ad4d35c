#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""No process of a job holds anything of the daemons: none maps a daemon's binary, and none holds the
TLS private key the internet-facing daemon keeps in memory (a fork of the daemon would hold both). And
a job's processes run, on the host, as a uid of their own that can signal no process of the daemons."""
import json
import threading

from escape_test import UNIT, SandrunTestCase, container, container_out, run_json
from sandrun_test import job_processes, job_scopes, main, unit_property, wait_until

# Inside the container: the daemons' binaries and a secret of theirs, then what the job's processes map
# and hold. argv: the job's cgroup, then the daemons' PIDs (the first holds the TLS key).
PROBE = r'''
import json, os, re, sys

def regions(pid):
    for line in open("/proc/%d/maps" % pid):
        f = line.split()
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        yield lo, hi, f[1], f[5] if len(f) > 5 else ""

def memory(pid):
    """The readable private and anonymous memory of pid, region by region."""
    with open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for lo, hi, perms, path in regions(pid):
            if "r" not in perms or path in ("[vvar]", "[vsyscall]"):
                continue
            try:
                mem.seek(lo)
                yield mem.read(hi - lo)
            except (OSError, OverflowError, ValueError):
                continue

cg, daemons = sys.argv[1], [int(p) for p in sys.argv[2:]]
exes = sorted({os.path.realpath("/proc/%d/exe" % p) for p in daemons})

# The key's PEM body is random: any 48 bytes of it found elsewhere came from the daemon.
needle = None
pem = re.compile(rb"-----BEGIN (?:EC |RSA )?PRIVATE KEY-----\n([A-Za-z0-9+/]{48})")
for chunk in memory(daemons[0]):
    m = pem.search(chunk)
    if m:
        needle = m.group(1)
        break

base = "/sys/fs/cgroup/pids" if os.path.isdir("/sys/fs/cgroup/pids") else "/sys/fs/cgroup"
pids = [int(p) for p in open(base + cg + "/cgroup.procs").read().split()]
out = {"exes": exes, "needle": needle is not None, "procs": {}}
for pid in pids:
    try:
        st = {l.split(":")[0]: l.split()[1:] for l in open("/proc/%d/status" % pid)}
        maps = sorted({path for _, _, _, path in regions(pid) if path.startswith("/")})
        held = needle is not None and any(needle in chunk for chunk in memory(pid))
    except OSError:
        continue
    out["procs"][pid] = {"comm": st["Name"][0], "uid": st["Uid"], "gid": st["Gid"],
                         "daemon_maps": [p for p in maps if os.path.realpath(p) in exes],
                         "sandrun_maps": [p for p in maps if "sandrun" in p], "key": held}
print(json.dumps(out))
'''

# A job with children of several kinds, alive long enough to be looked at.
JOB = 'python3 -c "import time; time.sleep(30)" & sleep 30 & (sleep 30; true) & wait'


def daemon_units():
    """The running sandrun daemons' units, the one that serves us first."""
    out = container_out('systemctl', 'list-units', '--plain', '--no-legend', '--type=service', '--state=running',
                        'sandrun*')
    units = [line.split()[0] for line in out.splitlines() if line.strip()]
    return [UNIT] + sorted(u for u in units if u != UNIT)


def daemon_pids():
    return [int(unit_property(u, 'MainPID')) for u in daemon_units()]


class JobMemory(SandrunTestCase):
    def probe_running_jobs(self, n):
        """Starts n jobs, looks at each while all run; returns [(scope, probe output)]."""
        results = [None] * n
        threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, run_json(JOB, 'sh', http_timeout=90)))
                   for i in range(n)]
        for t in threads:
            t.start()
        try:
            def ready():
                scopes = job_scopes()
                if len(scopes) < n:
                    return None
                probes = [json.loads(container_out('/usr/bin/python3', '-c', PROBE,
                                                   unit_property(s, 'ControlGroup'),
                                                   *map(str, daemon_pids()))) for s in scopes]
                # The init, the shell and its three children: the job is all there.
                return list(zip(scopes, probes)) if all(len(p['procs']) >= 5 for p in probes) else None
            return wait_until(ready, 20, interval=0.5, what='%d jobs with all their processes' % n)
        finally:
            for scope in job_scopes():
                container('systemctl', 'kill', '--signal=KILL', scope, check=False)
            for t in threads:
                t.join(90)

    def test_no_job_process_holds_daemon_memory(self):
        # Idle warm sandboxes (a pool) are no job's; the last test's jobs may take a moment to go.
        wait_until(lambda: not job_scopes(), 10, what='no job scope before the test')
        [(scope, p)] = self.probe_running_jobs(1)
        # The control: the TLS key is where the test looks for it, in the daemon.
        self.assertTrue(p['needle'], 'no PEM private key found in the memory of %s' % UNIT)
        self.assertTrue(p['exes'], p)
        for pid, q in p['procs'].items():
            self.assertEqual(q['daemon_maps'], [], 'job process %s (%s) maps a daemon binary' % (pid, q['comm']))
            self.assertFalse(q['key'], 'job process %s (%s) holds the TLS private key' % (pid, q['comm']))
            # The only sandrun file any of them maps is the init itself.
            self.assertTrue(all(m.endswith('/sandrun-init') for m in q['sandrun_maps']), q)
        self.assertIn('sandrun-init', sorted(q['comm'] for q in p['procs'].values()), p)

    def test_job_uids_are_their_own(self):
        daemons = daemon_units()
        root_runner = any(unit_property(u, 'User') in ('', 'root') for u in daemons)
        if not root_runner:
            self.skipTest('no sandrun daemon runs as root: every job maps to the daemon\'s own uid '
                          '(README: "Job uids")')
        daemon_uids = {container_out('stat', '-c', '%u', '/proc/%d' % pid) for pid in daemon_pids()}
        jobs = self.probe_running_jobs(2)
        outer = []
        for scope, p in jobs:
            uids = {q['uid'][0] for q in p['procs'].values()}
            gids = {q['gid'][0] for q in p['procs'].values()}
            # Every process of a job, the init included, runs as the job's uid, and nothing else does.
            self.assertEqual(len(uids), 1, (scope, p))
            self.assertEqual(uids, gids, (scope, p))
            [uid] = uids
            self.assertNotIn(uid, daemon_uids)
            self.assertGreaterEqual(int(uid), 1879048192)
            outer.append(uid)
            # An escaped job process, with the job's ids and no capabilities, can signal no daemon.
            for pid in daemon_pids():
                r = container('setpriv', '--reuid', uid, '--regid', uid, '--clear-groups', '--inh-caps=-all',
                              'kill', '-0', str(pid), check=False)
                self.assertNotEqual(r.returncode, 0, 'uid %s could signal daemon process %d' % (uid, pid))
        self.assertEqual(len(set(outer)), len(outer), 'two running jobs share an outer uid: %r' % outer)
        # Once a job is gone, no process of its uid is left.
        wait_until(lambda: not job_scopes(), 30, what='the jobs to end')
        # (A uid that is free again may go to a new warm sandbox: an idle one is no job's.)
        left = job_processes()
        for uid in outer:
            self.assertEqual([p for p in left.values() if p[0] == int(uid)], [], 'processes of uid %s left' % uid)


if __name__ == '__main__':
    main()
