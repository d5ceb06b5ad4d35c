#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""How the CLI follows a batch job, against a fake server whose answers each case scripts: the live
GET /logs event stream, resumed with Last-Event-ID after the connection ends early and never printing a
byte twice; polling for a server whose /logs is JSON only; a job that vanishes. Needs no daemon: the fake
speaks plain HTTP on an ephemeral loopback port. Usage: cli-follow-test.py PATH-TO-SANDRUN"""

import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading

JOB = 'f' * 32
FINAL = {'job_id': JOB, 'status': 'completed', 'exit_code': 7, 'signal': None, 'reason': None,
         'metrics': {'cpu_seconds': 0.1, 'memory_mb': 1.0, 'wall_seconds': 0.2}}


def event(name, data, id=None):
    return ('event: %s\n%sdata: %s\n\n' % (name, 'id: %s\n' % id if id else '', json.dumps(data))).encode()


class Fake(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'       # a body ends when the connection does: a stream can stop anywhere
    case = None
    seen = []                           # (path, Last-Event-ID) of each /logs request

    def log_message(self, *args):
        pass

    def reply(self, status, body, ctype='application/json'):
        data = json.dumps(body).encode() if ctype == 'application/json' else body
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length', 0)))
        self.reply(202, {'job_id': JOB, 'status': 'queued'})

    def do_GET(self):
        case = Fake.case
        if self.path.startswith('/status/'):
            polls = sum(1 for p, _ in Fake.seen if p.startswith('/logs/'))
            if case == 'gone' and polls > 0:
                return self.reply(404, {'error': 'no such job'})
            done = case == 'json' and polls >= 2
            return self.reply(200, FINAL if done else {'job_id': JOB, 'status': 'running', 'exit_code': None})
        if not self.path.startswith('/logs/'):
            return self.reply(404, {'error': 'no such path'})
        Fake.seen.append((self.path, self.headers.get('Last-Event-ID')))
        streams = sum(1 for p, _ in Fake.seen if p.startswith('/logs/'))
        if case == 'json':
            # No stream: the whole logs so far, growing between polls.
            text = 'one\n' if streams == 1 else 'one\ntwo\n'
            return self.reply(200, {'job_id': JOB, 'stdout': text, 'stderr': 'e\n'})
        self.send_response(200)
        self.send_header('Content-Type', 'text/event-stream; charset=utf-8')
        self.end_headers()
        if case == 'gone':
            self.wfile.write(b'event: error\ndata: {"error":"the job is gone"}\n\n')
        elif streams == 1:
            # Ends early, after an invalid byte the server sent as U+FFFD: 4 and 3 bytes sent, not printed.
            self.wfile.write(event('stdout', {'text': 'one\n'}, '4,0'))
            self.wfile.write(event('stderr', {'text': 'e\ufffd\n'}, '4,3'))
        else:
            self.wfile.write(event('stdout', {'text': 'two\n'}, '8,3'))
            self.wfile.write(event('result', FINAL))


def run_case(cli, url, case, work):
    Fake.case = case
    Fake.seen = []
    p = subprocess.run([cli, '--server', url, '-q', 'submit', 'prog.py'], cwd=work, capture_output=True,
                       stdin=subprocess.DEVNULL, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode(), list(Fake.seen)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    cli = os.path.abspath(sys.argv[1])   # the CLI runs in a scratch directory
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Fake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = 'http://127.0.0.1:%d' % server.server_address[1]
    failed = 0

    def check(name, ok, detail):
        nonlocal failed
        print('%s: %s%s' % ('PASS' if ok else 'FAIL', name, '' if ok else ': %r' % (detail,)))
        failed += not ok

    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, 'prog.py'), 'w') as f:
            f.write('print(1)\n')

        got = run_case(cli, url, 'stream', work)
        rc, out, err, seen = got
        check('a stream that ends early is resumed after the bytes it sent, nothing printed twice',
              rc == 7 and out == 'one\ntwo\n' and err == 'e\ufffd\n' and [i for _, i in seen] == ['0,0', '4,3'],
              got)

        got = run_case(cli, url, 'json', work)
        rc, out, err, seen = got
        check('a server whose /logs is JSON only is polled, each byte printed once',
              rc == 7 and out == 'one\ntwo\n' and err == 'e\n' and len(seen) >= 3, got)

        got = run_case(cli, url, 'gone', work)
        rc, out, err, seen = got
        check('a job gone while streamed ends with the server\'s answer to /status',
              rc == 65 and 'no such job' in err and len(seen) == 1, got)

    server.shutdown()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
