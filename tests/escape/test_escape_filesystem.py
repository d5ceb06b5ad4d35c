#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The job's file system: nothing of the host is writable, no host Unix socket is there to connect to,
/dev holds only the harmless devices, /proc shows only the job's processes, and the mount table names
no host path and no job."""
import os

from escape_test import PRELUDE, EscapeTestCase, container, container_out, main

# Where a job may write: its own tmpfs instances, and its own proc (whose kernel knobs are read-only).
WRITABLE_MOUNTS = {'/dev/shm', '/proc', '/tmp', '/work'}

WRITE_HOST = PRELUDE + r'''
r = {"mounts": {}, "create": {}, "open": {}, "meta": {}, "writable_dirs": []}
for line in open("/proc/self/mountinfo"):
    f = line.split()
    sep = f.index("-")
    r["mounts"][f[4]] = {"rw": "rw" in f[5].split(","), "fstype": f[sep + 1], "source": f[sep + 2]}
for d in ("/", "/usr", "/usr/bin", "/usr/lib", "/usr/local", "/etc", "/etc/ssl", "/var", "/dev",
          "/proc", "/proc/sys", "/proc/sys/kernel", "/proc/1"):
    r["create"][d] = err(lambda p: os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)),
                         os.path.join(d, "escape-probe"))
for f in ("/etc/hosts", "/etc/passwd", "/etc/ld.so.cache", "/usr/bin/python3", "/usr/lib/os-release",
          "/proc/sys/kernel/hostname", "/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches",
          "/proc/sys/kernel/ns_last_pid", "/proc/sys/net/ipv4/ip_forward", "/proc/1/oom_score_adj",
          "/proc/1/comm", "/proc/self/setgroups"):
    r["open"][f] = err(lambda p: os.close(os.open(p, os.O_WRONLY)), f)
# Already written by the init, once and for all: no wider mapping (host root, say) can follow.
for f in ("/proc/self/uid_map", "/proc/self/gid_map"):
    r["meta"][f] = err(lambda p: os.write(os.open(p, os.O_WRONLY), b"0 0 4294967295\n"), f)
r["meta"]["chmod"] = err(os.chmod, "/etc/hosts", 0o666)
r["meta"]["chown"] = err(os.chown, "/usr/bin/python3", 1000, 1000)
r["meta"]["utime"] = err(os.utime, "/etc/hosts")
r["meta"]["rename"] = err(os.rename, "/etc/hosts", "/etc/hosts.escape")
r["meta"]["unlink"] = err(os.unlink, "/etc/passwd")
r["meta"]["rmdir"] = err(os.rmdir, "/usr/local")
r["meta"]["symlink"] = err(os.symlink, "/work", "/usr/escape-link")
r["meta"]["mkdir"] = err(os.mkdir, "/etc/escape-dir")
r["meta"]["setxattr"] = err(os.setxattr, "/etc/hosts", "user.escape", b"1")
for top in ("/usr", "/etc", "/var"):
    for d, dirs, _ in os.walk(top):
        if os.access(d, os.W_OK):
            r["writable_dirs"].append(d)
print(json.dumps(r))
'''

HOST_SOCKETS = ('/run/dbus/system_bus_socket', '/run/systemd/journal/socket', '/run/systemd/journal/stdout',
                '/run/systemd/private', '/run/systemd/notify', '/dev/log')

REACH_SOCKETS = PRELUDE + r'''
import stat
def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect(path)
paths = sys.argv[1:]
r = {"connect": {p: err(connect, p) for p in paths},
     "via_init": {p: err(connect, "/proc/1/root" + p) for p in paths},
     "run": err(os.listdir, "/run"), "sockets": []}
# Any socket at all in the job's file system, besides its own (none yet)?
for top in ("/usr", "/etc", "/dev", "/var", "/tmp", "/work"):
    for d, dirs, files in os.walk(top):
        for name in dirs + files:
            p = os.path.join(d, name)
            try:
                if stat.S_ISSOCK(os.lstat(p).st_mode):
                    r["sockets"].append(p)
            except OSError:
                pass
print(json.dumps(r))
'''

DEV = PRELUDE + r'''
import stat
r = {"entries": sorted(os.listdir("/dev")), "nodes": {}, "links": {}}
for n in ("null", "zero", "full", "random", "urandom"):
    st = os.stat("/dev/" + n)
    r["nodes"][n] = [stat.S_ISCHR(st.st_mode), os.major(st.st_rdev), os.minor(st.st_rdev)]
for n in ("fd", "stdin", "stdout", "stderr"):
    r["links"][n] = os.readlink("/dev/" + n)
r["shm"] = [stat.S_ISDIR(os.stat("/dev/shm").st_mode), os.listdir("/dev/shm")]
# No way to add a device: mknod needs CAP_MKNOD, and the tmpfs are nodev anyway.
r["mknod_dev"] = err(os.mknod, "/dev/shm/mem", 0o600 | stat.S_IFCHR, os.makedev(1, 1))
r["mknod_work"] = err(os.mknod, "/work/kmsg", 0o600 | stat.S_IFCHR, os.makedev(1, 11))
# The usual ways to the host's devices and kernel memory are absent.
r["absent"] = {p: err(os.stat, p) for p in ("/dev/mem", "/dev/kmem", "/dev/port", "/dev/kmsg", "/dev/tty",
                                             "/dev/console", "/dev/sda", "/dev/vda", "/dev/fuse", "/dev/net/tun",
                                             "/dev/kvm", "/dev/userfaultfd", "/dev/ptmx", "/dev/mqueue")}
print(json.dumps(r))
'''

PROC = PRELUDE + r'''
kids = sleepers(2)
time.sleep(0.1)
r = {"pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()), "me": os.getpid(), "kids": kids,
     "nspid": {}, "cgroup": open("/proc/self/cgroup").read().split("\n"), "comms": {}}
for p in r["pids"]:
    with open("/proc/%d/status" % p) as f:
        r["nspid"][p] = [l.split()[1:] for l in f if l.startswith("NSpid:")][0]
    r["comms"][p] = open("/proc/%d/comm" % p).read().strip()
for k in kids:
    os.kill(k, signal.SIGKILL)
    os.waitpid(k, 0)
print(json.dumps(r))
'''

MOUNTINFO = PRELUDE + r'''
print(json.dumps({"mountinfo": open("/proc/self/mountinfo").read(), "mounts": open("/proc/self/mounts").read()}))
'''

# The host entries a job's root may show, besides the job's own tmpfs and proc (sandbox-layout.c).
ETC_ENTRIES = {
    'alternatives', 'bash.bashrc', 'ca-certificates', 'ca-certificates.conf', 'debian_version', 'environment',
    'gai.conf', 'host.conf', 'hosts', 'inputrc', 'java-17-openjdk', 'java-21-openjdk', 'ld.so.cache',
    'ld.so.conf', 'ld.so.conf.d', 'locale.alias', 'localtime', 'magic', 'magic.mime', 'mime.types',
    'nsswitch.conf', 'os-release', 'perl', 'profile', 'protocols', 'python3', 'python3.11', 'python3.12',
    'python3.13', 'rpc', 'services', 'ssl', 'timezone', 'xdg',
}
DEV_NODES = {'null', 'zero', 'full', 'random', 'urandom'}
PROC_READ_ONLY = {'sys', 'sysrq-trigger', 'irq', 'bus', 'fs'}
PROC_MASKED = {'cmdline', 'modules', 'kallsyms', 'timer_list', 'sched_debug', 'keys', 'key-users', 'kcore'}

READ_MASKED = PRELUDE + r'''
r = {}
for name in sys.argv[1:]:
    try:
        with open("/proc/" + name, "rb") as f:
            r[name] = len(f.read(65536))
    except OSError as e:
        r[name] = errname(e.errno)
print(json.dumps(r))
'''


class FileSystem(EscapeTestCase):
    def test_no_host_file_writable(self):
        r = self.probe(WRITE_HOST)
        rw = {m for m, v in r['mounts'].items() if v['rw']}
        self.assertLessEqual(rw, WRITABLE_MOUNTS, 'writable mounts: %r' % r['mounts'])
        for m in rw:
            self.assertIn(r['mounts'][m]['fstype'], ('tmpfs', 'proc'), (m, r['mounts'][m]))
        # The job's proc is its own, but the kernel knobs under it stay out of reach all the same.
        for p in ('/proc/sys', '/proc/irq', '/proc/bus', '/proc/fs'):
            self.assertFalse(r['mounts'].get(p, {'rw': True})['rw'], '%s is not a read-only mount' % p)
        for what in ('create', 'open', 'meta'):
            for path, res in r[what].items():
                with self.subTest(what=what, path=path):
                    self.assertIn(res, ('EROFS', 'EACCES', 'EPERM', 'ENOENT'), '%s %s: %s' % (what, path, res))
        # The root and /dev belong to the job's user; only being read-only keeps them as they are.
        self.assertEqual(r['create']['/'], 'EROFS', r['create'])
        self.assertEqual(r['create']['/dev'], 'EROFS', r['create'])
        self.assertEqual(r['writable_dirs'], [])
        # And on the host nothing appeared.
        p = container('sh', '-c', 'ls -d /escape-probe /usr/escape-probe /etc/escape-probe /etc/escape-dir '
                      '/usr/escape-link /etc/hosts.escape 2>/dev/null; test -e /etc/hosts -a -e /etc/passwd',
                      check=False)
        self.assertEqual((p.returncode, p.stdout), (0, ''), p)

    def test_no_host_unix_socket_reachable(self):
        # The control: the sockets exist in the container, where the daemon runs.
        p = container('sh', '-c', 'for s in %s; do test -S $s && echo $s; done; true' % ' '.join(HOST_SOCKETS))
        present = p.stdout.split()
        self.assertIn('/run/dbus/system_bus_socket', present)
        self.assertIn('/run/systemd/private', present)
        r = self.probe(REACH_SOCKETS, args=present)
        for path in present:
            self.assertEqual(r['connect'][path], 'ENOENT', r)
            self.assertIn(r['via_init'][path], ('EACCES', 'EPERM'), r)
        self.assertEqual(r['run'], 'ENOENT', r)
        self.assertEqual(r['sockets'], [], r)

    def test_dev_has_only_harmless_devices(self):
        r = self.probe(DEV)
        self.assertEqual(r['entries'], sorted(DEV_NODES | {'fd', 'stdin', 'stdout', 'stderr', 'shm'}), r)
        self.assertEqual(r['nodes'], {'null': [True, 1, 3], 'zero': [True, 1, 5], 'full': [True, 1, 7],
                                      'random': [True, 1, 8], 'urandom': [True, 1, 9]})
        self.assertEqual(r['links'], {'fd': '/proc/self/fd', 'stdin': '/proc/self/fd/0',
                                      'stdout': '/proc/self/fd/1', 'stderr': '/proc/self/fd/2'})
        self.assertEqual(r['shm'], [True, []])
        self.assertEqual(r['mknod_dev'], 'EPERM', r)
        self.assertEqual(r['mknod_work'], 'EPERM', r)
        self.assertEqual(set(r['absent'].values()), {'ENOENT'}, r['absent'])

    def test_proc_shows_only_the_job(self):
        r = self.probe(PROC)
        self.assertEqual(r['pids'], sorted([1, r['me']] + r['kids']), r)
        # One PID each: no outer namespace's numbers show through.
        self.assertEqual(sorted(len(v) for v in r['nspid'].values()), [1] * len(r['pids']), r['nspid'])
        self.assertNotIn('canary', ' '.join(r['comms'].values()))
        # The cgroup namespace hides where the job's scope sits.
        self.assertEqual([l.rsplit(':', 1)[1] for l in r['cgroup'] if l], ['/'] * len([l for l in r['cgroup'] if l]),
                         r['cgroup'])

    def test_host_wide_proc_files_read_empty(self):
        # The control: the host's boot command line is not empty, so an empty one is the mask's doing.
        self.assertNotEqual(container_out('cat', '/proc/cmdline').strip(), '')
        names = sorted(PROC_MASKED)
        r = self.probe(READ_MASKED, args=names)
        for name in names:
            with self.subTest(file=name):
                # Empty, or absent from this kernel (then the job has nothing to read either).
                self.assertIn(r[name], (0, 'ENOENT'), r)
        self.assertEqual(r['cmdline'], 0, r)

    def test_mount_table_names_no_host_path_or_job(self):
        r = self.probe(MOUNTINFO)
        allowed = {'/', '/usr', '/etc', '/dev', '/dev/shm', '/proc', '/tmp', '/work'}
        allowed |= {'/etc/' + e for e in ETC_ENTRIES} | {'/dev/' + n for n in DEV_NODES}
        allowed |= {'/proc/' + p for p in PROC_READ_ONLY | PROC_MASKED}
        allowed |= {'/' + e for e in ('bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32')}
        for line in r['mountinfo'].splitlines():
            f = line.split()
            root, point = f[3], f[4]
            self.assertIn(point, allowed, line)
            # A bind shows the part of its file system it shows: the same path for host dirs, the node
            # for /dev, the subtree for proc; the job's own tmpfs are whole.
            if point.startswith(('/usr', '/etc', '/bin', '/sbin', '/lib')):
                self.assertEqual(root, point, line)
            elif point.startswith('/dev/') and point != '/dev/shm':
                self.assertEqual(root, point[len('/dev'):], line)
            elif point[len('/proc/'):] in PROC_MASKED:
                self.assertEqual(root, '/null', line)
            elif point.startswith('/proc/'):
                self.assertEqual(root, point[len('/proc'):], line)
            else:
                self.assertEqual(root, '/', line)
        for text in (r['mountinfo'], r['mounts']):
            self.assertNotRegex(text, r'(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])', 'a job id in the mount table')
            for word in ('sandrun-job', 'systemd-private', '/run/sandrun/', '/var/lib', '/home', '/root'):
                self.assertNotIn(word, text)


if __name__ == '__main__':
    main()
