#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What an attacker who owns sandrund tries. Run by test_compromised_front.py with the front unit's user,
credentials and sandbox; prints one JSON object: what each attempt got. Arguments: the runner's socket,
the runner's PID, the PID of a running job's init, that job's id (a job of the real front's)."""

import ctypes
import errno
import faulthandler
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner_proto as rp  # noqa: E402

path, runner_pid, init_pid, other_job = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
# A probe that hangs says where.
faulthandler.dump_traceback_later(90, exit=True)
out = {}


def attempt(name, fn):
    try:
        out[name] = fn()
    except OSError as e:
        out[name] = errno.errorcode.get(e.errno, str(e.errno))
    except Exception as e:  # noqa: BLE001 - the outcome is what we report
        out[name] = '%s: %s' % (type(e).__name__, e)


def connect(addr):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect(addr)
    s.close()
    return 'connected'


# The bus, PID 1's private bus, and the abstract namespace.
attempt('system_bus', lambda: connect('/run/dbus/system_bus_socket'))
attempt('var_run_bus', lambda: connect('/var/run/dbus/system_bus_socket'))
attempt('private_bus', lambda: connect('/run/systemd/private'))
attempt('abstract_bus', lambda: connect('\0/org/freedesktop/systemd1/private'))


def run(*cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    return 'exit %d' % p.returncode


attempt('systemd_run_root', lambda: run('systemd-run', '--unit=sandrun-privsep-evil', '-p', 'User=root',
                                        '/bin/touch', '/run/sandrun-privsep-evil'))
attempt('busctl', lambda: run('busctl', '--system', 'list'))


def kill(pid):
    os.kill(pid, signal.SIGKILL)
    return 'signalled'


libc = ctypes.CDLL(None, use_errno=True)


def ptrace(pid):
    if libc.ptrace(16, pid, None, None) == 0:  # PTRACE_ATTACH
        return 'attached'
    raise OSError(ctypes.get_errno(), 'ptrace')


attempt('kill_runner', lambda: kill(runner_pid))
attempt('kill_init', lambda: kill(init_pid))
attempt('ptrace_runner', lambda: ptrace(runner_pid))
attempt('ptrace_init', lambda: ptrace(init_pid))
attempt('read_job_files', lambda: os.listdir('/proc/%d/root/work' % init_pid))
attempt('read_runner_environ', lambda: len(open('/proc/%d/environ' % runner_pid, 'rb').read()))

# The runner protocol, every way but the right one.
ID = 'f00d' * 8


def refused(front, data, fds=()):
    return errno.errorcode.get(front.expect_refused(data, fds), '?')


def protocol():
    r = {}
    f = rp.Front(path, hello=False)
    r['start_before_hello'] = refused(f, rp.message(rp.START, *rp.start_fields(ID)))
    f.send(rp.message(rp.HELLO, rp.field(rp.F_VERSION, 1)))
    assert f.receive()[0] == rp.WELCOME
    r['hello_twice'] = refused(f, rp.message(rp.HELLO, rp.field(rp.F_VERSION, 1)))
    r['garbage'] = refused(f, b'\x00\x01\x02')
    r['random'] = refused(f, b'\x01\x00' + os.urandom(998))     # our version, then noise
    r['other_version'] = refused(f, rp.message(rp.HELLO, rp.field(rp.F_VERSION, 1), version=2))
    good = rp.message(rp.START, *rp.start_fields(ID))
    r['truncated'] = refused(f, good[:len(good) - 5])
    r['length_lie'] = refused(f, good[:4] + (len(good) + 100).to_bytes(4, 'little') + good[8:])
    r['unknown_type'] = refused(f, rp.message(99, rp.field(rp.JOB_ID, ID)))
    r['reply_type'] = refused(f, rp.message(rp.RUNNING, rp.field(rp.JOB_ID, ID)))
    r['kill_before_start'] = refused(f, rp.message(rp.KILL, rp.field(rp.JOB_ID, ID), rp.field(rp.F_REASON, 1)))
    try:
        r['oversized'] = refused(f, rp.message(rp.START, *rp.start_fields(ID, argv=('/bin/sh', 'x' * rp.MESSAGE_MAX))))
    except OSError as e:
        r['oversized'] = 'not sent: ' + errno.errorcode.get(e.errno, '?')
    r['unit_name_id'] = refused(f, rp.message(rp.START, *rp.start_fields('sandrun-job-x.service')))
    r['path_id'] = refused(f, rp.message(rp.START, *rp.start_fields('../../../../run/evil')))
    r['slice_field'] = refused(f, rp.message(rp.START, *rp.start_fields(ID, extra=[rp.field(60, 'Slice=evil.slice')])))
    r['relative_program'] = refused(f, rp.message(rp.START, *rp.start_fields(ID, argv=('sh', '-c', 'true'))))
    limits = f_limits
    for name, tag in (('memory', rp.F_MEMORY_MAX), ('tasks', rp.F_TASKS_MAX), ('cpu', rp.F_CPU_QUOTA)):
        r['higher_' + name] = refused(f, rp.message(rp.START, *rp.start_fields(ID, extra=[rp.field(tag, limits[tag] + 1)])))
    r['higher_timeout'] = refused(f, rp.message(rp.START, *rp.start_fields(ID, timeout=limits[rp.F_TIMEOUT] + 1)))
    r['fd_missing'] = refused(f, rp.message(rp.START, *rp.start_fields(ID, fds=rp.FD_STDIN)))
    devnull = os.open('/dev/null', os.O_RDONLY)
    r['fd_unannounced'] = refused(f, rp.message(rp.START, *rp.start_fields(ID)), [devnull])
    r['fd_too_many'] = refused(f, rp.message(rp.START, *rp.start_fields(ID)), [devnull] * 6)
    d = os.open('/', os.O_RDONLY | os.O_DIRECTORY)
    r['fd_directory'] = refused(f, rp.message(rp.START, *rp.start_fields(ID, fds=rp.FD_STDIN)), [d])
    r['fd_device'] = refused(f, rp.message(rp.START, *rp.start_fields(ID, fds=rp.FD_STDIN)), [devnull])
    # Inputs must be sealed memfds: a front could otherwise change a bundle while the stage reads it.
    unsealed = os.memfd_create('code')
    os.write(unsealed, b'print(1)')
    r['fd_unsealed_memfd'] = refused(f, rp.message(rp.START, *rp.start_fields(ID, fds=rp.FD_STDIN)), [unsealed])
    partly = os.memfd_create('code', os.MFD_ALLOW_SEALING)
    fcntl.fcntl(partly, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
    r['fd_writable_memfd'] = refused(f, rp.message(rp.START, *rp.start_fields(ID, fds=rp.FD_STDIN)), [partly])
    regular = os.open('/etc/hostname', os.O_RDONLY)
    r['fd_regular_file'] = refused(f, rp.message(rp.START, *rp.start_fields(ID, fds=rp.FD_STDIN)), [regular])
    a, b = socket.socketpair()
    r['fd_socket_as_output'] = refused(f, rp.message(rp.START, *rp.start_fields(ID, fds=rp.FD_STDOUT)), [a.fileno()])
    other = other_job
    r['kill_other'] = refused(f, rp.message(rp.KILL, rp.field(rp.JOB_ID, other), rp.field(rp.F_REASON, 3)))
    r['quota_other'] = refused(f, rp.message(rp.SET_QUOTA, rp.field(rp.JOB_ID, other), rp.field(rp.F_CPU_QUOTA, 1)))
    r['cpu_other'] = refused(f, rp.message(rp.CPU_QUERY, rp.field(rp.JOB_ID, other)))
    f.send(rp.message(rp.FREE, rp.field(rp.JOB_ID, other)))      # ignored: not ours
    r['duplicate_of_other'] = refused(f, rp.message(rp.START, *rp.start_fields(other)))

    # Warm sandboxes are announced to every front (WARM). One named for a job it cannot take (a compile
    # step needs a larger memory limit than the warm scope's) is refused, and stays ready for another.
    r['warm_announced'] = len(f.warm)
    own = ID
    if f.warm:
        own = f.warm[-1]
        r['warm_compile'] = refused(f, rp.message(rp.START, *rp.start_fields(
            f.warm[0], extra=[rp.field(rp.COMPILE_ARG, '/bin/true'), rp.field(rp.F_COMPILE_TIMEOUT, 5_000_000)])))
    r['own_job_id'] = own

    # What the front may do: run a job, in the full sandbox, with lower limits; in a warm sandbox, if one
    # is ready, named after it.
    rd, _ = f.start_job(own, ('/bin/sh', '-c', 'id -u; cat /proc/self/cgroup | tail -1'),
                        [rp.field(rp.F_MEMORY_MAX, 64 << 20)])
    seen = []
    while True:
        mtype, fl = f.receive()
        seen.append(mtype)
        if mtype == rp.RUNNING:
            r['own_quota_higher'] = refused(f, rp.message(rp.SET_QUOTA, rp.field(rp.JOB_ID, own),
                                                          rp.field(rp.F_CPU_QUOTA, limits[rp.F_CPU_QUOTA] + 1)))
        if mtype in (rp.FINISHED, rp.REFUSED):
            break
    r['own_job_messages'] = seen
    r['own_job_exit'] = fl.get(17, None)
    r['own_job_stdout'] = os.read(rd, 4096).decode()
    f.close()
    return r


f_limits = None


def with_limits():
    global f_limits
    probe = rp.Front(path)
    f_limits = probe.limits
    probe.close()
    return protocol()


attempt('protocol', with_limits)
print(json.dumps(out))
