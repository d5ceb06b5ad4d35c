# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers for sandrun's fairness tests: several clients, each bound to its own loopback address.

The fairness tests drive the daemon that tests/container/sandrun-container runs, like the integration
tests (whose helpers, tests/integration/sandrun_test.py, this builds on), and need it otherwise idle:
each test waits for that first, because "starts at once" means nothing while someone else's jobs hold
the slots.

Addresses: the fairness tests use 127.0.5.0/24 and nobody else should. Each test file has a block of
20 of them (block(N) is 127.0.5.(20N+1) .. 127.0.5.(20N+20)) and takes from it the addresses whose
budget is full, so that a file run twice within a minute does not start with the first run's debts.

Another daemon (say a patched build started in the container with systemd-run --unit=NAME ... --listen
127.0.0.1:PORT) can be tested instead: SANDRUN_URL=https://127.0.0.1:PORT SANDRUN_SERVICE=NAME.service.
"""
import http.client
import json
import os
import re
import sys
import threading
import time
import unittest
import uuid

# The integration tests' helpers, whether meson set PYTHONPATH or the file was run by hand.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))

import sandrun_test  # noqa: E402
from sandrun_test import HOST, PORT, container, container_out, request, tls_context, unit_property  # noqa: E402

# The daemon's defaults (src/daemon/sandrund.c, src/fair/fair-config.c) that the tests count on.
BUDGET = 10.0                   # CPU seconds per client ...
PERIOD = 60.0                   # ... per this many seconds, refilled continuously
REFILL = BUDGET / PERIOD        # CPU seconds earned per second
MIN_START = 1.0                 # budget a client needs before a job of its starts
RUNNING_PER_IP = 2
QUEUED_PER_IP = 16
DEFAULT_QUOTA_USEC = 1000000    # --cpu-quota 100%: a job's own CPUQuotaPerSecUSec
PYTHON_START_CPU = 0.03         # about what a job costs before its Python code runs

# The unit sandrund runs as (SANDRUN_SERVICE), for its status text and restarts with a drop-in.
SERVICE = os.environ.get('SANDRUN_SERVICE', 'sandrun.service')
DROPIN_DIR = '/run/systemd/system/%s.d' % SERVICE
DROPIN = DROPIN_DIR + '/50-fairness-test.conf'


def busy_python(cpu_seconds, then_sleep_until=None, max_wall=None):
    """Python source that spins until the process has used cpu_seconds of CPU (or max_wall seconds have
    passed since it started), then sleeps until then_sleep_until seconds after its start."""
    return ('import time\n'
            'w = time.monotonic()\n'
            't = time.process_time()\n'
            'while time.process_time() - t < %r and time.monotonic() - w < %r:\n'
            '    pass\n'
            'print("cpu %%.3f" %% (time.process_time() - t), flush=True)\n'
            'left = %r - (time.monotonic() - w)\n'
            'if left > 0:\n'
            '    time.sleep(left)\n'
            % (float(cpu_seconds), float(max_wall or 1e9), float(then_sleep_until or 0)))


def holder(seconds):
    """Python source for a job that holds a running slot for about `seconds` of wall time: it spins (a job
    that sleeps holds no slot: --max-running counts jobs that use the CPU), then ends. Spinning without a
    pause keeps it above the busy threshold (10% of a CPU) also on a loaded machine."""
    return ('import time\n'
            'end = time.monotonic() + %r\n'
            'while time.monotonic() < end:\n'
            '    pass\n' % float(seconds))


def note(fmt, *args):
    """A line for the test log: the figures a passing run saw, to compare with a failing one."""
    sys.stderr.write('  # ' + (fmt % args) + '\n')
    sys.stderr.flush()


# ------------------------------------------------------------------ addresses and budgets

def block(n):
    """The 20 addresses of test file n (0 .. 11)."""
    assert 0 <= n <= 11
    return ['127.0.5.%d' % (20 * n + i) for i in range(1, 21)]


def budget(source, headers=None):
    """X-Sandrun-Budget-Remaining for a request from source, in CPU seconds."""
    r = request('GET', '/languages', headers=headers, source=source)
    return header_budget(r)


def header_budget(r):
    v = r.headers.get('X-Sandrun-Budget-Remaining')
    if v is None:
        raise AssertionError('no X-Sandrun-Budget-Remaining header in %r' % (r,))
    if not re.fullmatch(r'-?\d+\.\d', v):
        raise AssertionError('X-Sandrun-Budget-Remaining is %r, not a number with one decimal' % v)
    return float(v)


def fresh_clients(block_addresses, n, timeout=70):
    """n addresses of the block whose budget is full (untracked or refilled), waiting for refills."""
    deadline = time.monotonic() + timeout
    while True:
        full = [a for a in block_addresses if budget(a) >= BUDGET]
        if len(full) >= n:
            return full[:n]
        if time.monotonic() > deadline:
            raise AssertionError('only %d of %s have a full budget' % (len(full), block_addresses))
        time.sleep(2)


# ------------------------------------------------------------------ jobs

def multipart(fields):
    """(body, content type) of a multipart/form-data body from [(name, filename or None, bytes)]."""
    boundary = 'fairness-' + uuid.uuid4().hex
    out = []
    for name, filename, data in fields:
        disp = 'form-data; name="%s"' % name
        if filename:
            disp += '; filename="%s"' % filename
        out.append(b'--%s\r\nContent-Disposition: %s\r\n\r\n%s\r\n' % (boundary.encode(), disp.encode(), data))
    out.append(b'--%s--\r\n' % boundary.encode())
    return b''.join(out), 'multipart/form-data; boundary=' + boundary


def submit_raw(code, interpreter='sh', source=None, timeout=60, headers=None):
    """POST /submit of a one-file batch job; the Response, whatever its status."""
    name = 'main.py' if interpreter == 'python' else 'main.sh'
    manifest = {'entrypoint': name, 'interpreter': interpreter, 'timeout': timeout}
    body, ctype = multipart([('manifest', None, json.dumps(manifest).encode()), ('file', name, code.encode())])
    return request('POST', '/submit', body, dict(headers or {}, **{'Content-Type': ctype}), source=source)


def submit(code, interpreter='sh', source=None, timeout=60, headers=None):
    """POST /submit that must be accepted; returns (job id, status in the answer: queued or running)."""
    r = submit_raw(code, interpreter, source, timeout, headers)
    if r.status != 202:
        raise AssertionError('POST /submit from %s answered %d: %r' % (source, r.status, r.body[:500]))
    header_budget(r)
    d = r.json()
    return d['job_id'], d['status']


def run_raw(code, interpreter='sh', source=None, headers=None, http_timeout=120):
    """POST /run with a JSON body; the Response, whatever its status."""
    body = json.dumps({'code': code, 'interpreter': interpreter})
    return request('POST', '/run', body, dict(headers or {}, **{'Content-Type': 'application/json'}),
                   source=source, timeout=http_timeout)


class Client:
    """A keep-alive HTTPS connection from one source address, for polling without a handshake each time."""

    def __init__(self, source):
        self.source = source
        self.conn = None

    def get(self, path):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(HOST, PORT, context=tls_context(), timeout=30,
                                                        source_address=(self.source, 0))
            try:
                self.conn.request('GET', path)
                r = self.conn.getresponse()
                body = r.read()
                if r.getheader('Connection', '').lower() == 'close':
                    self.close()
                return sandrun_test.Response(r.status, r.headers, body, 0)
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise

    def status(self, job_id):
        r = self.get('/status/' + job_id)
        if r.status != 200:
            raise AssertionError('GET /status/%s answered %d: %r%s' % (job_id, r.status, r.body[:300],
                                 ' (was sandrund restarted?)' if r.status == 404 else ''))
        return r.json()

    def close(self):
        if self.conn:
            self.conn.close()
        self.conn = None


def status(job_id, source=None):
    r = request('GET', '/status/' + job_id, source=source)
    if r.status != 200:
        raise AssertionError('GET /status/%s answered %d: %r' % (job_id, r.status, r.body[:300]))
    return r.json()


class StartWatcher:
    """Polls /status of batch jobs in a thread and notes when each was first seen out of the queue and
    when it finished (time.monotonic()). Jobs are polled in the order they were added, so a job added
    later is never seen still queued in a sweep that saw an earlier-added job already started."""

    def __init__(self, source, interval=0.05):
        self.client = Client(source)
        self.interval = interval
        self.ids = []
        self.started, self.finished, self.last = {}, {}, {}
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def add(self, job_id, answer_status=None):
        """answer_status: what POST /submit said; a job it called running started then."""
        with self.lock:
            self.ids.append(job_id)
            if answer_status and answer_status != 'queued':
                self.started[job_id] = time.monotonic()

    def _run(self):
        try:
            while not self.stop_event.is_set():
                with self.lock:
                    pending = [j for j in self.ids if j not in self.finished]
                for j in pending:
                    st = self.client.status(j)
                    now = time.monotonic()
                    with self.lock:
                        self.last[j] = st
                        if st['status'] != 'queued':
                            self.started.setdefault(j, now)
                        if st['status'] in ('completed', 'failed'):
                            self.finished[j] = now
                self.stop_event.wait(self.interval)
        except Exception as e:  # noqa: BLE001 - reported by wait() and stop()
            self.error = e

    def wait(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        while True:
            if self.error:
                raise AssertionError('polling /status failed: %r' % (self.error,))
            with self.lock:
                if pred(self):
                    return
            if time.monotonic() > deadline:
                with self.lock:
                    raise AssertionError('timed out after %ss waiting for %s; last statuses: %s'
                                         % (timeout, what, {j[:8]: s.get('status') for j, s in self.last.items()}))
            time.sleep(0.05)

    def wait_started(self, job_ids, timeout):
        self.wait(lambda w: all(j in w.started for j in job_ids), timeout, 'jobs %s to start'
                  % [j[:8] for j in job_ids])

    def wait_finished(self, job_ids, timeout):
        self.wait(lambda w: all(j in w.finished for j in job_ids), timeout, 'jobs %s to finish'
                  % [j[:8] for j in job_ids])

    def stop(self):
        self.stop_event.set()
        self.thread.join(30)
        self.client.close()


def burner(start_level, floor):
    """Python source for one of two jobs that spin together until their client's budget, start_level when
    they started, is down to floor. Each counts the other's CPU time as its own, and what refills."""
    return ('import time\n'
            'w, t = time.monotonic(), time.process_time()\n'
            'while True:\n'
            '    for _ in range(20000):\n'
            '        pass\n'
            '    spent = 2 * (time.process_time() - t + %r)\n'
            '    if %r + (time.monotonic() - w) * %r - spent <= %r:\n'
            '        break\n'
            'print("spent %%.3f" %% spent)\n' % (PYTHON_START_CPU, float(start_level), REFILL, float(floor)))


