# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers for sandrun's integration tests. Standard library only.

The tests talk HTTPS to a running sandrund (SANDRUN_URL, default https://127.0.0.1:8443), normally the
one tests/container/sandrun-container installed, and look inside that container through the same
script (SANDRUN_CONTAINER) to check what the daemon did to the system.

Each test file is a unittest module; run one with /usr/bin/python3 tests/integration/test_X.py.
"""
import base64
import hashlib
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
URL = os.environ.get('SANDRUN_URL', 'https://127.0.0.1:8443').rstrip('/')
CONTAINER = os.environ.get('SANDRUN_CONTAINER', os.path.join(HERE, '..', 'container', 'sandrun-container'))
INTERPRETERS = ('python', 'bash', 'sh', 'node', 'perl')
# The compilers the container installs (tests/container/lib.sh); /languages offers them too.
COMPILED = ('c', 'c++', 'java', 'go', 'rust')
JOB_ID_RE = re.compile(r'^[0-9a-f]{32}$')
SCOPE_RE = re.compile(r'^sandrun-job-([0-9a-f]{32})\.scope$')

_parsed = urllib.parse.urlsplit(URL)
HOST = _parsed.hostname
PORT = _parsed.port or 443


class PinMismatch(ssl.SSLError):
    pass


class Response:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers          # http.client.HTTPMessage: case-insensitive get()
        self.body = body
        self.elapsed = elapsed

    @property
    def text(self):
        return self.body.decode('utf-8', 'replace')

    @property
    def content_type(self):
        return (self.headers.get('Content-Type') or '').split(';')[0].strip().lower()

    def json(self):
        if self.content_type != 'application/json':
            raise AssertionError('expected application/json, got %r (HTTP %d): %r'
                                 % (self.content_type, self.status, self.body[:500]))
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise AssertionError('invalid JSON (%s): %r' % (e, self.body[:500]))

    def __repr__(self):
        return '<HTTP %d %s %r>' % (self.status, self.content_type, self.body[:200])


def tls_context():
    """sandrund may serve an ephemeral self-signed certificate: trust is checked by pin instead."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _der_element(data, pos):
    """(start of content, end of element) of the DER element at pos."""
    length = data[pos + 1]
    start = pos + 2
    if length & 0x80:
        n = length & 0x7f
        length = int.from_bytes(data[start:start + n], 'big')
        start += n
    return start, start + length


def spki_pin(der_cert):
    """curl-style public key pin of a DER certificate: sha256// + base64(SHA-256(SubjectPublicKeyInfo))."""
    start, _ = _der_element(der_cert, 0)        # Certificate
    pos, _ = _der_element(der_cert, start)      # tbsCertificate
    if der_cert[pos] == 0xa0:                   # [0] version, optional
        pos = _der_element(der_cert, pos)[1]
    # serialNumber, signature, issuer, validity, subject, then subjectPublicKeyInfo.
    for _ in range(5):
        pos = _der_element(der_cert, pos)[1]
    spki = der_cert[pos:_der_element(der_cert, pos)[1]]
    return 'sha256//' + base64.b64encode(hashlib.sha256(spki).digest()).decode()


def server_pin(source=None):
    with tls_socket(source=source) as s:
        return spki_pin(s.getpeercert(binary_form=True))


def tcp_socket(source=None, timeout=10):
    return socket.create_connection((HOST, PORT), timeout=timeout,
                                    source_address=(source, 0) if source else None)


def tls_socket(source=None, timeout=10):
    """A TLS connection to the daemon, handshake done, nothing sent."""
    raw = tcp_socket(source, timeout)
    try:
        return tls_context().wrap_socket(raw)
    except BaseException:
        raw.close()
        raise


def request(method, path, body=None, headers=None, source=None, timeout=60, pin=None):
    """One HTTPS request on a fresh connection. source: local address to bind (127.0.0.2, ...);
    pin: refuse the server unless its public key has this pin (PinMismatch)."""
    if isinstance(body, str):
        body = body.encode()
    conn = http.client.HTTPSConnection(HOST, PORT, context=tls_context(), timeout=timeout,
                                       source_address=(source, 0) if source else None)
    t0 = time.monotonic()
    try:
        conn.connect()
        if pin is not None:
            got = spki_pin(conn.sock.getpeercert(binary_form=True))
            if got != pin:
                raise PinMismatch('server public key pin %s, expected %s' % (got, pin))
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, r.headers, data, time.monotonic() - t0)
    finally:
        conn.close()


