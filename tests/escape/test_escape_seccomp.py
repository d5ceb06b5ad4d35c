#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The job's seccomp filter: every forbidden system call is probed with arguments that would make it fail
harmlessly if it were allowed (EBADF, EFAULT, EINVAL, ESRCH, ...), so that EPERM or ENOSYS can only come
from the filter. New namespaces are refused while fork and threads work, and a system call through
another ABI (x32, i386) kills the process."""
import json

from escape_test import PRELUDE, EscapeTestCase, fmt, main

REFUSED = ('EPERM', 'ENOSYS')

# name: (number, arguments, what the kernel itself answers an unprivileged caller if the filter lets the
# call through). The last is documentation and a cross-check: where it is EPERM or ENOSYS as well (a
# capability check comes first, or the kernel lacks the feature), the missing capability also holds.
PROBES = {
    # namespaces and mounts
    'unshare': (272, [0x1], 'EINVAL'),
    'setns': (308, [-1, 0], 'EBADF'),
    'mount': (165, [0, 0, 0, 0, 0], 'EFAULT'),
    'umount2': (166, [0, 0xffff], 'EINVAL'),
    'pivot_root': (155, [0, 0], 'EPERM'),
    'chroot': (161, [0], 'EFAULT'),
    'open_tree': (428, [-1, 0, 0xffffffff], 'EINVAL'),
    'move_mount': (429, [-1, 0, -1, 0, 0xffffffff], 'EPERM'),
    'fsopen': (430, [0, 0xffff], 'EPERM'),
    'fsconfig': (431, [-1, 0, 0, 0, 0], 'EINVAL'),
    'fsmount': (432, [-1, 0xffff, 0], 'EPERM'),
    'fspick': (433, [-1, 0, 0xffff], 'EPERM'),
    'mount_setattr': (442, [-1, 0, 0xffffffff, 0, 0], 'EINVAL'),
    # kernel attack surface
    'io_uring_setup': (425, [1, 0], 'EFAULT'),
    'io_uring_enter': (426, [-1, 0, 0, 0, 0, 0], 'EBADF'),
    'io_uring_register': (427, [-1, 0, 0, 0], 'EINVAL'),
    'bpf': (321, [9999, 0, 0], 'EINVAL'),
    'perf_event_open': (298, [0, 0, -1, -1, 0], 'EFAULT'),
    'userfaultfd': (323, [0xff01], 'EINVAL'),
    # keyrings
    'keyctl': (250, [9999, 0, 0, 0, 0], 'EOPNOTSUPP'),
    'add_key': (248, [0, 0, 0, 0, 0], 'EFAULT'),
    'request_key': (249, [0, 0, 0, 0], 'EFAULT'),
    # other processes
    'ptrace': (101, [16, 0x3fffffff, 0, 0], 'ESRCH'),
    'process_vm_readv': (310, [0x3fffffff, 0, 0, 0, 0, 1], 'EINVAL'),
    'process_vm_writev': (311, [0x3fffffff, 0, 0, 0, 0, 1], 'EINVAL'),
    'process_madvise': (440, [-1, 0, 0, 0, 0], 'EBADF'),
    'kcmp': (312, [0x3fffffff, 0x3fffffff, 99, 0, 0], 'ESRCH'),
    'pidfd_getfd': (438, [-1, 0, 0], 'EBADF'),
    'move_pages': (279, [0x3fffffff, 0, 0, 0, 0, 0], 'ESRCH'),
    'migrate_pages': (256, [0x3fffffff, 0, 0, 0], 'ESRCH'),
    # host administration
    'kexec_load': (246, [0, 0, 0, 0], 'EPERM'),
    'kexec_file_load': (320, [-1, -1, 0, 0, 0xffff], 'EPERM'),
    'init_module': (175, [0, 0, 0], 'EPERM'),
    'finit_module': (313, [-1, 0, 0xffff], 'EPERM'),
    'delete_module': (176, [0, 0], 'EPERM'),
    'syslog': (103, [3, 0, 0], 'EPERM'),
    'acct': (163, [0], 'EPERM'),
    'swapon': (167, [0, 0], 'EPERM'),
    'swapoff': (168, [0], 'EPERM'),
    'reboot': (169, [0, 0, 0, 0], 'EPERM'),
    'quotactl': (179, [0xff, 0, 0, 0], 'EINVAL'),
    'quotactl_fd': (443, [-1, 0, 0, 0], 'EBADF'),
    'sethostname': (170, [0, 99999], 'EPERM'),
    'setdomainname': (171, [0, 99999], 'EPERM'),
    'settimeofday': (164, [0, 0], 'EPERM'),
    'clock_settime': (227, [9999, 0], 'EINVAL'),
    'clock_adjtime': (305, [9999, 0], 'EFAULT'),
    'adjtimex': (159, [0], 'EFAULT'),
    'iopl': (172, [99], 'ENOSYS'),
    'ioperm': (173, [0, 0, 0], 'ENOSYS'),
    'modify_ldt': (154, [99, 0, 0], 'ok'),
    'vhangup': (153, [], 'EPERM'),
    # files by handle or by mount
    'open_by_handle_at': (304, [-1, 0, 0], 'EFAULT'),
    'name_to_handle_at': (303, [-1, 0, 0, 0, 0xffff], 'EINVAL'),
    'fanotify_init': (300, [0xffffffff, 0], 'EPERM'),
    'fanotify_mark': (301, [-1, 0, 0, 0, 0], 'EINVAL'),
    # arguments the filter looks at: the kernel reads them as 32-bit values, so high bits change nothing
    'personality ADDR_NO_RANDOMIZE': (135, [0x0040000], 'ok'),
    'personality READ_IMPLIES_EXEC, high bits': (135, [(1 << 32) | 0x0400000], 'ok'),
    'ioctl TIOCSTI': (16, [-1, 0x5412, 0], 'EBADF'),
    'ioctl TIOCSTI, high bits': (16, [-1, (0xffffffff << 32) | 0x5412, 0], 'EBADF'),
    'ioctl TIOCLINUX': (16, [-1, 0x541c, 0], 'EBADF'),
    # clone3 passes its flags in memory, out of the filter's sight: absent, and libc falls back to clone
    'clone3': (435, [0, 0], 'EINVAL'),
}

# Allowed calls answer these same invalid arguments with the kernel's own errors: the probe method works.
CONTROLS = {
    'close': (3, [-1], 'EBADF'),
    'read': (0, [-1, 0, 0], 'EBADF'),
    'ioctl TCGETS': (16, [-1, 0x5401, 0], 'EBADF'),
    'fcntl': (72, [-1, 1, 0], 'EBADF'),
    'personality query': (135, [0xffffffff], None),     # None: whatever the daemon's own unit allows
}

SYSCALLS = PRELUDE + r'''
probes = json.loads(sys.argv[1])
print(json.dumps({name: sc(nr, *args) for name, (nr, args, _) in probes.items()}))
'''

# Each namespace flag, through clone (raw, so libc cannot pick clone3) and unshare, in a child each time.
NAMESPACES = PRELUDE + r'''
FLAGS = {"NEWNS": 0x20000, "NEWCGROUP": 0x2000000, "NEWUTS": 0x4000000, "NEWIPC": 0x8000000,
         "NEWUSER": 0x10000000, "NEWPID": 0x20000000, "NEWNET": 0x40000000, "NEWTIME": 0x80}
def in_child(f):
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(wr, f().encode())
        os._exit(0)
    os.close(wr)
    os.waitpid(pid, 0)
    return os.read(rd, 100).decode()
def raw_clone(flags):
    ctypes.set_errno(0)
    pid = libc.syscall(ctypes.c_long(56), ctypes.c_ulong(flags | signal.SIGCHLD), 0, 0, 0, 0)
    if pid == 0:
        os._exit(0)
    if pid < 0:
        return errname(ctypes.get_errno())
    os.waitpid(pid, 0)
    return "ok"
r = {"clone": {}, "unshare": {}}
for name, flag in FLAGS.items():
    r["clone"][name] = in_child(lambda: raw_clone(flag))
    r["clone"][name + " high bits"] = in_child(lambda: raw_clone((1 << 32) | flag))
    r["unshare"][name] = in_child(lambda: sc(272, flag))
r["clone"]["NEWUSER|NEWNS"] = in_child(lambda: raw_clone(0x10000000 | 0x20000))
# What must keep working: fork, vfork-style spawning, threads (clone with CLONE_THREAD, ...).
import subprocess, threading
r["fork"] = in_child(lambda: "ok")
r["clone plain"] = in_child(lambda: raw_clone(0))
r["spawn"] = subprocess.run(["/bin/echo", "spawned"], capture_output=True, text=True).stdout.strip()
out = []
ts = [threading.Thread(target=lambda i=i: out.append(i * i)) for i in range(8)]
[t.start() for t in ts]
[t.join() for t in ts]
r["threads"] = sorted(out)
print(json.dumps(r))
'''

# argv[1]: "x32" or "i386". The job's own system call through the other ABI, in a child.
OTHER_ABI = PRELUDE + r'''
import mmap
how = sys.argv[1]
pid = os.fork()
if pid == 0:
    if how == "x32":
        libc.syscall(ctypes.c_long(0x40000000 | 39))                 # x32 getpid
    else:
        # mov eax, 20 (i386 getpid); int 0x80; ret
        code = b"\xb8\x14\x00\x00\x00\xcd\x80\xc3"
        m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        m.write(code)
        addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
        ctypes.CFUNCTYPE(ctypes.c_int)(addr)()
    os._exit(0)                                                      # the call came back: not killed
_, status = os.waitpid(pid, 0)
print(json.dumps({"signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                  "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None}))
'''


class Seccomp(EscapeTestCase):
    def test_forbidden_syscalls_refused(self):
        r = self.probe(SYSCALLS, args=[json.dumps({**PROBES, **CONTROLS})])
        for name, (nr, args, allowed) in CONTROLS.items():
            if allowed:
                self.assertEqual(r[name], allowed, 'control %s: %r' % (name, r))
        for name, (nr, args, allowed) in PROBES.items():
            with self.subTest(syscall=name):
                self.assertIn(r[name], REFUSED, '%s(%s) was let through: %s (an allowed call says %s)'
                              % (name, ', '.join(map(hex, args)), r[name], allowed))
        # Refused calls say EPERM; only calls the list does not know say ENOSYS.
        self.assertEqual(r['clone3'], 'ENOSYS', r)
        self.assertEqual(r['unshare'], 'EPERM', r)

    def test_new_namespaces_refused_fork_and_threads_work(self):
        r = self.probe(NAMESPACES)
        for how in ('clone', 'unshare'):
            for name, res in r[how].items():
                with self.subTest(call=how, flag=name):
                    self.assertEqual(res, 'EPERM', '%s(CLONE_%s): %s' % (how, name, res))
        self.assertEqual(r['fork'], 'ok', r)
        self.assertEqual(r['clone plain'], 'ok', r)
        self.assertEqual(r['spawn'], 'spawned', r)
        self.assertEqual(r['threads'], [i * i for i in range(8)], r)

    def test_x32_abi_kills(self):
        r = self.probe(OTHER_ABI, args=['x32'])
        self.assertEqual(r, {'signal': 31, 'exit': None}, 'an x32 system call was not killed with SIGSYS')

    def test_i386_abi_kills(self):
        r = self.probe(OTHER_ABI, args=['i386'])
        self.assertEqual(r, {'signal': 31, 'exit': None}, 'an int 0x80 system call was not killed with SIGSYS')

    def test_other_abi_in_the_program_itself(self):
        d = self.attack('import ctypes\nctypes.CDLL(None).syscall(0x40000000 | 39)\nprint("survived")\n')
        self.assertEqual((d['status'], d['signal'], d['reason'], d['stdout']), ('failed', 31, 'signal', ''),
                         fmt(d))


if __name__ == '__main__':
    main()
