#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Nothing of a job is left once it is gone (issue 17 item 2): canaries in a job's code, stdin, stdout and an
output file are, after the job was read and downloaded, or after it expired unread, found nowhere in the
writable memory of any sandrun process (read through /proc/PID/mem from the host), nor in the journal, nor
in the container's writable layer, /tmp or /var/tmp. The same for a /run answer."""
import base64
import io
import json
import os
import random
import re
import string
import subprocess
import tarfile
import threading
import time
import uuid

from sandrun_test import CONTAINER, ExtraDaemon, SandrunTestCase, container_out, job_scopes, main, wait_until

TTL = 3
# The X25519 example recipient of the age spec: what is sealed to it need not be opened here.
AGE_RECIPIENT = 'age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj'


def canary(what):
    rnd = random.SystemRandom()
    return 'Cnry' + what + ''.join(rnd.choice(string.ascii_letters + string.digits) for _ in range(24))


def forms(c):
    """The canary raw, as JSON \\u escapes, and in base64 at each of the three alignments (what is left of a
    base64 text that holds it, minus the characters its neighbours share)."""
    raw = c.encode()
    out = {'raw': raw, 'json-escaped': ''.join('\\u%04x' % ord(ch) for ch in c).encode()}
    for shift in range(3):
        b = base64.b64encode(b'\0' * shift + raw + b'\0\0')
        start = (shift * 4 + 2) // 3 + 1
        end = ((shift + len(raw)) * 4) // 3 - 1
        out['base64+%d' % shift] = b[start:end]
    return out


def container_pids():
    """Host PIDs of the sandrun processes in the container (the container's PID namespace)."""
    leader = subprocess.run([CONTAINER, 'leader'], capture_output=True, text=True, check=True).stdout.strip()
    ns = os.readlink('/proc/%s/ns/pid' % leader)
    pids = []
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            if os.readlink('/proc/%s/ns/pid' % p) != ns:
                continue
            exe = os.path.basename(os.readlink('/proc/%s/exe' % p))
        except OSError:
            continue
        if exe.startswith('sandrun'):
            pids.append((int(p), exe))
    return pids


def scan_memory(pid, needles):
    """{form name: [mapping, ...]} of the needles found in the process's writable mappings."""
    found = {}
    with open('/proc/%d/maps' % pid) as f:
        maps = f.read().splitlines()
    with open('/proc/%d/mem' % pid, 'rb', buffering=0) as mem:
        for line in maps:
            fields = line.split()
            if 'w' not in fields[1] or (len(fields) > 5 and fields[5] in ('[vvar]', '[vsyscall]')):
                continue
            start, end = (int(x, 16) for x in fields[0].split('-'))
            try:
                mem.seek(start)
                data = mem.read(end - start)
            except OSError:
                continue
            for name, needle in needles.items():
                if needle in data:
                    found.setdefault(name, []).append(' '.join(fields[5:]) or 'anonymous')
    return found


def scan_memfds(pid, needles):
    """{form name: [memfd, ...]} of the needles found in the memfds the process holds open (kernel memory
    that no mapping shows)."""
    found = {}
    fds = '/proc/%d/fd' % pid
    for fd in os.listdir(fds):
        try:
            target = os.readlink(os.path.join(fds, fd))
            if not target.startswith('/memfd:'):
                continue
            with open(os.path.join(fds, fd), 'rb') as f:
                data = f.read()
        except OSError:
            continue
        for name, needle in needles.items():
            if needle in data:
                found.setdefault(name, []).append(target)
    return found


def scan_files(needles):
    """Files in the container's writable layer (its overlay's upper dir), /tmp and /var/tmp that hold any."""
    state = os.environ.get('SANDRUN_CONTAINER_STATE', '/run/sandrun-container')
    hits = []
    for top in (os.path.join(state, 'fs', 'upper'),):
        for root, _, files in os.walk(top):
            for name in files:
                path = os.path.join(root, name)
                try:
                    with open(path, 'rb') as f:
                        data = f.read()
                except OSError:
                    continue
                hits += ['%s (%s)' % (path, n) for n, needle in needles.items() if needle in data]
    inside = container_out('sh', '-c', 'grep -rlaF -e "$1" /tmp /var/tmp 2>/dev/null || true', 'sh',
                           needles['raw'].decode())
    hits += [line for line in inside.splitlines() if line]
    return hits


def multipart(parts):
    boundary = 'canary-' + uuid.uuid4().hex
    out = io.BytesIO()
    for name, filename, data in parts:
        out.write(b'--%s\r\nContent-Disposition: form-data; name="%s"' % (boundary.encode(), name.encode()))
        if filename:
            out.write(b'; filename="%s"' % filename.encode())
        out.write(b'\r\n\r\n' + data + b'\r\n')
    out.write(b'--%s--\r\n' % boundary.encode())
    return out.getvalue(), 'multipart/form-data; boundary=' + boundary