def read_response(sock, timeout=30):
    """Parses one HTTP response from a connected socket (after a hand-made request)."""
    sock.settimeout(timeout)
    r = http.client.HTTPResponse(sock)
    t0 = time.monotonic()
    r.begin()
    return Response(r.status, r.headers, r.read(), time.monotonic() - t0)


def run_json(code, lang='python', stdin=None, args=None, timeout=None, source=None, http_timeout=120,
             expect_status=200):
    """POST /run with a JSON body; returns the decoded JSON answer."""
    req = {'code': code, 'interpreter': lang}
    if stdin is not None:
        req['stdin'] = stdin
    if args is not None:
        req['args'] = args
    if timeout is not None:
        req['timeout'] = timeout
    r = request('POST', '/run', json.dumps(req), {'Content-Type': 'application/json'},
                source=source, timeout=http_timeout)
    if r.status != expect_status:
        raise AssertionError('POST /run answered %d, expected %d: %r' % (r.status, expect_status, r.body[:1000]))
    return r.json()


def run_plain(code, lang='python', source=None, http_timeout=120):
    """POST /run?lang=LANG with the program as the body, as `curl --data-binary @prog` does."""
    r = request('POST', '/run?lang=' + urllib.parse.quote(lang), code,
                {'Content-Type': 'application/octet-stream'}, source=source, timeout=http_timeout)
    if r.status != 200:
        raise AssertionError('POST /run?lang=%s answered %d: %r' % (lang, r.status, r.body[:1000]))
    return r


def run_python_json(code, **kw):
    """Runs python code that prints one JSON document; returns that document."""
    d = run_json(code, 'python', **kw)
    if d.get('exit_code') != 0:
        raise AssertionError('probe job failed: %r' % d)
    return json.loads(d['stdout'])


# ------------------------------------------------------------------ the container

