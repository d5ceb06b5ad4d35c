# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench/run --cluster: the three-host cluster of tests/cluster (sandrun hosts behind HAProxy, in the
test container) measured for what the proxy adds:

- the HAProxy hop: p50 of the same request straight to a host and through HAProxy to that same host
  (the client's address hashes there), each on one keep-alive TLS connection, in alternating blocks so
  that drift in the machine's load falls on both alike. Goal: under 0.5 ms added at p50.
- the spread of jobs over the hosts under 16 client addresses, and of 240 addresses.
"""
import collections
import json
import os
import sys
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, 'tests', 'cluster'))
sys.path.insert(0, os.path.join(SRC, 'tests', 'integration'))

import cluster_test as ct  # noqa: E402
import http.client  # noqa: E402
from sandrun_test import tls_context  # noqa: E402

# Budgets out of the way: this measures the proxy, not fairness.
OPTIONS = ['--trusted-proxy', '127.0.0.1/32', '--cpu-budget', '3600s', '--max-queued-per-ip', '64']
ADDRESSES = [ct.client(i) for i in range(150, 166)]


def log(msg):
    print('bench: ' + msg, file=sys.stderr, flush=True)


def pct(values, p):
    s = sorted(values)
    return s[max(0, min(len(s) - 1, -(-p * len(s) // 100) - 1))]


class KeepAlive:
    def __init__(self, port, source):
        self.conn = http.client.HTTPSConnection('127.0.0.1', port, context=tls_context(), timeout=60,
                                                source_address=(source, 0))

    def time(self, method, path, body=None, headers=None):
        t0 = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers or {})
        r = self.conn.getresponse()
        data = r.read()
        dt = time.perf_counter() - t0
        if r.status != 200:
            raise RuntimeError('%s %s answered %d: %r' % (method, path, r.status, data[:200]))
        return dt

    def close(self):
        self.conn.close()


def hop(source, node, method, path, body, n, block=25):
    direct, proxied = KeepAlive(ct.HOST_PORT[node], source), KeepAlive(ct.PROXY_PORT, source)
    d, p = [], []
    try:
        for c in (direct, proxied):             # handshakes and first requests untimed
            for _ in range(5):
                c.time(method, path, body, {'Content-Type': 'application/json'} if body else None)
        while len(d) < n:
            for c, out in ((direct, d), (proxied, p)):
                for _ in range(block):
                    out.append(c.time(method, path, body, {'Content-Type': 'application/json'} if body else None))
    finally:
        direct.close()
        proxied.close()
    ms = lambda v: round(v * 1000, 3)   # noqa: E731
    return {'n': len(d), 'direct_p50_ms': ms(pct(d, 50)), 'proxied_p50_ms': ms(pct(p, 50)),
            'added_p50_ms': ms(pct(p, 50) - pct(d, 50)), 'direct_p90_ms': ms(pct(d, 90)),
            'proxied_p90_ms': ms(pct(p, 90))}


def run(args):
    n = 100 if args.quick else 1000
    jobs_per_address = 5 if args.quick else 25
    log('bringing up three hosts behind HAProxy in the container (tests/cluster)')
    ct.up(OPTIONS)
    res = {'hosts': list(ct.NODES)}
    try:
        source = ADDRESSES[0]
        node = ct.placement([source])[source]
        res['hop'] = {}
        for key, method, path, body in (
                ('GET /healthz', 'GET', '/healthz', None),
                ('POST /run sh: echo hi', 'POST', '/run', json.dumps({'code': 'echo hi', 'interpreter': 'sh'}))):
            log('HAProxy hop: %s x %d straight to host %s and through HAProxy' % (key, n, node))
            res['hop'][key] = hop(source, node, method, path, body, n if method == 'GET' else n // 2)
        log('spread: %d jobs from each of %d addresses' % (jobs_per_address, len(ADDRESSES)))
        per_host, addresses = collections.Counter(), collections.defaultdict(set)
        for _ in range(jobs_per_address):
            for a in ADDRESSES:
                r = ct.run('echo hi', source=a)
                if r.status != 200:
                    raise RuntimeError('a job from %s answered %r' % (a, r))
                h = ct.node_of(r.json()['job_id'])
                per_host[h] += 1
                addresses[h].add(a)
        res['spread'] = {h: {'jobs': per_host[h], 'addresses': len(addresses[h])} for h in ct.NODES}
        # With many clients the hash evens out: where 240 addresses go (one trivial job each).
        log('spread: one job from each of 240 addresses')
        many = collections.Counter(ct.placement([ct.client(i) for i in range(1, 241)]).values())
        res['spread_240'] = {h: many[h] for h in ct.NODES}
    finally:
        ct.down()
    return res


def report(res):
    lines = ['Cluster: hosts %s behind HAProxy (tests/cluster), all in the test container' % ', '.join(res['hosts']),
             '', 'what                      direct p50  via HAProxy p50  added p50  (p90 direct / via)']
    for key, h in res['hop'].items():
        lines.append('%-25s %8.3f ms  %12.3f ms  %6.3f ms  (%.3f / %.3f ms), n=%d'
                     % (key, h['direct_p50_ms'], h['proxied_p50_ms'], h['added_p50_ms'], h['direct_p90_ms'],
                        h['proxied_p90_ms'], h['n']))
    lines += ['', 'jobs per host under 16 client addresses: ' + ', '.join(
        '%s %d (%d addresses)' % (h, s['jobs'], s['addresses']) for h, s in res['spread'].items()),
        'addresses per host out of 240: ' + ', '.join('%s %d' % kv for kv in res['spread_240'].items())]
    return '\n'.join(lines)
