# SPDX-License-Identifier: LGPL-2.1-or-later
"""Three sandrun hosts behind HAProxy (cluster_test.py): every promise of one host holds across them.

The tests run in order (test_1 .. test_7) on one cluster that setUpClass brings up and tearDownClass
takes down; a job of more than 60 s runs through HAProxy meanwhile and is checked at the end.
"""
import collections
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cluster_test as ct  # noqa: E402
from cluster_test import client, request, run, node_of, submit, wait_until  # noqa: E402
from sandrun_test import container, container_out  # noqa: E402

CLIENTS = [client(i) for i in range(1, 17)]       # the load and placement clients
CLIENTS2 = [client(i) for i in range(50, 66)]     # the load during reloads
OTHER = client(200)                               # asks about jobs it did not submit
LONG_JOB_SECONDS = 65


def note(fmt, *args):
    sys.stderr.write('  # ' + (fmt % args) + '\n')
    sys.stderr.flush()


def budget(source):
    """The budget left to source on the host HAProxy sends it to, in CPU-s."""
    return float(request('GET', '/healthz', source=source).headers['X-Sandrun-Budget-Remaining'])


def errors(results):
    return [r for r in results if r[2] != 200]


class ClusterTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        if container('which', 'haproxy', 'certtool', check=False).returncode != 0:
            raise AssertionError('haproxy or certtool (gnutls-bin) missing in the container; '
                                 'tests/container/lib.sh installs them')
        ct.up()
        cls.placement = ct.placement(CLIENTS)
        note('placement of 16 client addresses: %s', dict(collections.Counter(cls.placement.values())))
        # A job of more than 60 s, from an address on host a, through HAProxy; checked in test_7.
        cls.long_client = next(a for a in (client(i) for i in range(100, 140))
                               if ct.placement([a])[a] == 'a')
        cls.long_result = {}

        def long_job():
            try:
                t0 = time.monotonic()
                r = run('sleep %d; echo done' % LONG_JOB_SECONDS, source=cls.long_client, timeout=120,
                        http_timeout=200)
                cls.long_result.update(response=r, elapsed=time.monotonic() - t0)
            except Exception as e:  # noqa: BLE001 - reported by test_7
                cls.long_result.update(error=repr(e))
        cls.long_thread = threading.Thread(target=long_job, daemon=True)
        cls.long_thread.start()

    @classmethod
    def tearDownClass(cls):
        if os.environ.get('SANDRUN_CLUSTER_KEEP') != '1':
            ct.down()

    def clients_of(self, node):
        return [a for a, n in self.placement.items() if n == node]

    def batch_job(self, source, slice_of=None):
        """A finished batch job submitted from source; its id. slice_of: check while it runs that its
        scope, named after the id's hex part only, is in that host's slice."""
        r = submit('sleep %d; mkdir -p out; echo "from $(hostname)" > out/result.txt; echo batch'
                   % (2 if slice_of else 0), source)
        self.assertEqual(r.status, 202, r)
        job = r.json()['job_id']
        if slice_of:
            scope = 'sandrun-job-%s.scope' % job.split('-')[0]
            self.assertEqual(container_out('systemctl', 'show', '-p', 'Slice', '--value', scope),
                             'sandrun-%s.slice' % slice_of)
        wait_until(lambda: request('GET', '/status/' + job, source=source).json()['status'] == 'completed',
                   30, what='job %s to complete' % job)
        return job

    # ------------------------------------------------------------------

    def test_1_job_scoped_endpoints_reach_the_host_from_any_address(self):
        self.assertEqual(set(self.placement.values()), set(ct.NODES), 'some host got none of 16 clients')
        for node in ct.NODES:
            source = self.clients_of(node)[0]
            job = self.batch_job(source, slice_of=node)
            self.assertEqual(node_of(job), node)
            # From other addresses, which HAProxy would balance elsewhere, every endpoint finds it.
            for other in [OTHER] + [a for a in CLIENTS if self.placement[a] != node][:2]:
                for path in ('/status/', '/logs/', '/outputs/'):
                    r = request('GET', path + job, source=other)
                    self.assertEqual(r.status, 200, (path, other, r))
                    self.assertEqual(r.json()['job_id'], job)
                self.assertEqual(request('HEAD', '/download/' + job, source=other).status, 200)
            self.assertEqual(request('GET', '/logs/' + job, source=OTHER).json()['stdout'], 'batch\n')
            self.assertEqual(request('GET', '/outputs/' + job, source=OTHER).json()['files'][0]['path'],
                             'out/result.txt')
            r = request('GET', '/download/' + job, source=OTHER)
            self.assertEqual((r.status, r.content_type), (200, 'application/gzip'), r)
            # Downloads are one-shot: the job is gone, on its host, for everyone.
            self.assertEqual(request('GET', '/status/' + job, source=source).status, 404)

    def test_2_unknown_and_foreign_ids_are_404(self):
        job = self.batch_job(self.clients_of('b')[0])
        hexpart = job.split('-')[0]
        for path in ('/status/%s' % hexpart,                     # no node: a's, b's or c's, never b's job
                     '/status/%s-zz' % hexpart,                  # no such host: balanced, then 404
                     '/status/%s-a' % hexpart,                   # another host
                     '/status/%s-b' % ('0' * 32),                # the right host, no such job
                     '/download/%s-c' % hexpart):
            r = request('GET', path, source=OTHER)
            self.assertEqual(r.status, 404, (path, r))
            self.assertEqual(r.json(), {'error': 'no such job'})
        # Straight to another host, the id of b's job is as unknown as any.
        r = request('GET', '/status/' + job, port=ct.HOST_PORT['a'], source=OTHER)
        self.assertEqual((r.status, r.json()), (404, {'error': 'no such job'}))
        self.assertEqual(request('GET', '/status/' + job, source=OTHER).status, 200)

    def test_3_one_address_has_one_budget_in_the_cluster(self):
        hog = client(30)
        busy = ('import time\nt = time.process_time()\nwhile time.process_time() - t < %r: pass\n'
                % (ct.CPU_BUDGET + 0.2))
        nodes, statuses = set(), []
        # The first job spends the whole budget; the next ones wait for it to refill, up to the
        # per-address queue cap; after that the cluster says 429, whichever host a request reached.
        for _ in range(1 + ct.QUEUED_PER_IP + 6):
            r = submit(busy, hog, interpreter='python')
            statuses.append(r.status)
            if r.status == 202:
                nodes.add(node_of(r.json()['job_id']))
            time.sleep(0.3 if len(statuses) == 1 else 0)
            if len(statuses) == 1:
                wait_until(lambda: float(request('GET', '/healthz', source=hog)
                                         .headers['X-Sandrun-Budget-Remaining']) < 0.5,
                           20, what='the budget spent')
        note('one address, %d submissions: %s, accepted on %s', len(statuses), statuses, sorted(nodes))
        self.assertEqual(len(nodes), 1, 'jobs of one address landed on several hosts')
        self.assertEqual(statuses[:1 + ct.QUEUED_PER_IP], [202] * (1 + ct.QUEUED_PER_IP))
        self.assertEqual(statuses[1 + ct.QUEUED_PER_IP:], [429] * 6)
        # Meanwhile others, on the same host or not, run.
        same = next(a for a in CLIENTS if self.placement[a] in nodes)
        for other in (same, client(31), client(32)):
            r = run('echo ok', source=other)
            self.assertEqual((r.status, r.json()['stdout']), (200, 'ok\n'), (other, r))

    def test_4_a_trusted_proxy_is_not_limited_as_one_client(self):
        import socket
        import ssl
        from sandrun_test import tls_context

        def connections(source, n):
            socks, served = [], 0
            for _ in range(n):
                try:
                    s = tls_context().wrap_socket(socket.create_connection(
                        ('127.0.0.1', ct.HOST_PORT['a']), timeout=5, source_address=(source, 0)))
                    socks.append(s)
                except (OSError, ssl.SSLError):
                    continue
            for s in socks:
                try:
                    s.sendall(b'GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n')
                    if s.recv(12).startswith(b'HTTP/1.1 200'):
                        served += 1
                except (OSError, ssl.SSLError):
                    pass
            for s in socks:
                s.close()
            return served
        # 64 connections per address, except from the proxy (127.0.0.1, --trusted-proxy).
        self.assertEqual(connections('127.0.0.1', 100), 100)
        self.assertEqual(connections(client(40), 100), 64)

    def test_5_drain(self):
        node = 'b'
        held = self.batch_job(self.clients_of(node)[0])
        container('systemctl', 'kill', '--kill-who=main', '-s', 'SIGUSR1', 'sandrun-%s.service' % node)
        wait_until(lambda: ct.server_states()[node][0].startswith('DRAIN'), 10,
                   what='HAProxy to see the drain')
        t_drain = time.monotonic()
        # Health is still good, and says so; a job straight to the host is refused, 503.
        r = request('GET', '/healthz', port=ct.HOST_PORT[node])
        self.assertEqual((r.status, r.json()), (200, {'status': 'draining'}))
        r = run('true', port=ct.HOST_PORT[node], source=client(41))
        self.assertEqual(r.status, 503, r)
        self.assertIn('draining', r.json()['error'])
        # New jobs of its clients go elsewhere; its held job is still served, from any address.
        for a in self.clients_of(node):
            r = run('echo ok', source=a)
            self.assertEqual(r.status, 200, r)
            self.assertNotEqual(node_of(r.json()['job_id']), node)
        self.assertEqual(request('GET', '/status/' + held, source=OTHER).json()['status'], 'completed')
        self.assertEqual(request('HEAD', '/download/' + held, source=OTHER).status, 200)
        # Until it expires (--batch-ttl).
        wait_until(lambda: request('GET', '/status/' + held, source=OTHER).status == 404, ct.BATCH_TTL + 10,
                   what='the held job to expire')
        note('held job expired %.1f s after the drain (batch TTL %d s)', time.monotonic() - t_drain,
             ct.BATCH_TTL)
        container('systemctl', 'kill', '--kill-who=main', '-s', 'SIGUSR2', 'sandrun-%s.service' % node)
        wait_until(lambda: ct.server_states()[node][0] == 'UP', 10, what='HAProxy to see the host back')
        back = ct.placement(self.clients_of(node))
        self.assertEqual(set(back.values()), {node}, 'its clients did not come back')

    def test_6_losing_a_host_fails_only_its_jobs(self):
        victim = 'c'
        before = dict(self.placement)
        # One of its clients spends part of its budget there first.
        mover = self.clients_of(victim)[0]
        r = run('import time\nt = time.process_time()\nwhile time.process_time() - t < 1.0: pass\n',
                interpreter='python', source=mover)
        self.assertEqual(r.status, 200, r)
        spent_budget = budget(mover)
        held = self.batch_job(mover)
        load = ct.Load(CLIENTS).start()
        time.sleep(4)
        t_stop = time.monotonic()
        ct.stop_host(victim)
        time.sleep(8)
        results = load.stop()
        others = [r for r in results if before[r[1]] != victim]
        mine = [r for r in results if before[r[1]] == victim]
        note('load: %d requests; clients of %s: %d requests, %d failed %s; others: %d requests, %d failed',
             len(results), victim, len(mine), len(errors(mine)), [e[2] for e in errors(mine)][:5],
             len(others), len(errors(others)))
        self.assertEqual(errors(others), [])
        self.assertGreater(len(others), 50)
        # Its clients are served by the others once HAProxy has seen it go (checks every 2 s, 2 falls).
        late = [r for r in mine if r[0] > t_stop + 5]
        self.assertTrue(late)
        self.assertEqual(errors(late), [])
        self.assertNotIn(victim, {r[3] for r in late})
        # Consistent hashing: only the lost host's clients moved.
        after = ct.placement(CLIENTS)
        moved = sorted(a for a in CLIENTS if after[a] != before[a])
        note('host %s left: %d of 16 addresses moved (all of them its own: %s)', victim, len(moved),
             all(before[a] == victim for a in moved))
        self.assertEqual(moved, sorted(self.clients_of(victim)))
        # Its jobs are lost; their ids now lead nowhere in particular and get the usual 404.
        r = request('GET', '/status/' + held, source=OTHER)
        self.assertEqual((r.status, r.json()), (404, {'error': 'no such job'}))
        # What a move costs in fairness: the client starts afresh on its new host, up to one budget.
        fresh_budget = budget(mover)
        note('a client of %s had %.1f CPU-s of budget left there, %.1f on its new host %s (budget %.1f)',
             victim, spent_budget, fresh_budget, after[mover], ct.CPU_BUDGET)
        self.assertLess(spent_budget, ct.CPU_BUDGET - 0.5)
        self.assertGreater(fresh_budget, spent_budget + 0.5)

        # It joins again: exactly its clients come back.
        ct.start_host(victim)
        wait_until(lambda: ct.server_states()[victim][0] == 'UP', 15, what='HAProxy to see the host back')
        self.assertEqual(ct.placement(CLIENTS), before)

    def test_7_reload_under_load_and_a_long_job(self):
        load = ct.Load(CLIENTS2).start()
        master = container_out('systemctl', 'show', '-p', 'MainPID', '--value', ct.HAPROXY_UNIT)
        workers = [container_out('pgrep', '-n', '-P', master)]
        # Remove a host, then add it back: two reloads, each with a new worker process.
        for nodes in (('a', 'b'), ct.NODES):
            time.sleep(3)
            ct.haproxy_reload(nodes)
            workers.append(wait_until(lambda: (lambda p: p not in workers and p)(
                container_out('pgrep', '-n', '-P', master)), 10, what='a new worker'))
        time.sleep(3)
        results = load.stop()
        note('reloads under load: %d requests, %d failed, workers %s', len(results), len(errors(results)),
             sorted(workers))
        self.assertEqual(errors(results), [])
        self.assertEqual(len(set(workers)), 3)

        self.long_thread.join(LONG_JOB_SECONDS + 60)
        res = self.long_result
        self.assertNotIn('error', res)
        r = res['response']
        self.assertEqual(r.status, 200, r)
        d = r.json()
        self.assertEqual((d['status'], d['stdout'], node_of(d['job_id'])), ('completed', 'done\n', 'a'))
        self.assertGreater(res['elapsed'], 60)
        note('a %d s job through HAProxy: %.1f s, through two reloads', LONG_JOB_SECONDS, res['elapsed'])

    def test_8_cli_submit_through_haproxy(self):
        cli = os.environ.get('SANDRUN_CLI')
        if not cli:
            self.skipTest('SANDRUN_CLI not set (built without libcurl?)')
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 'main.sh'), 'w') as f:
                f.write('mkdir -p out; echo cluster > out/r.txt; echo hi\n')
            p = subprocess.run([cli, 'submit', '-k', '-q', '-s', 'https://127.0.0.1:%d' % ct.PROXY_PORT,
                                '-O', 'out/*', '-o', os.path.join(d, 'got'), os.path.join(d, 'main.sh')],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout, 'hi\n')
            with open(os.path.join(d, 'got', 'out', 'r.txt')) as f:
                self.assertEqual(f.read(), 'cluster\n')

    def test_9_live_output_streams_through_haproxy(self):
        import http.client
        import json
        from sandrun_test import tls_context
        conn = http.client.HTTPSConnection('127.0.0.1', ct.PROXY_PORT, context=tls_context(), timeout=30,
                                           source_address=(client(70), 0))
        code = 'import time\nprint("first", flush=True)\ntime.sleep(3)\nprint("second")\n'
        t0 = time.monotonic()
        try:
            conn.request('POST', '/run', json.dumps({'code': code, 'interpreter': 'python'}),
                         {'Content-Type': 'application/json', 'Accept': 'text/event-stream'})
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            self.assertTrue(r.getheader('Content-Type', '').startswith('text/event-stream'))
            first = None
            for line in iter(r.readline, b''):
                if first is None and line.startswith(b'data: {"text"') and b'first' in line:
                    first = time.monotonic() - t0
                if line.startswith(b'data: {"job_id"'):
                    result = json.loads(line[6:])
                    break
        finally:
            conn.close()
        # The first line arrives while the program sleeps: HAProxy passes events on as they come.
        note('live output through HAProxy: first event after %.2f s of a 3 s job', first)
        self.assertLess(first, 2.5)
        self.assertEqual((result['status'], result['stdout']), ('completed', 'first\nsecond\n'))
        node_of(result['job_id'])


if __name__ == '__main__':
    unittest.main(verbosity=2)