def container(*cmd, input=None, timeout=60, check=True):
    """Runs cmd inside the test container (as root); returns the CompletedProcess, text mode."""
    p = subprocess.run([CONTAINER, 'exec', *cmd], input=input, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError('in the container, %r exited %d:\n%s%s' % (cmd, p.returncode, p.stdout, p.stderr))
    return p


def container_out(*cmd, **kw):
    return container(*cmd, **kw).stdout.strip()


def journal(*args, timeout=60):
    """journalctl ARGS inside the container; its output."""
    p = subprocess.run([CONTAINER, 'journal', *args], capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError('journalctl %r exited %d: %s' % (args, p.returncode, p.stderr))
    return p.stdout


def scope_cpu_usec(unit):
    """The CPU time the kernel counts for a scope's cgroup (cpu.stat usage_usec of the unified hierarchy,
    which the daemon bills from), in usec."""
    out = container_out('sh', '-c', '''
cg=$(systemctl show -p ControlGroup --value %s)
for f in "/sys/fs/cgroup/unified$cg/cpu.stat" "/sys/fs/cgroup$cg/cpu.stat"; do
    [ -n "$cg" ] && [ -e "$f" ] && exec cat "$f"
done
exit 1''' % unit)
    for line in out.splitlines():
        k, _, v = line.partition(' ')
        if k == 'usage_usec':
            return int(v)
    raise AssertionError('no usage_usec in the cpu.stat of %s: %r' % (unit, out))


def unit_property(unit, prop):
    return container_out('systemctl', 'show', '-p', prop, '--value', unit)


def unit_argv(unit):
    """The command line a service starts with, drop-ins included (systemctl show's argv[] of ExecStart)."""
    m = re.search(r'argv\[\]=([^;]*);', unit_property(unit, 'ExecStart'))
    if not m:
        raise AssertionError('cannot read ExecStart of %s' % unit)
    return m.group(1).strip()


def main_pid():
    pid = int(unit_property('sandrun.service', 'MainPID'))
    if pid <= 0:
        raise AssertionError('sandrun.service has no main process')
    return pid


# sandrun-runnerd's default --job-uid-range: every job, and every warm sandbox, runs as one uid of it.
JOB_UIDS = range(0x70000000, 0x70010000)
# The fd on which a warm init waits for its job (SANDBOX_INIT_FD_CONTROL in src/sandbox/sandbox-wire.h).
WARM_CONTROL_FD = 5

# One look at the container, run inside it: every process (uid, comm, one-line cmdline) and, with the
# argument "scopes", every loaded sandrun-job scope with its state and the processes in it. Scopes first,
# then /proc: a process whose scope came up in between still counts, in a scope of unknown state.
_SNAPSHOT = r'''
import json, os, re, subprocess, sys
RECVMSG = {"x86_64": 47, "aarch64": 212}
scopes = {}
want_scopes = sys.argv[1:] == ["scopes"]
if want_scopes:
    out = subprocess.run(["systemctl", "list-units", "--all", "--plain", "--no-legend", "--type=scope",
                          "sandrun-job-*"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if f:
            scopes[f[0]] = {"active": f[2], "sub": f[3], "pids": [], "waiting": []}
procs = {}
for p in os.listdir("/proc"):
    if not p.isdigit():
        continue
    try:
        uid = [l.split()[1] for l in open("/proc/%s/status" % p) if l.startswith("Uid:")][0]
        comm = open("/proc/%s/comm" % p).read().strip()
        cmd = open("/proc/%s/cmdline" % p, "rb").read().decode("utf-8", "replace")
        cgroup = open("/proc/%s/cgroup" % p).read() if want_scopes else ""
    except (OSError, IndexError):
        continue
    procs[p] = (int(uid), comm, " ".join(cmd.replace("\0", " ").split()))   # one line, whatever it holds
    m = re.search(r"/(sandrun-job-[^/\n]+\.scope)(/|$)", cgroup, re.M)
    if not m:
        continue
    try:
        call = open("/proc/%s/syscall" % p).read().split()[:2]
    except OSError:
        call = []
    s = scopes.setdefault(m.group(1), {"active": None, "sub": None, "pids": [], "waiting": []})
    s["pids"].append(int(p))
    # Blocked in recvmsg() on the warm init's control socket: waiting for its one job, none taken yet.
    if call and call[0] == str(RECVMSG[os.uname().machine]) and int(call[1], 16) == WARM_CONTROL_FD:
        s["waiting"].append(int(p))
json.dump({"scopes": scopes, "procs": procs}, sys.stdout)
'''.replace('WARM_CONTROL_FD', str(WARM_CONTROL_FD))


def _snapshot(with_scopes):
    d = json.loads(container_out('/usr/bin/python3', '-c', _SNAPSHOT, *(['scopes'] if with_scopes else [])))
    return d['scopes'], {int(pid): tuple(v) for pid, v in d['procs'].items()}


def processes():
    """{pid: (uid, comm, cmdline)} of every process in the container."""
    return _snapshot(False)[1]


def _warm_init(scope, procs):
    """The scope's init when its processes are a `sandrun-init --warm` of a job uid and, once it is in its
    scope, the first step it forked ahead (comm sandrun-step, the same uid) waiting for a job; else None."""
    if scope['active'] != 'active' or scope['sub'] != 'running' or not 1 <= len(scope['pids']) <= 2:
        return None
    got = [(pid,) + tuple(procs.get(pid, (None, None, None))) for pid in scope['pids']]
    inits = [g for g in got if g[2] == 'sandrun-init' and g[3] == 'sandrun-init --warm' and g[1] in JOB_UIDS]
    if len(inits) != 1:
        return None
    steps = [g for g in got if g[2] == 'sandrun-step' and g[1] == inits[0][1]]
    return inits[0][0] if 1 + len(steps) == len(got) else None


def job_state(settle=2.0):
    """One snapshot: ({scope: {'active', 'sub', 'pids', 'idle_warm'}}, {pid: (uid, comm, cmdline)}) of
    every loaded sandrun-job-*.scope, in any state, and every process in the container.

    An idle warm sandbox is an active scope whose processes are a `sandrun-init --warm` of a job uid that
    waits for its one job (blocked in recvmsg() on its control socket) and the first step it forked ahead. A
    scope with no process, or with any other, is a job's (or what is left of one), never idle warm. A warm
    init in its scope but not waiting is building its sandbox, or has just taken a job and not yet started it, or has just ended it;
    one outside any job scope has not been moved into its scope yet. All of these last milliseconds, so the
    snapshot is taken again for up to `settle` seconds until there is none; one that stays is a job's."""
    deadline = time.monotonic() + settle
    while True:
        scopes, procs = _snapshot(True)
        in_scopes = {pid for s in scopes.values() for pid in s['pids']}
        unsettled = any(p[2] == 'sandrun-init --warm' and pid not in in_scopes for pid, p in procs.items())
        for s in scopes.values():
            pid = _warm_init(s, procs)
            s['idle_warm'] = pid is not None and pid in s['waiting']
            unsettled |= pid is not None and not s['idle_warm']
        if not unsettled or time.monotonic() > deadline:
            return scopes, procs
        time.sleep(0.05)


def job_scopes(idle_warm=False):
    """Loaded sandrun-job-*.scope units, in any state; without the idle warm sandboxes of the runner's pool
    (which wait for a job and belong to none) unless idle_warm."""
    return sorted(name for name, s in job_state()[0].items() if idle_warm or not s['idle_warm'])


def idle_warm_scopes():
    return sorted(name for name, s in job_state()[0].items() if s['idle_warm'])


def job_processes(state=None):
    """{pid: (uid, comm, cmdline)} of jobs: every sandrun-init and whatever runs as a job uid, but the inits
    of idle warm sandboxes."""
    scopes, procs = state or job_state()
    idle = {pid for s in scopes.values() if s['idle_warm'] for pid in s['pids']}
    return {pid: p for pid, p in procs.items() if pid not in idle and (p[1] == 'sandrun-init' or p[0] in JOB_UIDS)}


def no_job_left():
    """Nothing of any job: no job scope (idle warm sandboxes aside) and no job process. For wait_until:
    returns True, or False while anything is left."""
    scopes, procs = state = job_state()
    return not any(not s['idle_warm'] for s in scopes.values()) and not job_processes(state)


def user_uid(name):
    return int(container_out('id', '-u', name))


def wait_until(pred, timeout, interval=0.2, what='condition'):
    """Polls pred() until it returns something true; returns that, or raises AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %ss waiting for %s' % (timeout, what))
        time.sleep(interval)


class SandrunTestCase(unittest.TestCase):
    """Fails the whole class at once, with a clear message, when no daemon answers."""
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        try:
            with tcp_socket(timeout=5):
                pass
        except OSError as e:
            raise AssertionError('sandrun does not answer at %s (%s); start it: sudo %s up'
                                 % (URL, e, os.path.relpath(CONTAINER)))

    def assertJsonError(self, r, status):
        """r is an error answer: HTTP status, JSON object with a non-empty "error" string; returns it."""
        self.assertEqual(r.status, status, r)
        d = r.json()
        self.assertIsInstance(d, dict, r)
        self.assertIsInstance(d.get('error'), str, r)
        self.assertTrue(d['error'].strip(), r)
        return d['error']

    def assertServing(self):
        """The daemon still runs jobs."""
        d = run_json('print(6 * 7)', http_timeout=60)
        self.assertEqual((d['status'], d['stdout']), ('completed', '42\n'), d)


def main():
    """Runs the file's tests. Exits 77 (skipped, for meson and run-all) when every test in it skipped:
    a file whose tests all skipped has shown nothing, and must not count as passed."""
    result = unittest.main(verbosity=2, exit=False).result
    if not result.wasSuccessful():
        sys.exit(1)
    if result.testsRun > 0 and len(result.skipped) == result.testsRun:
        sys.exit(77)
    sys.exit(0 if result.testsRun > 0 else 1)


# ------------------------------------------------------------------ a second daemon with other options

EXTRA_PORT = int(os.environ.get('SANDRUN_EXTRA_PORT', PORT + 30))


class ExtraDaemon:
    """The installed sandrund as a second unit in the container, with the installed unit's user and
    hardening, on a socket unit of its own (127.0.0.1:EXTRA_PORT) with extra options, asking the shared
    sandrun-runnerd for its jobs; for settings the shared daemon does not have (an origin allow-list, a
    receipt key credential). unit_lines: more [Service] lines, e.g. LoadCredential=. sockets: more
    listening sockets by name, e.g. {'metrics': '127.0.0.1:9465'}, each a socket unit of its own with that
    FileDescriptorName=. Use as a context manager."""
    UNIT = 'sandrun-extra.service'
    SOCKET = 'sandrun-extra.socket'

    def __init__(self, *options, unit_lines=(), port=EXTRA_PORT, sockets=None):
        self.options = options
        self.sockets = sockets or {}
        self.unit_lines = unit_lines
        self.port = port
        self.url = 'https://127.0.0.1:%d' % port

    def __enter__(self):
        fragment = unit_property('sandrun.service', 'FragmentPath')
        unit = container_out('cat', fragment)
        lines = []
        for line in unit.splitlines():
            if line.startswith('Restart='):
                continue
            # The front listens only on sockets systemd gives it (its unit has a network of its own).
            line = line.replace('sandrun.socket', self.SOCKET)
            if line == 'RuntimeDirectory=sandrun':
                line = 'RuntimeDirectory=sandrun-extra'
            if line.startswith('ExecStart='):
                line += ' ' + ' '.join(self.options)
            lines.append(line)
            if line == '[Service]':
                lines.extend(self.unit_lines)
        sock = '[Socket]\nListenStream=127.0.0.1:%d\nAccept=no\n' % self.port
        container('sh', '-c', 'systemctl stop %s %s 2>/dev/null; cat > /run/systemd/system/%s && '
                  'printf "$1" > /run/systemd/system/%s'
                  % (self.UNIT, self.SOCKET, self.UNIT, self.SOCKET), 'sh', sock,
                  input='\n'.join(lines) + '\n')
        for name, address in self.sockets.items():
            container('sh', '-c', 'printf "$1" > /run/systemd/system/sandrun-extra-%s.socket' % name, 'sh',
                      '[Socket]\nListenStream=%s\nFileDescriptorName=%s\nService=%s\n' % (address, name, self.UNIT))
        extra = ' '.join('sandrun-extra-%s.socket' % n for n in self.sockets)
        container('sh', '-c', 'systemctl daemon-reload && systemctl start %s %s && systemctl start %s'
                  % (self.SOCKET, extra, self.UNIT))
        wait_until(self._answers, 10, what='%s on port %d' % (self.UNIT, self.port))
        return self

    def _answers(self):
        try:
            socket.create_connection(('127.0.0.1', self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def request(self, method, path, body=None, headers=None, timeout=60):
        conn = http.client.HTTPSConnection('127.0.0.1', self.port, context=tls_context(), timeout=timeout)
        t0 = time.monotonic()
        try:
            conn.request(method, path, body=body.encode() if isinstance(body, str) else body,
                         headers=headers or {})
            r = conn.getresponse()
            return Response(r.status, r.headers, r.read(), time.monotonic() - t0)
        finally:
            conn.close()

    def __exit__(self, *exc):
        extra = ['sandrun-extra-%s.socket' % n for n in self.sockets]
        container('sh', '-c', 'systemctl stop %s %s %s; cd /run/systemd/system && rm -f %s %s %s; '
                  'systemctl daemon-reload' % (self.UNIT, self.SOCKET, ' '.join(extra), self.UNIT, self.SOCKET,
                                               ' '.join(extra)), check=False)
