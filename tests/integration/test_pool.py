#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Warm sandboxes (sandrun-runnerd --pool-min/--pool-max, on by default): every outcome is the same with the
pool on and off, billing included, a job that takes a warm sandbox runs in a scope named after its own id,
and nothing of the pool is left when the runner is killed or PID 1 re-executes.

The pool is switched with a runtime drop-in on sandrun-runner.service and a restart of the runner (sandrund
reconnects by itself); the drop-in is removed at the end, which leaves the pool as installed (or as
SANDRUN_TEST_POOL=on|off set it). Tolerances: CPU seconds within 0.15 s plus 25%, memory within 2 MB plus 25% (a warm job's memory peak starts when it takes the sandbox, a cold one's
includes the init's own setup), the budget a job costs within 0.3 s of its CPU seconds.
"""
import json
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'batch'))

import batch_test  # noqa: E402
from sandrun_test import (JOB_UIDS, ExtraDaemon, SandrunTestCase, container, idle_warm_scopes,  # noqa: E402
                          job_processes, job_scopes, job_state, journal, main, no_job_left, processes, request,
                          run_json, unit_argv, unit_property, wait_until)

# Never two test files at once (meson: is_parallel false); this one restarts the runner under the others.

RUNNER = 'sandrun-runner.service'
DROPIN_DIR = '/run/systemd/system/sandrun-runner.service.d'
DROPIN = DROPIN_DIR + '/zz-sandrun-test-pool.conf'
POOL = 3

# name: (request, what must be equal both ways)
CASES = {
    'exit code and both streams': (
        {'code': 'import sys\nprint("out")\nprint("err", file=sys.stderr)\nsys.exit(3)\n'},
        ('status', 'exit_code', 'signal', 'reason', 'stdout', 'stderr', 'truncated')),
    'stdin and args': (
        {'code': 'import sys\nprint(sys.argv[1:], sys.stdin.read())\n', 'stdin': 'in put', 'args': ['a', 'b c']},
        ('status', 'exit_code', 'stdout', 'stderr')),
    'killed by a signal': (
        {'code': 'import os\nos.kill(os.getpid(), 9)\n'},
        ('status', 'exit_code', 'signal', 'reason')),
    'timeout': (
        {'code': 'sleep 30', 'interpreter': 'sh', 'timeout': 1},
        ('status', 'exit_code', 'signal', 'reason')),
    'memory': (
        {'code': 'b = bytearray(2 << 30)\n'},
        ('status', 'exit_code', 'signal', 'reason')),
    'output cap': (
        {'code': 'import sys\nsys.stdout.write("x" * (3 << 20))\n'},
        ('status', 'exit_code', 'truncated', 'stdout')),
    'identity and sandbox': (
        {'code': 'import os, socket\nprint(os.getuid(), os.getgid(), os.getpid(), socket.gethostname(), '
                 'sorted(os.listdir("/work")), open("/proc/self/cgroup").read().splitlines()[-1], '
                 'os.sched_getaffinity(0) != set())\n'},
        ('status', 'exit_code', 'stdout', 'stderr')),
    'test cases': (
        {'code': 'print(int(input()) * 2)\n', 'tests': [{'stdin': '1\n', 'expected_output': '2'},
                                                      {'stdin': '5\n', 'expected_output': '11'}]},
        ('status', 'exit_code', 'tests', 'summary')),
}
# Figures differ between any two runs: compared within the tolerances, not as equal.
FIGURES = ('cpu_seconds', 'wall_seconds', 'memory_mb')
BURN = 'import time\nt = time.process_time()\nwhile time.process_time() - t < 0.5: pass\n'


def warm_ready():
    m = re.search(r'(\d+) warm sandboxes ready', unit_property(RUNNER, 'StatusText'))
    return int(m.group(1)) if m else -1


def write_pool_dropin(size):
    """A drop-in for --pool-min=--pool-max=size (0: no pool); None removes it (the pool as installed)."""
    if size is None:
        container('rm', '-f', DROPIN)
    else:
        argv = unit_argv(RUNNER).split(' --pool-')[0]
        container('sh', '-c', 'mkdir -p %s && printf "[Service]\\nExecStart=\\nExecStart=%%s\\n" "$1" > %s'
                  % (DROPIN_DIR, DROPIN), 'sh', '%s --pool-min=%d --pool-max=%d' % (argv, size, size))
    container('systemctl', 'daemon-reload')


def set_pool(size):
    """Restarts the runner with --pool-min=--pool-max=size (0: no pool; None: as installed)."""
    write_pool_dropin(size)
    container('systemctl', 'restart', RUNNER)
    wait_until(lambda: warm_ready() >= (size or 0), 30, what='%s warm sandboxes' % size)
    if size is not None:
        # The last runner's warm sandboxes are gone; every scope left is an idle warm one of this runner.
        wait_until(lambda: len(job_scopes(idle_warm=True)) == len(idle_warm_scopes()) == size, 30,
                   what='exactly %d idle warm sandboxes' % size)
    wait_serving()
    if size is not None:
        # That job took one; its replacement starts a few ms after the job ended (README, "Warm sandboxes"),
        # and the status line is a second late at most: the scopes tell first.
        wait_until(lambda: len(job_scopes(idle_warm=True)) == len(idle_warm_scopes()) == size and
                   warm_ready() >= size, 30, what='exactly %d idle warm sandboxes again' % size)


def wait_serving():
    """sandrund reconnects to a new runner by itself; until then it answers 503."""
    wait_until(lambda: request('POST', '/run?lang=python', 'print(1)', source='127.0.9.1').body == b'1\n', 30,
               interval=0.5, what='jobs to run again')


def scope_started_at(job_id):
    """When systemd started the job's scope sandrun-job-<id>.scope (seconds since the epoch): every job has
    one named after it, cold or warm."""
    for line in journal('-q', '-o', 'json', '-u', 'sandrun-job-%s.scope' % job_id.split('-')[0]).splitlines():
        e = json.loads(line)
        if str(e.get('MESSAGE', '')).startswith('Started '):
            return int(e['__REALTIME_TIMESTAMP']) / 1e6
    raise AssertionError('no scope was started for job %s' % job_id)


def took_warm(job_id, asked_at):
    """Whether the job ran in a warm sandbox: its scope had been started before the job was asked for.
    (The container's journal and this test read the same kernel clock.)"""
    return scope_started_at(job_id) < asked_at


def run(req, source):
    r = request('POST', '/run', json.dumps(dict({'interpreter': 'python'}, **req)),
                {'Content-Type': 'application/json'}, source=source, timeout=120)
    if r.status != 200:
        raise AssertionError('POST /run answered %d: %r' % (r.status, r.body[:500]))
    return r.json(), float(r.headers['X-Sandrun-Budget-Remaining'])


def job_uid_processes():
    return {p: v for p, v in processes().items() if v[0] in JOB_UIDS}


class Pool(SandrunTestCase):
    @classmethod
    def tearDownClass(cls):
        set_pool(None)

    def both_ways(self):
        """{mode: {case: (result, budget cost)}} with the pool off and on, each job from its own address."""
        out = {}
        for n, (mode, size) in enumerate((('cold', 0), ('warm', POOL))):
            set_pool(size)
            res = {}
            for i, (name, (req, _)) in enumerate(list(CASES.items()) + [('burn', ({'code': BURN}, ()))]):
                source = '127.0.9.%d' % (10 + 20 * n + i)
                before = float(request('GET', '/languages', source=source).headers['X-Sandrun-Budget-Remaining'])
                asked_at = time.time()
                d, after = run(req, source)
                # The budget refills meanwhile (10 CPU-seconds a minute): on a busy machine that is a lot.
                refilled = (time.time() - asked_at) * 10 / 60
                res[name] = (d, before - after, refilled)
                # With the pool on, every job took a warm sandbox; off, its scope was started for it.
                self.assertEqual(took_warm(d['job_id'], asked_at), mode == 'warm', (mode, name, d['job_id']))
                # The pool refills between jobs, off the request path.
                wait_until(lambda: warm_ready() >= size, 30, what='the pool to refill')
            out[mode] = res
        return out

    def test_same_outcomes_and_billing(self):
        got = self.both_ways()

        def outcome(d, k):
            if k == 'tests':
                return [{f: v for f, v in c.items() if f not in FIGURES} for c in d.get(k) or []]
            return d.get(k)
        for name, (_, keys) in CASES.items():
            cold, warm = got['cold'][name][0], got['warm'][name][0]
            for k in keys:
                self.assertEqual(outcome(cold, k), outcome(warm, k),
                                 '%s: %s differs: cold %r, warm %r' % (name, k, cold, warm))
        for name in list(CASES) + ['burn']:
            cold, warm = got['cold'][name][0]['metrics'], got['warm'][name][0]['metrics']
            self.assertLessEqual(abs(cold['cpu_seconds'] - warm['cpu_seconds']),
                                 0.15 + 0.25 * max(cold['cpu_seconds'], warm['cpu_seconds']), (name, cold, warm))
            if name not in ('memory',):
                self.assertLessEqual(abs(cold['memory_mb'] - warm['memory_mb']),
                                     2 + 0.25 * max(cold['memory_mb'], warm['memory_mb']), (name, cold, warm))
        for mode in ('cold', 'warm'):
            d, cost, refilled = got[mode]['burn']
            self.assertGreaterEqual(d['metrics']['cpu_seconds'], 0.45, (mode, d))
            self.assertLessEqual(d['metrics']['cpu_seconds'] - cost, 0.3 + refilled,
                                 (mode, cost, refilled, d['metrics']))
            self.assertLessEqual(cost - d['metrics']['cpu_seconds'], 0.3, (mode, cost, d['metrics']))

    def test_batch_uploads_and_outputs(self):
        manifest = {'entrypoint': 'main.py', 'outputs': ['out/*.txt'], 'env': {'GREETING': 'hi'}}
        files = {'main.py': 'import os\nos.mkdir("out")\ndata = open("data.txt").read()\n'
                            'open("out/r.txt", "w").write(os.environ["GREETING"] + data.upper())\nprint(len(data))\n',
                 'data.txt': 'forty-two\n'}
        got = {}
        for mode, size in (('cold', 0), ('warm', POOL)):
            set_pool(size)
            source = '127.0.9.%d' % (90 if mode == 'cold' else 91)
            asked_at = time.time()
            r = batch_test.post_submit(batch_test.submit_parts(manifest, files), source)
            self.assertEqual(r.status, 202, r)
            job_id = r.json()['job_id']
            st = wait_until(lambda: (lambda s: s if s['status'] in ('completed', 'failed') else None)(
                request('GET', '/status/' + job_id, source=source).json()), 60, what='the batch job')
            logs = request('GET', '/logs/' + job_id, source=source).json()
            tar = batch_test.read_tar_gz(request('GET', '/download/' + job_id, source=source).body)
            got[mode] = (st['status'], st['exit_code'], logs['stdout'], logs['stderr'],
                         {k: v[1] for k, v in tar.items()})
            # A batch job that starts as it arrives takes a warm sandbox too: its id is not out yet.
            self.assertEqual(took_warm(job_id, asked_at), mode == 'warm', (mode, job_id))
        self.assertEqual(got['cold'], got['warm'])
        self.assertEqual(got['warm'][4], {'out/r.txt': b'hiFORTY-TWO\n'})

    def lower_limits_jobs(self, mode, size, jobs, got):
        with ExtraDaemon('--memory-max', '64M', '--tasks-max', '8') as d:
            def run(code):
                return d.request('POST', '/run', json.dumps({'code': code, 'interpreter': 'python'}),
                                 {'Content-Type': 'application/json'})
            wait_until(lambda: run('pass').status == 200, 30, interval=0.5, what='the second front to serve')
            for name, (code, _) in jobs.items():
                wait_until(lambda: warm_ready() >= size, 30, what='the pool to refill')
                asked_at = time.time()
                r = run(code)
                self.assertEqual(r.status, 200, r)
                res = r.json()
                got[mode, name] = (res['status'], res['reason'], res['stdout'])
                self.assertEqual(took_warm(res['job_id'], asked_at), mode == 'warm', (mode, name, res))

    def test_lower_limits_are_set_on_the_warm_scope(self):
        """A front that gives its jobs less memory and fewer tasks than the runner: a warm scope started
        with the runner's limits gets the job's own (SetUnitProperties) before the job goes."""
        jobs = {'fits': ('b = bytearray(40 << 20)\nprint("ok")\n', None),
                'over': ('b = bytearray(120 << 20)\nprint("ok")\n', None),
                'forks': ('import os, time\nn = 0\ntry:\n    for i in range(30):\n        if os.fork() == 0:\n'
                          '            time.sleep(2)\n            os._exit(0)\n        n += 1\nexcept OSError:\n'
                          '    pass\nprint(n < 30)\n', None)}
        got = {}
        for mode, size in (('cold', 0), ('warm', POOL)):
            set_pool(size)
            # The runner offers each warm sandbox to one front: with the shared front stopped, every offer
            # goes to this one.
            container('systemctl', 'stop', 'sandrun.socket', 'sandrun.service')
            try:
                self.lower_limits_jobs(mode, size, jobs, got)
            finally:
                container('systemctl', 'start', 'sandrun.socket')
        wait_serving()
        for name in jobs:
            self.assertEqual(got['cold', name], got['warm', name], name)
        self.assertEqual(got['warm', 'fits'], ('completed', None, 'ok\n'))
        self.assertEqual(got['warm', 'over'][:2], ('failed', 'memory'))
        self.assertEqual(got['warm', 'forks'], ('completed', None, 'True\n'))

    def test_idle_warm_sandboxes_told_apart(self):
        """The tests' own rule (sandrun_test.job_state): the pool's idle sandboxes are no job's, the one a
        job took is a job's from the moment it is taken, and so are its init and its processes."""
        set_pool(POOL)
        idle = idle_warm_scopes()
        self.assertEqual((len(idle), job_scopes()), (POOL, []))
        result = {}
        t = threading.Thread(target=lambda: result.update(run_json('sleep 3; echo done', 'sh', http_timeout=60)))
        t.start()
        try:
            # The sandbox the job took is a job's now; its replacement may still be building (not idle yet).
            [scope] = wait_until(lambda: [s for s in job_scopes() if s in idle], 15,
                                 what='the job to take a warm sandbox')
            scopes, procs = state = job_state()
            self.assertFalse(scopes[scope]['idle_warm'])
            self.assertEqual(set(job_processes(state)), set(scopes[scope]['pids']), (scopes, procs))
            # Every other scope is the pool's: one warm init (and the step it forked ahead), idle or (the taken
            # one's replacement, which may become ready at any moment of a snapshot) still building.
            self.assertEqual([n for n, s in scopes.items() if n != scope and not s['idle_warm'] and
                              {procs[p][2] for p in s['pids'] if p in procs} != {'sandrun-init --warm'}],
                             [], scopes)
        finally:
            t.join(60)
        self.assertEqual(result.get('stdout'), 'done\n', result)
        self.assertEqual(scope, 'sandrun-job-%s.scope' % result['job_id'])
        wait_until(no_job_left, 15, what='the job to leave nothing')

    def assertPoolGone(self, scopes, pids):
        def gone():
            left = set(scopes) & set(job_scopes(idle_warm=True))
            procs = processes()
            return not left and not (set(pids) & set(procs))
        wait_until(gone, 15, what='the old warm scopes and inits to go')

    def test_runner_killed_with_a_full_pool(self):
        set_pool(POOL)
        scopes = job_scopes(idle_warm=True)
        pids = job_uid_processes()
        self.assertEqual(len(scopes), POOL, scopes)
        self.assertEqual(job_scopes(), [], 'the warm sandboxes are not idle')
        # Each a warm init and the first step it forked ahead.
        self.assertEqual(len(pids), 2 * POOL, pids)
        self.assertTrue(all('sandrun-init --warm' in v[2] for v in pids.values()), pids)
        # The next runner has no pool: after the kill nothing of the job uids may be left at all.
        write_pool_dropin(0)
        container('systemctl', 'kill', '--kill-whom=main', '--signal=SIGKILL', RUNNER)
        self.assertPoolGone(scopes, pids)
        wait_until(lambda: not job_scopes(idle_warm=True) and not job_uid_processes(), 15,
                   what='no job scope or job uid left')
        wait_until(lambda: unit_property(RUNNER, 'ActiveState') == 'active', 30, what='the runner to restart')
        wait_serving()

    def test_pid1_reexec_rebuilds_the_pool(self):
        set_pool(POOL)
        scopes = job_scopes(idle_warm=True)
        pids = job_uid_processes()
        self.assertEqual(len(scopes), POOL, scopes)
        container('systemctl', 'daemon-reexec', timeout=120)
        self.assertPoolGone(scopes, pids)
        # The status line is a second late at most: the scopes tell first. Each an init and its first step.
        wait_until(lambda: len(job_scopes(idle_warm=True)) == POOL and len(job_uid_processes()) == 2 * POOL
                   and warm_ready() >= POOL, 60, what='the pool to be rebuilt')
        asked_at = time.time()
        d = run_json('print(3)', http_timeout=60)
        self.assertEqual(d['stdout'], '3\n', d)
        self.assertTrue(took_warm(d['job_id'], asked_at), d)


if __name__ == '__main__':
    main()
