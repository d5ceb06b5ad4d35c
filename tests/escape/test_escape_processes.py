#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""No way out of the job's processes: the daemon and the host's processes cannot be seen, signalled or
traced, kill(-1) ends only the job's own processes, and ps lists only the job."""
from escape_test import PRELUDE, EscapeTestCase, container_out, fmt, host_state, main

# Runs in the job. argv: the host PIDs (as the container numbers them) of the daemon and of services.
REACH_OUT = PRELUDE + r'''
own = set(int(p) for p in os.listdir("/proc") if p.isdigit())
r = {"own": sorted(own), "host": {}, "init": {}}
SYS_ptrace, SYS_pidfd_open, SYS_process_vm_readv = 101, 434, 310
buf = ctypes.create_string_buffer(8)
class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
iov = iovec(ctypes.addressof(buf), 8)
for pid in map(int, sys.argv[1:]):
    if pid in own:
        continue            # that number is one of the job's own processes here
    r["host"][pid] = {
        "kill0": err(os.kill, pid, 0),
        "kill": err(os.kill, pid, signal.SIGKILL),
        "pidfd_open": sc(SYS_pidfd_open, pid, 0),
        "ptrace": sc(SYS_ptrace, 16, pid, 0, 0),                 # PTRACE_ATTACH
        "proc": os.path.exists("/proc/%d" % pid),
    }
# The job's own init is its PID 1: visible, but out of reach.
i = r["init"]
for f in ("environ", "mem", "maps", "auxv", "stack", "syscall"):
    i[f] = err(lambda p: open(p, "rb").read(1), "/proc/1/" + f)
for f in ("fd", "root", "cwd", "exe", "map_files"):
    i[f] = err(os.listdir if f in ("fd", "map_files") else os.readlink, "/proc/1/" + f)
i["ptrace_attach"] = sc(SYS_ptrace, 16, 1, 0, 0)
i["ptrace_seize"] = sc(SYS_ptrace, 0x4206, 1, 0, 0)
i["vm_readv"] = sc(SYS_process_vm_readv, 1, ctypes.addressof(iov), 1, ctypes.addressof(iov), 1, 0)
for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP, signal.SIGINT, signal.SIGSEGV):
    i["kill%d" % sig] = err(os.kill, 1, sig)
fd = libc.syscall(ctypes.c_long(SYS_pidfd_open), 1, 0)
i["pidfd_kill"] = sc(424, fd, signal.SIGKILL, 0, 0) if fd >= 0 else "no pidfd"
# Even a child of its own is not traceable.
child = os.fork()
if child == 0:
    signal.pause()
    os._exit(0)
i["ptrace_child"] = sc(SYS_ptrace, 16, child, 0, 0)
i["vm_readv_child"] = sc(SYS_process_vm_readv, child, ctypes.addressof(iov), 1, ctypes.addressof(iov), 1, 0)
os.kill(child, signal.SIGKILL)
os.waitpid(child, 0)
time.sleep(0.2)
with open("/proc/1/status") as f:
    i["state"] = [l.split()[1] for l in f if l.startswith("State:")][0]
print(json.dumps(r))
'''

KILL_ALL = PRELUDE + r'''
kids = sleepers(4)
os.kill(-1, signal.SIGKILL)
codes = [os.waitstatus_to_exitcode(os.waitpid(k, 0)[1]) for k in kids]
print(json.dumps({"children": codes, "init": os.path.exists("/proc/1"), "me": os.getpid()}))
'''

# ps only once the background shell has become sleep, or it may list it as a second sh.
PS = ('sleep 30 & while [ "$(cat /proc/$!/comm)" != sleep ]; do :; done; '
      'ps -e -o pid=,ppid=,comm=; kill $!')


class Processes(EscapeTestCase):
    def test_daemon_and_host_processes_out_of_reach(self):
        state = host_state()
        # The daemon, and services of the container that run as root or as other users.
        targets = {state['main_pid']}
        for p in state['procs']:
            if p['comm'] in ('systemd', 'systemd-journal', 'dbus-daemon', 'polkitd', 'systemd-logind'):
                targets.add(p['pid'])
        r = self.probe(REACH_OUT, args=[str(p) for p in sorted(targets)])

        self.assertLessEqual(len(r['own']), 3, 'processes the job sees: %r' % r['own'])
        self.assertIn(1, r['own'])
        self.assertGreaterEqual(len(r['host']), 2, 'no host PID was probed: %r' % r)
        for pid, res in r['host'].items():
            self.assertEqual(res, {'kill0': 'ESRCH', 'kill': 'ESRCH', 'pidfd_open': 'ESRCH',
                                   'ptrace': 'EPERM', 'proc': False}, 'host PID %s' % pid)
        i = r['init']
        for f in ('environ', 'mem', 'maps', 'auxv', 'stack', 'syscall', 'fd', 'root', 'cwd', 'exe', 'map_files'):
            self.assertIn(i[f], ('EACCES', 'EPERM'), '/proc/1/%s of the job\'s init: %r' % (f, i))
        for k in ('ptrace_attach', 'ptrace_seize', 'vm_readv', 'ptrace_child', 'vm_readv_child'):
            self.assertEqual(i[k], 'EPERM', '%s: %r' % (k, i))
        # Signals to the init are dropped (it is the namespace's init), so the job was reported normally.
        self.assertIn(i['state'], ('S', 'R'), i)
        # Every process the job aimed at is still there.
        alive = container_out('sh', '-c', 'for p in %s; do kill -0 $p && echo $p; done; true'
                              % ' '.join(map(str, sorted(targets)))).split()
        self.assertEqual(sorted(map(int, alive)), sorted(targets))

    def test_kill_minus_one_ends_only_the_job(self):
        r = self.probe(KILL_ALL, canary_seconds=2)
        self.assertEqual(r['children'], [-9] * 4, r)
        self.assertTrue(r['init'], r)

    def test_ps_shows_only_the_job(self):
        d = self.attack(PS, 'sh', canary_seconds=1)
        self.assertEqual(d['exit_code'], 0, fmt(d))
        rows = [line.split() for line in d['stdout'].splitlines()]
        comms = sorted(row[2] for row in rows)
        # The job's init (sandrun-init, exec'd, PID 1), the shell, its sleep and ps: nothing else, no canary.
        self.assertEqual(comms, sorted(['sandrun-init', 'sh', 'sleep', 'ps']), d['stdout'])
        self.assertEqual([row[0] for row in rows if row[2] == 'sandrun-init'], ['1'], d['stdout'])
        self.assertNotIn('canary', d['stdout'])


if __name__ == '__main__':
    main()