class Canary(SandrunTestCase):
    def setUp(self):
        self.code, self.stdin, self.out, self.file = (canary(w) for w in ('Code', 'Stdin', 'Out', 'File'))
        # The program makes its stdout and file canaries at run time: its code holds them reversed.
        # Each in the middle of its text: at the start of a freed block, malloc's own pointers would overwrite
        # it, and a test that passes by that luck proves nothing.
        self.stdin_text = 'some input: %s, the end' % self.stdin
        self.program = ('import sys\n# %s\ndata = sys.stdin.read()\nassert data == "%s", data\n'
                        'print("some output: " + "%s"[::-1] + ", the end")\n'
                        'open("result.txt", "w").write("a file: " + "%s"[::-1] + "\\n")\n'
                        % (self.code, self.stdin_text, self.out[::-1], self.file[::-1]))
        self.stdout = 'some output: %s, the end\n' % self.out
        # Random bytes gzip cannot shrink, so a tar.gz holds them as they are: while the job waits to be
        # downloaded they must not be in sandrund's memory, its outputs being kept encrypted.
        self.noise_seed = random.SystemRandom().getrandbits(64)
        self.noise = random.Random(self.noise_seed).randbytes(1 << 16)
        # It stays a while after its output, for the scan to see that in the runner's buffers.
        self.batch_program = self.program + ('import random\nopen("noise.bin", "wb").write(random.Random(%d).randbytes(%d))\n'
                                             'sys.stdout.flush()\nimport time\ntime.sleep(4)\n'
                                             % (self.noise_seed, 1 << 16))

    def needles(self):
        needles = {}
        for c in (self.code, self.stdin, self.out, self.file):
            for name, n in forms(c).items():
                needles['%s %s' % (c[4:8], name)] = n
        return needles

    def in_sandrund(self, needle):
        return any(exe == 'sandrund' and scan_memory(pid, {'n': needle}) for pid, exe in container_pids())

    def assertHeldEncrypted(self, d, job):
        """While the batch job runs, its output is in sandrund in plain form (the scan sees where the data
        is); once it finished and waits to be read, its output and packed files are nowhere in plain form."""
        wait_until(lambda: self.in_sandrund(forms(self.out)['raw']), 30,
                   what='the running job\'s output to show in sandrund (the scan sees nothing?)')

        def finished():
            s = json.loads(d.request('GET', '/status/' + job).body)
            return s['status'] in ('completed', 'failed') and s
        wait_until(finished, 60, what='the batch job to finish')
        self.assertEqual(finished()['status'], 'completed', finished())
        self.assertFalse(self.in_sandrund(forms(self.out)['raw']), 'the output is held in plain form')
        self.assertFalse(self.in_sandrund(self.noise[30000:30048]), 'the packed outputs are held in plain form')

    def assertGone(self, what):
        needles = self.needles()
        pids = container_pids()
        self.assertTrue(any(exe == 'sandrund' for _, exe in pids), pids)
        leaks = []
        for pid, exe in pids:
            for name, where in list(scan_memory(pid, needles).items()) + list(scan_memfds(pid, needles).items()):
                leaks.append('%s[%d] %s in %s' % (exe, pid, name, ', '.join(sorted(set(where)))))
        journal = subprocess.run([CONTAINER, 'journal', '--all', '-o', 'export', '--no-pager'],
                                 capture_output=True, timeout=120).stdout
        leaks += ['journal: %s' % n for n, needle in needles.items() if needle in journal]
        leaks += ['file: %s' % h for c in (self.code, self.stdin, self.out, self.file)
                  for h in scan_files(forms(c))]
        self.assertEqual(leaks, [], '%s: the job left traces' % what)

    def pin_heap(self, d):
        """Starts a long job whose request and job now take memory above what the held job freed, so that
        malloc cannot give that back to the kernel by shrinking the heap: its bytes stay for the scan to
        find, unless they were wiped."""
        def sleeper():
            try:
                d.request('POST', '/run?lang=python', 'import time\ntime.sleep(25)\n', timeout=40)
            except OSError:
                pass
        t = threading.Thread(target=sleeper, daemon=True)
        t.start()
        wait_until(lambda: len(job_scopes()) > 0, 20, what='the sleeper to start')

    def submit(self, d, seal_to=None, wait=True):
        manifest = {'entrypoint': 'main.py', 'stdin': self.stdin_text, 'outputs': ['result.txt', 'noise.bin']}
        if seal_to:
            manifest['seal_to'] = seal_to
        manifest = json.dumps(manifest)
        body, ct = multipart([('manifest', None, manifest.encode()), ('file', 'main.py', self.batch_program.encode())])
        r = d.request('POST', '/submit', body, {'Content-Type': ct})
        self.assertEqual(r.status, 202, r)
        job = json.loads(r.body)['job_id']
        if not wait:
            return job

        def finished():
            s = json.loads(d.request('GET', '/status/' + job).body)
            return s['status'] in ('completed', 'failed') and s
        wait_until(finished, 60, what='the batch job to finish')
        self.assertEqual(finished()['status'], 'completed', finished())
        return job

    def test_batch_read_and_downloaded(self):
        with ExtraDaemon('--batch-ttl', '%ds' % TTL) as d:
            job = self.submit(d, wait=False)
            self.assertHeldEncrypted(d, job)
            slice_ = self.noise[30000:30048]
            self.pin_heap(d)
            logs = json.loads(d.request('GET', '/logs/' + job).body)
            self.assertEqual(logs['stdout'], self.stdout)
            r = d.request('GET', '/download/' + job)
            self.assertEqual(r.status, 200)
            self.assertIn(slice_, r.body, 'the archive does not hold the noise as it is: the check above proves nothing')
            with tarfile.open(fileobj=io.BytesIO(r.body)) as t:
                self.assertEqual(t.extractfile('noise.bin').read(), self.noise)
                self.assertEqual(t.extractfile('result.txt').read(), ('a file: %s\n' % self.file).encode())
            self.assertEqual(d.request('GET', '/status/' + job).status, 404)
            time.sleep(1)
            self.assertGone('a batch job read and downloaded')

    def test_batch_queued(self):
        """A job that waits in the queue keeps its uploads encrypted: its code and stdin are in no memfd
        and no mapping of sandrund."""
        with ExtraDaemon('--max-running', '1', '--batch-ttl', '%ds' % TTL) as d:
            # The one slot taken for a while, so that the job waits.
            t = threading.Thread(target=lambda: d.request('POST', '/run?lang=python', 'import time\ntime.sleep(5)\n'),
                                 daemon=True)
            t.start()
            wait_until(lambda: len(job_scopes()) > 0, 20, what='the sleeper to start')
            job = self.submit(d, wait=False)
            self.assertEqual(json.loads(d.request('GET', '/status/' + job).body)['status'], 'queued')
            needles = {'code': self.code.encode(), 'stdin': self.stdin.encode()}
            found = {}
            for pid, exe in container_pids():
                if exe == 'sandrund':
                    found.update(scan_memfds(pid, needles))
                    found.update(scan_memory(pid, needles))
            self.assertEqual(found, {}, 'a queued job\'s upload is held in plain form')
            # Decrypted into memfds again when its turn comes, it runs as it would have.
            t.join()
            wait_until(lambda: json.loads(d.request('GET', '/status/' + job).body)['status'] in ('completed', 'failed'),
                       60, what='the queued job to run')
            self.assertEqual(json.loads(d.request('GET', '/logs/' + job).body)['stdout'], self.stdout)

    def test_batch_expired_unread(self):
        with ExtraDaemon('--batch-ttl', '%ds' % TTL) as d:
            job = self.submit(d)
            self.pin_heap(d)
            wait_until(lambda: d.request('GET', '/status/' + job).status == 404, TTL + 30,
                       what='the job to expire')
            self.assertGone('a batch job that expired unread')

    def test_run(self):
        with ExtraDaemon() as d:
            body = json.dumps({'lang': 'python', 'code': self.program, 'stdin': self.stdin_text})
            r = d.request('POST', '/run', body, {'Content-Type': 'application/json', 'Accept': 'application/json'})
            answer = json.loads(r.body)
            self.assertEqual(answer['stdout'], self.stdout, answer)
            time.sleep(1)
            self.assertGone('an unsealed /run')

    def test_sealed_run(self):
        """A sealed /run: the one copy of the output made for sealing is wiped as well."""
        with ExtraDaemon() as d:
            body = json.dumps({'lang': 'python', 'code': self.program, 'stdin': self.stdin_text,
                               'seal_to': AGE_RECIPIENT})
            r = d.request('POST', '/run', body, {'Content-Type': 'application/json'})
            answer = json.loads(r.body)
            self.assertEqual(answer['status'], 'completed', answer)
            self.assertNotIn('stdout', answer)
            self.assertTrue(answer['sealed'].startswith('-----BEGIN AGE ENCRYPTED FILE-----'))
            time.sleep(1)
            self.assertGone('a sealed /run')

    def test_sealed_batch_downloaded(self):
        with ExtraDaemon('--batch-ttl', '%ds' % TTL) as d:
            job = self.submit(d, seal_to=AGE_RECIPIENT)
            self.pin_heap(d)
            r = d.request('GET', '/download/' + job)
            self.assertEqual(r.status, 200)
            self.assertTrue(r.body.startswith(b'age-encryption.org/v1\n'))
            self.assertEqual(d.request('GET', '/status/' + job).status, 404)
            time.sleep(1)
            self.assertGone('a sealed batch job downloaded')


if __name__ == '__main__':
    main()
