#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the sandbox must not break: fork, threads, pipes, signals, timers, mmap, and real programs in
every interpreter, each using processes, threads, files, sockets on its own loopback and its runtime's
usual machinery."""
import hashlib
import json

from escape_test import EscapeTestCase, fmt, main

HASH = hashlib.sha256(b'sandrun').hexdigest()[:8]

PYTHON = r'''
import asyncio, concurrent.futures, hashlib, json, mmap, multiprocessing, os, select, signal, socket
import sqlite3, subprocess, tempfile, threading, time
r = {}
# fork and a pipe
rd, wr = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(wr, b"from child")
    os._exit(3)
os.close(wr)
r["fork"] = [os.read(rd, 100).decode(), os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])]
# threads
with concurrent.futures.ThreadPoolExecutor(8) as ex:
    r["threads"] = sum(ex.map(lambda i: i * i, range(100)))
# processes with semaphores in /dev/shm and pipes between them
with multiprocessing.Pool(4) as pool:
    r["multiprocessing"] = sum(pool.map(abs, range(-50, 50)))
# signals and timers
got = []
signal.signal(signal.SIGUSR1, lambda s, f: got.append("usr1"))
os.kill(os.getpid(), signal.SIGUSR1)
signal.signal(signal.SIGALRM, lambda s, f: got.append("alarm"))
signal.setitimer(signal.ITIMER_REAL, 0.05)
select.select([], [], [], 1)
time.sleep(0.1)
r["signals"] = got
t0 = time.monotonic()
time.sleep(0.2)
r["sleep"] = 0.15 < time.monotonic() - t0 < 2
# mmap: anonymous, shared with a child, and of a file
shared = mmap.mmap(-1, 4096, flags=mmap.MAP_SHARED)
pid = os.fork()
if pid == 0:
    shared[:5] = b"child"
    os._exit(0)
os.waitpid(pid, 0)
with open("/work/data", "wb") as f:
    f.write(b"0123456789" * 1000)
with open("/work/data", "r+b") as f:
    m = mmap.mmap(f.fileno(), 0)
    m[:4] = b"abcd"
    m.flush()
r["mmap"] = [shared[:5].decode(), open("/work/data", "rb").read(6).decode()]
# subprocess, files, sqlite, a temporary file
r["subprocess"] = subprocess.run(["sh", "-c", "echo $((6*7)) | cat"], capture_output=True, text=True).stdout
db = sqlite3.connect("/work/db.sqlite")
db.execute("create table t (x)")
db.executemany("insert into t values (?)", [(i,) for i in range(10)])
r["sqlite"] = db.execute("select sum(x) from t").fetchone()[0]
with tempfile.NamedTemporaryFile() as f:
    r["tempfile"] = f.name.startswith("/tmp/")
# asyncio with a server on its own loopback
async def main():
    async def handle(reader, writer):
        writer.write((await reader.readline()).upper())
        await writer.drain()
        writer.close()
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname())
    writer.write(b"hello\n")
    line = await reader.readline()
    server.close()
    return line.decode()
r["asyncio"] = asyncio.run(main())
r["hash"] = hashlib.sha256(b"sandrun").hexdigest()[:8]
print(json.dumps(r))
'''

BASH = r'''
set -euo pipefail
f() { echo "fn:$1"; }
trap 'echo trapped' USR1
kill -USR1 $$
echo "pipeline:$(seq 1 100 | awk '{s+=$1} END {print s}' | tr -d ' ')"
echo "subshell:$( (cd /tmp && pwd) )"
echo "procsub:$(cat <(echo inner))"
coproc UP { tr a-z A-Z; }
echo coproc >&"${UP[1]}"
exec {UP[1]}>&-
read -r line <&"${UP[0]}"
echo "coproc:$line"
mkfifo /tmp/fifo
(echo through-fifo > /tmp/fifo) &
read -r line < /tmp/fifo
echo "fifo:$line"
for i in 1 2 3; do sleep 0.1 & done
wait
echo "jobs:done"
echo "xargs:$(printf '%s\n' 1 2 3 4 | xargs -P 4 -I{} sh -c 'echo $(({} * {}))' | sort -n | tr '\n' ' ')"
echo "timeout:$(timeout 0.2 sleep 5 || echo $?)"
echo "sort:$(printf 'b\na\nc\n' | sort | tr -d '\n')"
f arg
echo "flock:$(flock /tmp/lock echo locked)"
echo "find:$(mkdir -p /work/d/e && touch /work/d/e/f && find /work/d -type f)"
'''

SH = r'''
set -e
echo "arith:$((2 + 3))"
echo "pipe:$(echo abc | sed s/b/B/)"
( sleep 0.1; echo "bg:done" ) &
wait
trap 'echo "trap:int"' INT
kill -INT $$
echo "heredoc:$(cat <<EOF
inside
EOF
)"
echo "uname:$(uname -s)"
'''

NODE = r'''
const assert = require('assert');
const cp = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const net = require('net');
const zlib = require('zlib');
const { Worker } = require('worker_threads');
const r = {};
r.exec = cp.execSync('echo $((6*7))').toString().trim();
r.spawn = cp.spawnSync('sh', ['-c', 'echo spawned']).stdout.toString().trim();
fs.writeFileSync('/work/f.txt', 'node');
r.fs = fs.readFileSync('/work/f.txt', 'utf8');
r.hash = crypto.createHash('sha256').update('sandrun').digest('hex').slice(0, 8);
r.zlib = zlib.gunzipSync(zlib.gzipSync('zipped')).toString();
const worker = new Worker('const { parentPort } = require("worker_threads"); parentPort.postMessage(21 * 2);',
                          { eval: true });
worker.on('message', (m) => {
  r.worker = m;
  const server = http.createServer((req, res) => res.end('http:' + req.url));
  server.listen(0, '127.0.0.1', () => {
    http.get({ host: '127.0.0.1', port: server.address().port, path: '/x' }, (res) => {
      let body = '';
      res.on('data', (c) => body += c);
      res.on('end', () => {
        r.http = body;
        server.close();
        setTimeout(() => {
          r.timer = true;
          const child = cp.spawn('sleep', ['10']);
          child.on('exit', (code, sig) => {
            r.signal = sig;
            console.log(JSON.stringify(r));
          });
          child.kill('SIGTERM');
        }, 50);
      });
    });
  });
});
'''

PERL = r'''
use strict;
use warnings;
use IO::Socket::INET;
use POSIX ":sys_wait_h";
use Socket;
my %r;
pipe(my $rd, my $wr) or die;
my $pid = fork();
if ($pid == 0) { close $rd; print $wr "from child"; exit 3; }
close $wr;
$r{fork} = <$rd>;
waitpid($pid, 0);
$r{status} = $? >> 8;
socketpair(my $one, my $two, AF_UNIX, SOCK_STREAM, PF_UNSPEC) or die;
$pid = fork();
if ($pid == 0) { close $one; print $two "pair\n"; exit 0; }
close $two;
chomp($r{socketpair} = <$one>);
waitpid($pid, 0);
my $server = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1) or die "listen: $!";
$pid = fork();
if ($pid == 0) {
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $server->sockport) or die "connect: $!";
    print $c "tcp\n";
    exit 0;
}
my $conn = $server->accept;
chomp($r{tcp} = <$conn>);
waitpid($pid, 0);
local $SIG{ALRM} = sub { $r{alarm} = 1 };
alarm 1;
select(undef, undef, undef, 1.5);
$r{sorted} = join(",", sort { $a <=> $b } (5, 3, 9, 1));
open(my $fh, '>', '/work/p.txt') or die; print $fh "perl"; close $fh;
open($fh, '<', '/work/p.txt') or die; $r{file} = <$fh>; close $fh;
print join(";", map { "$_=$r{$_}" } sort keys %r), "\n";
'''


class StillWorks(EscapeTestCase):
    def run_program(self, code, lang):
        d = self.attack(code, lang, canary_seconds=1)
        self.assertEqual((d['status'], d['exit_code'], d['stderr']), ('completed', 0, ''), fmt(d))
        return d['stdout']

    def test_python(self):
        r = json.loads(self.run_program(PYTHON, 'python'))
        self.assertEqual(r, {
            'fork': ['from child', 3], 'threads': 328350, 'multiprocessing': 2500, 'signals': ['usr1', 'alarm'],
            'sleep': True, 'mmap': ['child', 'abcd45'], 'subprocess': '42\n', 'sqlite': 45, 'tempfile': True,
            'asyncio': 'HELLO\n', 'hash': HASH})

    def test_bash(self):
        out = self.run_program(BASH, 'bash')
        self.assertEqual(out.splitlines(), [
            'trapped', 'pipeline:5050', 'subshell:/tmp', 'procsub:inner', 'coproc:COPROC', 'fifo:through-fifo',
            'jobs:done', 'xargs:1 4 9 16 ', 'timeout:124', 'sort:abc', 'fn:arg', 'flock:locked',
            'find:/work/d/e/f'])

    def test_sh(self):
        out = self.run_program(SH, 'sh')
        self.assertEqual(out.splitlines(), ['arith:5', 'pipe:aBc', 'bg:done', 'trap:int', 'heredoc:inside',
                                            'uname:Linux'])

    def test_node(self):
        r = json.loads(self.run_program(NODE, 'node'))
        self.assertEqual(r, {'exec': '42', 'spawn': 'spawned', 'fs': 'node', 'hash': HASH, 'zlib': 'zipped',
                             'worker': 42, 'http': 'http:/x', 'timer': True, 'signal': 'SIGTERM'})

    def test_perl(self):
        out = self.run_program(PERL, 'perl')
        self.assertEqual(out, 'alarm=1;file=perl;fork=from child;socketpair=pair;sorted=1,3,5,9;status=3;tcp=tcp\n')


if __name__ == '__main__':
    main()
