#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Live output: /run with Accept: text/event-stream (or ?stream=1) answers server-sent events as the
program writes, then one `result` event; a client that leaves stops its job (billed, cleaned up at once),
streamed or not; a client that reads nothing for 30 s blocks neither the job nor the daemon."""
import json
import time
import uuid

from sandrun_test import (SandrunTestCase, job_scopes, main, request, run_json, scope_cpu_usec, tls_context,
                          tcp_socket, wait_until)

JSON = {'Content-Type': 'application/json'}


def open_stream(code, source=None, accept=True, rcvbuf=None):
    """Sends a streamed /run by hand; returns the TLS socket with the headers read, and a line reader."""
    raw = tcp_socket(source=source, timeout=60)
    if rcvbuf:
        raw.setsockopt(__import__('socket').SOL_SOCKET, __import__('socket').SO_RCVBUF, rcvbuf)
    s = tls_context().wrap_socket(raw)
    body = json.dumps({'code': code}).encode()
    path = '/run' if accept else '/run?stream=1'
    s.sendall(b'POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n'
              % (path.encode(), b'Accept: text/event-stream\r\n' if accept else b'', len(body)) + body)
    f = s.makefile('rb')
    status = f.readline()
    headers = {}
    while True:
        line = f.readline().decode().strip()
        if not line:
            break
        k, v = line.split(':', 1)
        headers[k.strip().lower()] = v.strip()
    assert status.startswith(b'HTTP/1.1 200'), status
    assert headers.get('transfer-encoding') == 'chunked', headers
    return s, f, headers


def events(f, until='result'):
    """Decodes the chunked body into (event, id, data) until an event named `until`."""
    buf = b''
    out = []
    while True:
        size = int(f.readline().strip(), 16)
        if size == 0:
            return out
        buf += f.read(size)
        f.readline()
        while b'\n\n' in buf:
            block, buf = buf.split(b'\n\n', 1)
            ev = {'event': None, 'id': None, 'data': None, 'at': time.monotonic()}
            for line in block.decode().split('\n'):
                k, v = line.split(': ', 1)
                if k in ('event', 'id', 'data'):
                    ev[k] = v
            ev['data'] = json.loads(ev['data'])
            out.append(ev)
            if ev['event'] == until:
                return out


class Live(SandrunTestCase):
    def test_interleaved_order_and_byte_ids(self):
        code = ('import sys, time\n'
                'for i in range(4):\n'
                '    sys.stdout.write("out%d\\n" % i); sys.stdout.flush(); time.sleep(0.15)\n'
                '    sys.stderr.write("err%d\\n" % i); sys.stderr.flush(); time.sleep(0.15)\n'
                'sys.stdout.write("caf\\xe9 \\U0001f600\\n")\n')
        for accept in (True, False):
            with self.subTest(accept=accept):
                s, f, headers = open_stream(code, accept=accept)
                with s:
                    self.assertTrue(headers['content-type'].startswith('text/event-stream'))
                    t0 = time.monotonic()
                    evs = events(f)
                    self.assertGreater(time.monotonic() - t0, 1.0)
                text = [(e['event'], e['data']['text']) for e in evs if e['event'] in ('stdout', 'stderr')]
                self.assertEqual(text[:8], [('stdout', 'out0\n'), ('stderr', 'err0\n'), ('stdout', 'out1\n'),
                                            ('stderr', 'err1\n'), ('stdout', 'out2\n'), ('stderr', 'err2\n'),
                                            ('stdout', 'out3\n'), ('stderr', 'err3\n')])
                self.assertEqual(''.join(t for e, t in text[8:]), 'café 😀\n')
                # Ids count the bytes of each stream so far.
                for name in ('stdout', 'stderr'):
                    sent = 0
                    for e in evs:
                        if e['event'] == name:
                            sent += len(e['data']['text'].encode())
                            self.assertEqual(int(e['id']), sent)
                result = evs[-1]
                self.assertEqual(result['event'], 'result')
                self.assertEqual(result['data']['stdout'], 'out0\nout1\nout2\nout3\ncafé 😀\n')
                self.assertEqual(result['data']['job_id'], headers['x-sandrun-job-id'])
                self.assertIn('receipt', result['data'])

    def test_client_that_leaves_stops_its_job(self):
        def cpu_usec(scope):
            try:
                return scope_cpu_usec(scope)
            except AssertionError:      # gone meanwhile
                return 0

        burn = ('import sys, time\nsys.stdout.write("started\\n"); sys.stdout.flush()\nt = time.process_time()\n'
                'while time.process_time() - t < 20: pass\n')
        for streamed, source in ((True, '127.0.0.41'), (False, '127.0.0.42')):
            with self.subTest(streamed=streamed):
                before = float(request('GET', '/languages', source=source).headers['X-Sandrun-Budget-Remaining'])
                started = time.monotonic()
                f = None
                if streamed:
                    s, f, _ = open_stream(burn, source=source)
                    self.assertEqual(events(f, until='stdout')[0]['data']['text'], 'started\n')
                else:
                    s = tls_context().wrap_socket(tcp_socket(source=source))
                    body = burn.encode()
                    s.sendall(b'POST /run?lang=python HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n' % len(body)
                              + body)
                    wait_until(lambda: job_scopes(), 10, what='the job to start')
                # A CPU-second of it, however long that takes on a busy machine.
                wait_until(lambda: any(cpu_usec(u) >= 1_000_000 for u in job_scopes()), 30,
                           what='the job to burn a CPU-second')
                t0 = time.monotonic()
                if f:
                    f.close()
                s.close()
                wait_until(lambda: not job_scopes(), 5, what='the job to be stopped')
                self.assertLess(time.monotonic() - t0, 3)
                # Billed for what it used (at least a CPU-second, less the budget's refill meanwhile: 10 CPU-s a
                # minute), not for the 20 it would have burnt.
                after = float(request('GET', '/languages', source=source).headers['X-Sandrun-Budget-Remaining'])
                refilled = (time.monotonic() - started) * 10 / 60
                self.assertGreater(before - after + refilled, 0.9, (before, after, refilled))
                self.assertGreater(after, before - 4)

    def test_client_that_reads_nothing_for_30s(self):
        # 8 MiB in 64 KiB lines, more than the stream buffers (1 MiB) and the sockets' (loopback TCP's send
        # buffer grows to 4 MiB: the daemon reads a pipe in bounded steps and flushes between them, so the
        # kernel takes that much first); then one last line.
        code = ('import sys\nfor i in range(128): sys.stdout.write(("%02d" % (i % 100)) * 32768 + "\\n")\n'
                'sys.stdout.flush()\nprint("tail")\n')
        s, f, headers = open_stream(code, rcvbuf=65536)
        with s:
            # The job runs to its end without the client reading, and the daemon keeps serving.
            t0 = time.monotonic()
            wait_until(lambda: not job_scopes(), 20, what='the job to end while its client reads nothing')
            self.assertLess(time.monotonic() - t0, 20)
            for _ in range(5):
                r = run_json('print(1)', http_timeout=10)
                self.assertEqual(r['stdout'], '1\n')
            time.sleep(max(0, 30 - (time.monotonic() - t0)))
            evs = events(f)
        names = [e['event'] for e in evs]
        self.assertEqual(names[-1], 'result')
        self.assertIn('dropped', names)
        dropped = evs[names.index('dropped')]['data']
        sent = sum(len(e['data']['text'].encode()) for e in evs if e['event'] == 'stdout')
        self.assertEqual(dropped['stdout'], sent)
        self.assertEqual(names.count('dropped'), 1)
        self.assertNotIn('stdout', names[names.index('dropped'):])
        result = evs[-1]['data']
        self.assertEqual(result['status'], 'completed')
        self.assertTrue(result['truncated'])
        self.assertEqual(len(result['stdout']), 1 << 20)


def submit(code):
    boundary = 'b' + uuid.uuid4().hex
    body = (b'--%s\r\nContent-Disposition: form-data; name="manifest"\r\n\r\n{"entrypoint": "m.py"}\r\n'
            b'--%s\r\nContent-Disposition: form-data; name="m.py"; filename="m.py"\r\n\r\n%s\r\n--%s--\r\n'
            % (boundary.encode(), boundary.encode(), code.encode(), boundary.encode()))
    r = request('POST', '/submit', body, {'Content-Type': 'multipart/form-data; boundary=' + boundary})
    assert r.status == 202, r
    return r.json()['job_id']


def open_logs(job, last_event_id=None):
    s = tls_context().wrap_socket(tcp_socket(timeout=60))
    s.sendall(b'GET /logs/%s HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n%s\r\n'
              % (job.encode(), b'Last-Event-ID: %s\r\n' % last_event_id.encode() if last_event_id else b''))
    f = s.makefile('rb')
    status = f.readline()
    assert status.startswith(b'HTTP/1.1 200'), status
    while f.readline().strip():
        pass
    return s, f


class LiveLogs(SandrunTestCase):
    def test_logs_stream_and_resume(self):
        job = submit('import sys, time\nfor i in range(3):\n    print("out%d" % i, flush=True)\n'
                     '    print("err%d" % i, file=sys.stderr, flush=True)\n    time.sleep(0.4)\n')
        s, f = open_logs(job)
        with s, f:
            t0 = time.monotonic()
            evs = events(f)
        # The first lines came while the job still ran.
        self.assertLess(evs[0]['at'] - t0, 0.6)
        self.assertGreater(evs[-1]['at'] - evs[0]['at'], 0.5)
        text = [(e['event'], e['data']['text']) for e in evs if e['event'] in ('stdout', 'stderr')]
        self.assertEqual(''.join(t for n, t in text if n == 'stdout'), 'out0\nout1\nout2\n')
        self.assertEqual(''.join(t for n, t in text if n == 'stderr'), 'err0\nerr1\nerr2\n')
        out = err = 0
        for e in evs[:-1]:
            if e['event'] == 'stdout':
                out += len(e['data']['text'].encode())
            else:
                err += len(e['data']['text'].encode())
            self.assertEqual(e['id'], '%d,%d' % (out, err))
        result = evs[-1]
        self.assertEqual(result['event'], 'result')
        self.assertEqual(result['data'], request('GET', '/status/' + job).json())
        # Resuming after the first event sends only what came after it.
        s, f = open_logs(job, evs[0]['id'])
        with s, f:
            again = events(f)
        rest = ''.join(e['data']['text'] for e in again if e['event'] == 'stdout')
        self.assertEqual(rest, 'out0\nout1\nout2\n'[len(evs[0]['data']['text']):])
        self.assertEqual(''.join(e['data']['text'] for e in again if e['event'] == 'stderr'), 'err0\nerr1\nerr2\n')
        self.assertEqual(again[-1]['event'], 'result')
        r = request('GET', '/logs/' + job, headers={'Accept': 'text/event-stream', 'Last-Event-ID': 'x'})
        self.assertJsonError(r, 400)
        # Without asking for events, /logs is JSON as before.
        self.assertEqual(request('GET', '/logs/' + job).json()['stdout'], 'out0\nout1\nout2\n')


if __name__ == '__main__':
    main()