def burn(source, floor=0.2, timeout=60):
    """Spends source's budget down to about floor (not to zero: a client at zero is throttled) with two
    busy jobs, however fast the machine lets them spin. Returns their job ids, still running."""
    left = budget(source)
    if left <= floor:
        return []
    jobs = []
    for _ in range(2):
        job, st = submit(burner(left, floor), 'python', source=source, timeout=timeout)
        if st != 'running':
            raise AssertionError('a burner of %s did not start: %s' % (source, st))
        jobs.append(job)
    return jobs


# ------------------------------------------------------------------ the daemon

def service_counts():
    """(running, queued) as sandrund last told systemd (it updates its status when a job finishes)."""
    text = unit_property(SERVICE, 'StatusText')
    m = re.match(r'(\d+) running, (\d+) queued', text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def daemon_children():
    """Processes the daemon forked: one per running job (other daemons' jobs share the slice)."""
    out = container_out('sh', '-c', 'ps -o pid= --ppid "$(systemctl show -p MainPID --value %s)"; true' % SERVICE)
    return out.split()


def daemon_identity():
    """(main PID, automatic restarts so far, the time) of the daemon's unit."""
    out = container_out('systemctl', 'show', '-p', 'MainPID,NRestarts', SERVICE)
    props = dict(line.partition('=')[::2] for line in out.splitlines())
    return int(props.get('MainPID') or 0), int(props.get('NRestarts') or 0), int(time.time())


def check_not_crashed(before):
    """Fails if systemd restarted the daemon since daemon_identity() said `before` (it died)."""
    pid, restarts, _ = daemon_identity()
    if restarts > before[1]:
        log = container_out('journalctl', '-u', SERVICE, '--since', '@%d' % before[2], '--no-pager')
        crash = [line for line in log.splitlines() if 'code=' in line or 'status=' in line]
        raise AssertionError('sandrund died during the test and systemd restarted it (pid %d, now %d): %s'
                             % (before[0], pid, ' | '.join(crash[-3:]) or log[-1000:]))
    if pid != before[0]:
        note('sandrund was restarted during the test (pid %d, now %d), by someone', before[0], pid)


def wait_idle(timeout=90):
    """Waits until the daemon runs and queues nothing (its status text and its children agree)."""
    deadline = time.monotonic() + timeout
    while True:
        counts, children = service_counts(), daemon_children()
        if counts == (0, 0) and not children:
            return
        if time.monotonic() > deadline:
            raise AssertionError('sandrun is not idle after %ss (status %r, job processes %r): other jobs '
                                 'would take the slots these tests count on' % (timeout, counts, children))
        time.sleep(0.5)


def scope_of(job_id):
    return 'sandrun-job-%s.scope' % job_id


def parse_usec(text):
    """systemd's timespan as `systemctl show` prints it ("1s", "83.333ms", "infinity") in usec."""
    if text == 'infinity':
        return None
    units = {'us': 1, 'ms': 1000, 's': 1000000, 'min': 60000000}
    total = 0.0
    for num, unit in re.findall(r'([\d.]+)\s*(us|ms|min|s)', text):
        total += float(num) * units[unit]
    if not text or not re.fullmatch(r'(\s*[\d.]+\s*(us|ms|min|s))+\s*', text):
        raise AssertionError('cannot parse the timespan %r' % text)
    return int(round(total))


def scope_quota(job_id):
    """(CPUQuotaPerSecUSec of the job's scope in usec, None for none; the quota the kernel applies, in
    usec per second from cpu.cfs_quota_us / cpu.cfs_period_us (cgroup v1) or cpu.max (v2), None for
    none or when the scope is gone)."""
    out = container_out('sh', '-c', '''
u=%s
systemctl show -p CPUQuotaPerSecUSec --value "$u"
cg=$(systemctl show -p ControlGroup --value "$u")
[ -n "$cg" ] || exit 0
if [ -e "/sys/fs/cgroup/cpu$cg/cpu.cfs_quota_us" ]; then
    echo $(cat "/sys/fs/cgroup/cpu$cg/cpu.cfs_quota_us" "/sys/fs/cgroup/cpu$cg/cpu.cfs_period_us")
elif [ -e "/sys/fs/cgroup$cg/cpu.max" ]; then
    cat "/sys/fs/cgroup$cg/cpu.max"
fi
true''' % scope_of(job_id))
    lines = out.split('\n')
    unit = parse_usec(lines[0].strip())
    kernel = None
    if len(lines) >= 2:
        quota, period = (lines[1].split() + ['', ''])[:2]
        if quota.isdigit() and period.isdigit():
            kernel = int(quota) * 1000000 // int(period)
    return unit, kernel


def scope_cpu_usec(job_id):
    """The CPU time the kernel counts for the job's cgroup, in usec."""
    return sandrun_test.scope_cpu_usec(scope_of(job_id))


def foreign_dropins():
    out = container_out('sh', '-c', 'ls %s 2>/dev/null; true' % DROPIN_DIR)
    return [f for f in out.split() if DROPIN_DIR + '/' + f != DROPIN]


def exec_start():
    """The daemon's command line as its unit has it (the last ExecStart= that counts)."""
    out = container_out('systemctl', 'cat', SERVICE)
    lines = [line.split('=', 1)[1].strip() for line in out.splitlines() if line.startswith('ExecStart=')]
    if not lines or not lines[-1]:
        raise AssertionError('no ExecStart= in %s' % SERVICE)
    return lines[-1].lstrip('@-:+!')


def restart_service(timeout=60):
    container('systemctl', 'daemon-reload')
    container('systemctl', 'restart', SERVICE, timeout=timeout)
    deadline = time.monotonic() + timeout
    while True:
        try:
            r = request('GET', '/languages', timeout=5)
            if r.status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError('sandrun does not answer %ss after a restart' % timeout)
        time.sleep(0.3)


def install_dropin(args, wait_foreign=120):
    """Restarts sandrun with these extra flags (a runtime drop-in). Call remove_dropin() afterwards,
    always: the daemon is shared."""
    deadline = time.monotonic() + wait_foreign
    while foreign_dropins():
        if time.monotonic() > deadline:
            raise unittest.SkipTest('someone else has a drop-in for %s (%s); not overriding it'
                                    % (SERVICE, foreign_dropins()))
        time.sleep(2)
    text = ('# Written by tests/fairness for the duration of a test; it removes it afterwards.\n'
            '[Service]\nExecStart=\nExecStart=%s %s\n' % (exec_start(), ' '.join(args)))
    container('sh', '-c', 'mkdir -p %s && cat > %s' % (DROPIN_DIR, DROPIN), input=text)
    restart_service()
    pid = int(unit_property(SERVICE, 'MainPID'))
    cmdline = container_out('sh', '-c', 'tr "\\0" " " < /proc/%d/cmdline' % pid)
    if not all(a in cmdline for a in args):
        raise AssertionError('sandrund runs as %r, not with %r' % (cmdline, args))


def remove_dropin():
    """Undoes install_dropin(), if it got as far as writing the drop-in."""
    if container('test', '-e', DROPIN, check=False).returncode != 0:
        return
    container('rm', '-f', DROPIN)
    restart_service()


class FairnessTestCase(sandrun_test.SandrunTestCase):
    """Waits for an idle daemon before each test, and after it for the jobs it left."""
    BLOCK = None    # this file's address block number

    def setUp(self):
        wait_idle()
        self.addresses = block(self.BLOCK)
        self.watchers = []
        self.daemon = daemon_identity()
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        for w in self.watchers:
            w.stop()
        check_not_crashed(self.daemon)
        wait_idle()

    def clients(self, n):
        return fresh_clients(self.addresses, n)

    def watcher(self, source):
        w = StartWatcher(source)
        self.watchers.append(w)
        return w

    def assertBilled(self, seen, cpu, since):
        """A full budget, less cpu billed, plus at most what refilled in the `since` seconds that passed
        since the job was asked for (the header has one decimal)."""
        self.assertGreaterEqual(seen, BUDGET - cpu - 0.06, 'budget %.1f after %.3f CPU-s' % (seen, cpu))
        self.assertLessEqual(seen, BUDGET - cpu + since * REFILL + 0.06,
                             'budget %.1f after %.3f CPU-s and %.1f s' % (seen, cpu, since))

    def assertRetryAfter(self, r, low=1, high=86400):
        v = r.headers.get('Retry-After')
        self.assertIsNotNone(v, 'no Retry-After in %r' % (r,))
        self.assertRegex(v, r'^\d+$', 'Retry-After is not delta-seconds')
        self.assertTrue(low <= int(v) <= high, 'Retry-After %s not in [%s, %s]' % (v, low, high))
        return int(v)


def main():
    sandrun_test.main()
