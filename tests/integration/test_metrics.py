#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Prometheus metrics: off by default and never on the public port; on a listener of their own
(--metrics-listen, or the socket systemd passes named "metrics"), scraped during a load run with
promtool's own rules; the figures add up to what the clients saw; no address, job id or content."""
import json
import re
import shutil
import subprocess
import threading
import time
import urllib.request
import uuid

from sandrun_test import (EXTRA_PORT, PORT, ExtraDaemon, SandrunTestCase, container, main, request, wait_until)

METRICS_PORT = EXTRA_PORT + 1
SOCKET_PORT = EXTRA_PORT + 2
LINE_RE = re.compile(r'^([a-z_]+)(\{[^}]*\})? (\S+)$')


def scrape(port):
    with urllib.request.urlopen('http://127.0.0.1:%d/metrics' % port, timeout=10) as r:
        assert r.status == 200
        assert r.headers['Content-Type'].startswith('text/plain; version=0.0.4'), r.headers['Content-Type']
        return r.read().decode()


def samples(text):
    out = {}
    for line in text.splitlines():
        if line.startswith('#') or not line:
            continue
        m = LINE_RE.match(line)
        assert m, 'not a sample line: %r' % line
        out[m.group(1) + (m.group(2) or '')] = float(m.group(3))
    return out


def promtool(text):
    p = subprocess.run(['promtool', 'check', 'metrics'], input=text, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


class Metrics(SandrunTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not shutil.which('promtool'):
            raise AssertionError('promtool is missing: apt-get install --no-install-recommends prometheus')

    def test_not_on_the_public_port(self):
        self.assertJsonError(request('GET', '/metrics'), 404)

    def test_load_run(self):
        marker = 'marker-' + uuid.uuid4().hex
        # The front listens only on sockets systemd gives it: the metrics one too.
        with ExtraDaemon('--max-running', '2', '--max-queued', '3', '--max-running-per-ip', '1',
                         '--max-queued-per-ip', '1', sockets={'metrics': '127.0.0.1:%d' % METRICS_PORT}) as d:
            self.assertJsonError(d.request('GET', '/metrics'), 404)
            seen = {'completed': 0, 'failed': 0, 429: 0, 503: 0, 'cpu': 0.0}
            lock = threading.Lock()
            stop = time.monotonic() + 6

            def client(n):
                code = 'import time\nt = time.time()\nwhile time.time() - t < 0.4: pass\nprint(%r)\n' % marker
                while time.monotonic() < stop:
                    r = d.request('POST', '/run', json.dumps({'code': code}), {'Content-Type': 'application/json',
                                                                               'X-Client': str(n)})
                    with lock:
                        if r.status == 200:
                            j = r.json()
                            seen[j['status']] += 1
                            seen['cpu'] += j['metrics']['cpu_seconds'] or 0
                        else:
                            seen[r.status] += 1
                    if r.status != 200:
                        time.sleep(0.1)

            # One client address: the per-client caps give 429s, six threads against 2+3 slots give 503s
            # once the queue is full. Scrapes meanwhile must always pass promtool.
            threads = [threading.Thread(target=client, args=(i,)) for i in range(6)]
            for t in threads:
                t.start()
            scrapes, running_seen = 0, 0
            while any(t.is_alive() for t in threads):
                text = scrape(METRICS_PORT)
                rc, out = promtool(text)
                self.assertEqual(rc, 0, 'promtool check metrics: %s\n%s' % (out, text))
                s = samples(text)
                self.assertLessEqual(s['sandrun_jobs_running'], 2)
                self.assertLessEqual(s['sandrun_jobs_queued'], 3)
                running_seen = max(running_seen, s['sandrun_jobs_running'])
                scrapes += 1
                time.sleep(0.3)
            for t in threads:
                t.join()
            self.assertGreater(scrapes, 5)
            self.assertGreaterEqual(running_seen, 1)

            # A timeout too.
            r = d.request('POST', '/run', json.dumps({'code': 'import time; time.sleep(3)', 'timeout': 0.3}),
                          {'Content-Type': 'application/json'})
            self.assertEqual(r.json()['reason'], 'timeout')

            text = scrape(METRICS_PORT)
            self.assertEqual(promtool(text)[0], 0, text)
            s = samples(text)
            self.assertGreater(seen['completed'], 3, seen)
            self.assertGreater(seen[429], 0, seen)
            self.assertEqual(s['sandrun_jobs_finished_total{status="completed",reason="none"}'], seen['completed'])
            self.assertEqual(s['sandrun_jobs_finished_total{status="failed",reason="timeout"}'], 1)
            self.assertEqual(s['sandrun_requests_refused_total{code="429"}'], seen[429])
            self.assertEqual(s['sandrun_requests_refused_total{code="503"}'], seen[503])
            finished = seen['completed'] + 1
            self.assertEqual(s['sandrun_job_duration_seconds_count'], finished)
            self.assertEqual(s['sandrun_job_duration_seconds_bucket{le="+Inf"}'], finished)
            self.assertEqual(s['sandrun_job_start_latency_seconds_count'], finished)
            # Every job waited in the queue or started: at least one took longer than a job's run.
            self.assertLess(s['sandrun_job_start_latency_seconds_bucket{le="0.25"}'], finished)
            self.assertGreaterEqual(s['sandrun_job_duration_seconds_sum'], 0.4 * seen['completed'])
            self.assertAlmostEqual(s['sandrun_cpu_billed_seconds_total'], seen['cpu'] + 0, delta=0.01 * finished + 0.1)
            self.assertEqual(s['sandrun_jobs_running'], 0)
            self.assertEqual(s['sandrun_jobs_queued'], 0)
            self.assertEqual(s['sandrun_scope_start_failures_total'], 0)
            self.assertIn('sandrun_memory_held_bytes', s)
            # Nothing about who or what.
            self.assertNotIn(marker, text)
            self.assertNotIn('127.0.0.1', text)
            self.assertIsNone(re.search(r'[0-9a-f]{32}', text))

    def test_socket_from_systemd(self):
        # The installed sandrun-metrics.socket, moved to a port of this test's own, hands its socket to
        # sandrun.service under the name "metrics".
        dropin = '/run/systemd/system/sandrun-metrics.socket.d'
        container('sh', '-c', 'mkdir -p %s && printf "[Socket]\\nListenStream=\\nListenStream=127.0.0.1:%d\\n" '
                  '> %s/50-test.conf && systemctl daemon-reload && systemctl stop sandrun.service && '
                  # systemd refuses to start a socket while its service runs.
                  'systemctl start sandrun-metrics.socket && systemctl start sandrun.service'
                  % (dropin, SOCKET_PORT, dropin))
        try:
            wait_until(lambda: request('GET', '/languages').status == 200, 10, what='sandrun to answer again')
            request('POST', '/run?lang=python', 'print(1)')
            text = scrape(SOCKET_PORT)
            self.assertEqual(promtool(text)[0], 0, text)
            self.assertGreaterEqual(samples(text)['sandrun_jobs_finished_total{status="completed",reason="none"}'], 1)
            self.assertJsonError(request('GET', '/metrics'), 404)
        finally:
            container('sh', '-c', 'systemctl stop sandrun.service sandrun-metrics.socket; rm -rf %s; '
                      'systemctl daemon-reload; systemctl start sandrun.service' % dropin, check=False)
            wait_until(lambda: request('GET', '/languages').status == 200, 10, what='sandrun to answer again')


if __name__ == '__main__':
    main()
