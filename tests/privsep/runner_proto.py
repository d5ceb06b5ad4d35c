# SPDX-License-Identifier: LGPL-2.1-or-later
"""The runner protocol (src/launcher/runner-protocol.h) from Python, to play a front: good messages and
bad ones, over the runner's SOCK_SEQPACKET socket, with descriptors as SCM_RIGHTS."""

import array
import errno
import os
import socket
import struct
import time

VERSION = 1
HELLO, START, KILL, SET_QUOTA, FREE, CPU_QUERY = 1, 2, 3, 4, 5, 6
WELCOME, RUNNING, FINISHED, CPU, REFUSED, WARM, WARM_GONE = 64, 65, 66, 67, 68, 69, 70

JOB_ID, ARG, ENV, OUTPUT_PATTERN, CODE_NAME, ERROR = 1, 2, 3, 4, 5, 6
F_VERSION, F_FDS, F_TIMEOUT, F_MEMORY_MAX, F_TASKS_MAX, F_CPU_QUOTA, F_PACK, F_REASON, F_ERRNO = range(7, 16)
F_CPU_USEC = 19
COMPILE_ARG, TEST_STDINS, COMPILE_RESULT, RUN_RESULT, CASE_RESULT, EXTRA_BUFFERS = range(43, 49)
F_COMPILE_TIMEOUT = 49
STRING_FIELDS = {JOB_ID, ARG, ENV, OUTPUT_PATTERN, CODE_NAME, ERROR, COMPILE_ARG, TEST_STDINS, COMPILE_RESULT,
                 RUN_RESULT, CASE_RESULT, EXTRA_BUFFERS}
LIST_FIELDS = {ARG, ENV, OUTPUT_PATTERN, COMPILE_ARG, CASE_RESULT}
FD_CODE, FD_STDIN, FD_BUNDLE, FD_RESULT, FD_STDOUT, FD_STDERR, FD_CPU = 1, 2, 4, 8, 16, 32, 64
MESSAGE_MAX = 384 * 1024


def field(tag, value):
    if isinstance(value, int):
        value = struct.pack('<Q', value & (2 ** 64 - 1))
    elif isinstance(value, str):
        value = value.encode()
    return struct.pack('<HHI', tag, 0, len(value)) + value


def message(mtype, *fields, version=VERSION):
    payload = b''.join(fields)
    return struct.pack('<HHI', version, mtype, len(payload)) + payload


def parse(data):
    """(type, {tag: value or [values]}) of a message the runner sent."""
    version, mtype, length = struct.unpack_from('<HHI', data)
    assert version == VERSION and length == len(data) - 8, data
    fields, pos = {}, 8
    while pos < len(data):
        tag, _, n = struct.unpack_from('<HHI', data, pos)
        raw = data[pos + 8:pos + 8 + n]
        value = raw.decode() if tag in STRING_FIELDS else struct.unpack('<Q', raw)[0]
        if tag in LIST_FIELDS:
            fields.setdefault(tag, []).append(value)
        else:
            fields[tag] = value
        pos += 8 + n
    return mtype, fields


def start_fields(job_id, argv=('/bin/sh', '-c', 'true'), fds=0, timeout=5_000_000, code_name=None, extra=()):
    out = [field(JOB_ID, job_id)] + [field(ARG, a) for a in argv]
    if code_name:
        out.append(field(CODE_NAME, code_name))
    out += [field(F_FDS, fds), field(F_TIMEOUT, timeout)]
    return out + list(extra)


class Front:
    """One connection to the runner, as the front makes it."""

    def __init__(self, path, hello=True):
        self.warm = []          # ids of the warm sandboxes the runner says are ready, oldest first
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 2 * MESSAGE_MAX)
        self.sock.connect(path)
        self.sock.settimeout(10)
        if hello:
            self.send(message(HELLO, field(F_VERSION, VERSION)))
            mtype, f = self.receive()
            assert mtype == WELCOME, (mtype, f)
            self.limits = f

    def send(self, data, fds=()):
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', fds))] if fds else []
        return self.sock.sendmsg([data], anc)

    def receive(self, want_fds=False):
        """The next message that is not about warm sandboxes (those update self.warm)."""
        while True:
            m = self.receive_any(want_fds)
            mtype, f = m[0] if want_fds else m
            if mtype == WARM:
                self.warm.append(f[JOB_ID])
            elif mtype == WARM_GONE:
                self.warm = [w for w in self.warm if w != f[JOB_ID]]
            else:
                return m

    def start_job(self, job_id, argv, extra=()):
        """Sends a START whose program writes to two new pipes; returns their read ends (stdout, stderr)."""
        rd, wr = os.pipe()
        erd, ewr = os.pipe()
        self.send(message(START, *start_fields(job_id, argv=argv, fds=FD_STDOUT | FD_STDERR, extra=extra)),
                  [wr, ewr])
        os.close(wr)
        os.close(ewr)
        return rd, erd

    def wait_warm(self, done, timeout=30):
        """Reads messages until done(self.warm) holds; only warm announcements may come meanwhile."""
        deadline = time.monotonic() + timeout
        while not done(self.warm):
            self.sock.settimeout(max(0.1, deadline - time.monotonic()))
            mtype, f = self.receive_any()
            if mtype == WARM:
                self.warm.append(f[JOB_ID])
            elif mtype == WARM_GONE:
                self.warm = [w for w in self.warm if w != f[JOB_ID]]
            else:
                raise AssertionError('the runner sent %d %r unasked' % (mtype, f))
        self.sock.settimeout(10)
        return self.warm

    def receive_any(self, want_fds=False):
        fds = array.array('i')
        data, anc, flags, _ = self.sock.recvmsg(MESSAGE_MAX, socket.CMSG_SPACE(8 * fds.itemsize))
        for level, kind, d in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(d[:len(d) - len(d) % fds.itemsize])
        if not data:
            raise EOFError('the runner closed the connection')
        m = parse(data)
        if want_fds:
            return m, list(fds)
        for fd in fds:
            socket.close(fd)
        return m

    def expect_refused(self, data, fds=(), err=None):
        """Sends data and returns the errno of the REFUSED that must answer it."""
        self.send(data, fds)
        mtype, f = self.receive()
        if mtype != REFUSED:
            raise AssertionError('the runner answered %d %r, not REFUSED, to %r' % (mtype, f, data[:64]))
        if err is not None and f[F_ERRNO] != err:
            raise AssertionError('refused with %s (%s), expected %s' % (errno.errorcode.get(f[F_ERRNO]),
                                                                       f.get(ERROR), errno.errorcode[err]))
        return f[F_ERRNO]

    def close(self):
        self.sock.close()
