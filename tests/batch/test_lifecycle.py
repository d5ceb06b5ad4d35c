#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A batch job's life through every endpoint: queued, running, completed, failed; logs while it runs;
the one-shot download; the same 404 for unknown, malformed and used-up ids."""
import datetime
import gzip
import re
import time
import uuid

from batch_test import BatchTestCase, main, read_tar_gz, request

SOURCE = '127.0.0.41'

SLEEPER = {'job.sh': 'sleep "$1"\necho slept\n'}
ISO_UTC_RE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')


class Lifecycle(BatchTestCase):
    SOURCE = SOURCE

    def sleeper(self, seconds):
        return self.submit({'entrypoint': 'job.sh', 'args': [str(seconds)]}, SLEEPER)

    def assertGone(self, job_id):
        """Every endpoint gives the one 404 an unknown id gets."""
        unknown = self.get('status', uuid.uuid4().hex)
        self.assertJsonError(unknown, 404)
        for what in ('status', 'logs', 'outputs', 'download'):
            r = self.get(what, job_id)
            self.assertEqual((r.status, r.body), (unknown.status, unknown.body), '%s: %r' % (what, r))

    def test_completed_job_through_every_endpoint(self):
        job_id = self.submit({'entrypoint': 'main.py', 'outputs': ['out/*.txt']}, {
            'main.py': 'import os, sys\n'
                       'os.mkdir("out")\n'
                       'open("out/result.txt", "w").write("forty-two\\n")\n'
                       'open("out/skipped.csv", "w").write("not matched\\n")\n'
                       'print("to stdout")\n'
                       'print("to stderr", file=sys.stderr)\n'})
        st = self.wait(job_id)
        self.assertCompleted(st)
        self.assertIsNone(st['signal'], st)
        self.assertNotIn('queue_position', st)
        self.assertNotIn('estimated_start', st)
        self.assertNotIn('error', st)
        m = st['metrics']
        self.assertEqual(set(m), {'cpu_seconds', 'memory_mb', 'wall_seconds'}, st)
        for k in m:
            self.assertIsInstance(m[k], (int, float), st)
            self.assertGreaterEqual(m[k], 0, st)
        self.assertGreater(m['wall_seconds'], 0, st)

        lg = self.logs(job_id)
        self.assertEqual((lg['job_id'], lg['status'], lg['stdout'], lg['stderr'], lg['truncated']),
                         (job_id, 'completed', 'to stdout\n', 'to stderr\n', False), lg)

        self.assertEqual(self.outputs(job_id), [{'path': 'out/result.txt', 'size': 10}])
        # Asking again changes nothing: only the download is one-shot.
        self.assertEqual(self.outputs(job_id), [{'path': 'out/result.txt', 'size': 10}])
        self.assertEqual(self.status(job_id)['status'], 'completed')

        r = self.get('download', job_id)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.content_type, 'application/gzip', r)
        self.assertIn('attachment', r.headers.get('Content-Disposition', ''), r.headers)
        files = read_tar_gz(r.body)
        self.assertEqual(sorted(files), ['out/result.txt'])
        self.assertEqual(files['out/result.txt'][1], b'forty-two\n')

        # One-shot: the second attempt, and every other endpoint, get the unknown-id 404.
        self.assertGone(job_id)

    def test_head_does_not_use_up_the_download(self):
        job_id = self.submit({'entrypoint': 'main.py', 'outputs': ['*.txt']},
                             {'main.py': 'open("a.txt", "w").write("a")\n'})
        self.assertCompleted(self.wait(job_id))
        r = request('HEAD', '/download/' + job_id, source=self.SOURCE)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b'')
        self.assertEqual(sorted(self.download(job_id)), ['a.txt'])
        self.assertGone(job_id)

    def test_nonzero_exit_is_completed_with_outputs(self):
        script = 'echo partial > part.txt\necho oops >&2\nexit 3\n'
        job_id = self.submit({'entrypoint': 'main.sh', 'outputs': ['**']}, {'main.sh': script})
        st = self.wait(job_id)
        self.assertCompleted(st, exit_code=3)
        self.assertEqual(self.logs(job_id)['stderr'], 'oops\n')
        self.assertEqual(self.outputs(job_id), [{'path': 'main.sh', 'size': len(script)},
                                                {'path': 'part.txt', 'size': 8}])
        self.assertEqual(self.download(job_id)['part.txt'][1], b'partial\n')

    def test_running_job_logs_and_metrics(self):
        job_id = self.submit({'entrypoint': 'main.py'}, {
            'main.py': 'import sys, time\n'
                       'print("started", flush=True)\n'
                       'print("warming up", file=sys.stderr, flush=True)\n'
                       'time.sleep(4)\n'
                       'print("finished")\n'})
        # Logs are live: the first lines are there while the job still runs.
        lg = self.wait_logs(job_id, lambda lg: 'started' in lg['stdout'] and 'warming' in lg['stderr'])
        self.assertEqual((lg['status'], lg['stdout'], lg['stderr'], lg['truncated']),
                         ('running', 'started\n', 'warming up\n', False), lg)
        st = self.status(job_id)
        self.assertEqual(st['status'], 'running', st)
        self.assertEqual((st['exit_code'], st['signal'], st['reason']), (None, None, None), st)
        self.assertNotIn('queue_position', st)
        self.assertIsInstance(st['metrics']['wall_seconds'], (int, float), st)
        self.assertIsInstance(st['metrics']['cpu_seconds'], (int, float), st)
        time.sleep(0.5)
        later = self.status(job_id)
        if later['status'] == 'running':
            self.assertGreater(later['metrics']['wall_seconds'], st['metrics']['wall_seconds'], (st, later))
        # No outputs before the end.
        for what in ('outputs', 'download'):
            self.assertIn('not finished', self.assertJsonError(self.get(what, job_id), 409))

        st = self.wait(job_id)
        self.assertCompleted(st)
        self.assertGreaterEqual(st['metrics']['wall_seconds'], 3.5, st)
        self.assertEqual(self.logs(job_id)['stdout'], 'started\nfinished\n')
        self.assertEqual(self.outputs(job_id), [])

    def wait_logs(self, job_id, pred, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            lg = self.logs(job_id)
            if pred(lg):
                return lg
            self.assertLess(time.monotonic(), deadline, 'logs never showed it: %r' % lg)
            self.assertNotIn(lg['status'], ('completed', 'failed'), lg)
            time.sleep(0.1)

    def test_queued_behind_the_clients_running_jobs(self):
        # Two sleepers fill this address's two running slots; the third job waits its turn.
        sleepers = [self.sleeper(4), self.sleeper(4)]
        for s in sleepers:
            self.wait(s, ('running',), timeout=60)
        r = self.submit({'entrypoint': 'main.py'}, {'main.py': 'print("my turn")\n'})
        st = self.status(r)
        self.assertEqual(st['status'], 'queued', st)
        self.assertIsInstance(st['queue_position'], int, st)
        self.assertGreaterEqual(st['queue_position'], 1, st)
        self.assertRegex(st['estimated_start'], ISO_UTC_RE)
        eta = datetime.datetime.strptime(st['estimated_start'], '%Y-%m-%dT%H:%M:%SZ')
        now = datetime.datetime.utcnow()
        self.assertGreater(eta, now - datetime.timedelta(seconds=5), st)
        self.assertLess(eta, now + datetime.timedelta(hours=1), st)
        self.assertEqual((st['exit_code'], st['signal'], st['reason']), (None, None, None), st)
        lg = self.logs(r)
        self.assertEqual((lg['status'], lg['stdout'], lg['stderr']), ('queued', '', ''), lg)
        for what in ('outputs', 'download'):
            self.assertJsonError(self.get(what, r), 409)

        # It starts once a sleeper is done, and finishes normally.
        st = self.wait(r, timeout=60)
        self.assertCompleted(st)
        self.assertEqual(self.logs(r)['stdout'], 'my turn\n')
        for s in sleepers:
            self.assertCompleted(self.wait(s))

    def test_per_address_queue_limit(self):
        # 2 running and 16 queued per address: the 19th job is refused with 429 and a Retry-After.
        sleepers = [self.sleeper(3), self.sleeper(3)]
        for s in sleepers:
            self.wait(s, ('running',), timeout=60)
        quick = [self.submit({'entrypoint': 'job.sh', 'args': ['0']}, SLEEPER) for _ in range(16)]
        for q in quick:
            self.assertIn(self.status(q)['status'], ('queued', 'running', 'completed'))
        error = self.submit({'entrypoint': 'job.sh', 'args': ['0']}, SLEEPER, expect=429)
        self.assertIn('retry', error.lower())
        r = request('POST', '/submit', b'', {'Content-Type': 'multipart/form-data; boundary=x'}, source=self.SOURCE)
        self.assertEqual(r.status, 429, r)
        self.assertRegex(r.headers.get('Retry-After', ''), r'^\d+$', r.headers)
        for j in sleepers + quick:
            self.assertCompleted(self.wait(j, timeout=120))

    def test_failed_upload(self):
        # A gzip part that is not a tar passes the daemon's sniffing, and fails unpacking in the sandbox.
        job_id = self.submit({'entrypoint': 'main.py'}, {'main.py': 'print("ENTRYPOINT RAN")\n'},
                             archives=[gzip.compress(b'just some text, not a tar archive\n' * 100)])
        error = self.assertUploadFailed(job_id)
        self.assertNotIn('\n', error)
        self.assertIn('failed', self.assertJsonError(self.get('outputs', job_id), 409))
        self.assertIsNone(self.status(job_id)['signal'])

    def test_timeout_fails_the_job(self):
        t0 = time.monotonic()
        job_id = self.submit({'entrypoint': 'main.sh', 'timeout': 1, 'outputs': ['**']},
                             {'main.sh': 'echo before\nsleep 60\necho after\n'})
        st = self.wait(job_id, timeout=30)
        self.assertLess(time.monotonic() - t0, 20)
        self.assertEqual((st['status'], st['reason'], st['exit_code']), ('failed', 'timeout', None), st)
        self.assertIsInstance(st['signal'], int, st)
        self.assertNotIn('error', st)
        self.assertEqual(self.logs(job_id)['stdout'], 'before\n')
        self.assertIn('timeout', self.assertJsonError(self.get('outputs', job_id), 409))
        self.assertJsonError(self.get('download', job_id), 409)
        # A failed job stays readable until it expires.
        self.assertEqual(self.status(job_id)['status'], 'failed')

    def test_unknown_and_malformed_ids(self):
        unknown = self.get('status', uuid.uuid4().hex)
        self.assertEqual(self.assertJsonError(unknown, 404), 'no such job')
        for what in ('status', 'logs', 'outputs', 'download'):
            for job_id in (uuid.uuid4().hex, uuid.uuid4().hex.upper(), uuid.uuid4().hex[:31], uuid.uuid4().hex + '0',
                           '', '..%2F..%2Fetc%2Fpasswd', '%00' * 32, 'g' * 32):
                with self.subTest(what=what, id=job_id):
                    r = self.get(what, job_id)
                    self.assertEqual((r.status, r.body), (404, unknown.body), r)

    def test_methods(self):
        job_id = self.sleeper(0)
        for what in ('status', 'logs', 'outputs', 'download'):
            for method in ('POST', 'PUT', 'DELETE'):
                with self.subTest(what=what, method=method):
                    r = request(method, '/%s/%s' % (what, job_id), b'', source=self.SOURCE)
                    self.assertJsonError(r, 405)
        r = request('GET', '/submit', source=self.SOURCE)
        self.assertIn(r.status, (404, 405), r)
        self.assertCompleted(self.wait(job_id))


if __name__ == '__main__':
    main()
