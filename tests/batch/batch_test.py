# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers for sandrun's batch job tests (POST /submit, GET /status, /logs, /outputs, /download).
Standard library only; builds on tests/integration/sandrun_test.py.

Each test file talks from its own loopback address (SOURCE in the file, 127.0.0.4x), so that the
per-address fairness limits (2 running, 16 queued, 10 CPU-s a minute) of one file never hold up
another, nor the other suites, which use 127.0.0.1-3.
"""
import hashlib
import io
import json
import os
import sys
import tarfile
import time
import uuid
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))

import sandrun_test  # noqa: E402
from sandrun_test import (SandrunTestCase, container, container_out, main_pid, request,  # noqa: E402,F401
                          main, unit_property, wait_until)

JOB_ID_RE = sandrun_test.JOB_ID_RE
UPLOAD_MAX = 64 << 20           # sandrund's default --upload-max
BATCH_TTL = 60                  # sandrund's default --batch-ttl, seconds
FINISHED = ('completed', 'failed')


# ------------------------------------------------------------------ building requests

def multipart(parts, boundary=None):
    """(body, Content-Type) of a multipart/form-data body. parts: (name, filename or None, bytes)."""
    boundary = boundary or 'sandrun-test-' + uuid.uuid4().hex
    out = io.BytesIO()
    for name, filename, data in parts:
        disposition = 'form-data; name="%s"' % name
        if filename is not None:
            disposition += '; filename="%s"' % filename.replace('\\', '\\\\').replace('"', '\\"')
        out.write(b'--%s\r\nContent-Disposition: %s\r\n' % (boundary.encode(), disposition.encode()))
        if filename is not None:
            out.write(b'Content-Type: application/octet-stream\r\n')
        out.write(b'\r\n' + data + b'\r\n')
    out.write(b'--%s--\r\n' % boundary.encode())
    return out.getvalue(), 'multipart/form-data; boundary=' + boundary


def submit_parts(manifest, files=None, archives=(), extra=()):
    """The parts of a submission: the manifest (a dict, or bytes sent as they are), files {path: bytes}
    (or a list of (path, bytes) pairs, to repeat or order them), archives (bytes each) and extra parts
    (name, filename, bytes) appended as they are."""
    if not isinstance(manifest, (bytes, str)):
        manifest = json.dumps(manifest)
    if isinstance(manifest, str):
        manifest = manifest.encode()
    parts = [('manifest', None, manifest)]
    items = files.items() if isinstance(files, dict) else (files or [])
    parts += [('file', path, data.encode() if isinstance(data, str) else data) for path, data in items]
    parts += [('archive', 'project', a) for a in archives]
    parts += list(extra)
    return parts


def post_submit(parts, source, boundary=None, timeout=120):
    body, ct = multipart(parts, boundary)
    return request('POST', '/submit', body, {'Content-Type': ct}, source=source, timeout=timeout)


# ------------------------------------------------------------------ archives

def tar_bytes(entries, compression='gz'):
    """A tar ('' plain, 'gz') of entries: (TarInfo fields as a dict, data or None). Fields: name, type
    (tarfile.REGTYPE by default), mode, linkname, devmajor, devminor."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:' + compression if compression else 'w',
                      format=tarfile.PAX_FORMAT) as tf:
        for fields, data in entries:
            ti = tarfile.TarInfo(fields['name'])
            ti.type = fields.get('type', tarfile.REGTYPE)
            ti.mode = fields.get('mode', 0o755 if ti.type == tarfile.DIRTYPE else 0o644)
            ti.linkname = fields.get('linkname', '')
            ti.devmajor = fields.get('devmajor', 0)
            ti.devminor = fields.get('devminor', 0)
            ti.mtime = int(time.time())
            data = data.encode() if isinstance(data, str) else data
            if ti.type == tarfile.REGTYPE and data is not None:
                ti.size = len(data)
                tf.addfile(ti, io.BytesIO(data))
            else:
                tf.addfile(ti)
    return buf.getvalue()


def project_tar(files, compression='gz'):
    """A tar of regular files {path: data}; 'path/' keys with None are directories."""
    entries = []
    for path, data in files.items():
        if data is None:
            entries.append(({'name': path.rstrip('/'), 'type': tarfile.DIRTYPE}, None))
        else:
            entries.append(({'name': path}, data))
    return tar_bytes(entries, compression)


def zip_bytes(files, compression=zipfile.ZIP_DEFLATED):
    """A zip of {path: data}, or of (ZipInfo-or-name, data) pairs."""
    buf = io.BytesIO()
    items = files.items() if isinstance(files, dict) else files
    with zipfile.ZipFile(buf, 'w', compression) as z:
        for name, data in items:
            z.writestr(name, data)
    return buf.getvalue()


def replace_name(archive, placeholder, name):
    """Swaps an entry name in built archive bytes for one of the same length that the writers would not
    produce themselves (a NUL byte, say). Zip names are not covered by its CRCs, pax records neither."""
    assert len(placeholder) == len(name) and archive.count(placeholder) >= 1
    return archive.replace(placeholder, name)


class _Zeros(io.RawIOBase):
    def __init__(self, n):
        self.left = n

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def zip_bomb(size=1 << 30, name='zeros.bin'):
    """A zip holding one file of `size` zero bytes (1 GiB deflates to about 1 MiB)."""
    buf = io.BytesIO()
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
        with z.open(name, 'w', force_zip64=True) as f:
            for _ in range(size // len(chunk)):
                f.write(chunk)
    return buf.getvalue()


def tar_gz_bomb(size=1 << 30, name='zeros.bin'):
    """A tar.gz holding one file of `size` zero bytes (1 GiB compresses to about 1 MiB)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:gz', compresslevel=9) as tf:
        ti = tarfile.TarInfo(name)
        ti.size = size
        tf.addfile(ti, io.BufferedReader(_Zeros(size), 1 << 20))
    return buf.getvalue()


def read_tar_gz(data):
    """{name: (TarInfo, bytes or None)} of a downloaded tar.gz."""
    out = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode='r:gz') as tf:
        for ti in tf.getmembers():
            f = tf.extractfile(ti) if ti.isreg() else None
            out[ti.name] = (ti, f.read() if f else None)
    return out


# ------------------------------------------------------------------ the container

# Where a job's files would land if they got out: the container's own directories a sandbox could
# plausibly reach (the daemon's PrivateTmp lives under /tmp), searched by name. Cheap enough for every
# test; BatchTestCase searches the whole file system once more at the end of each file.
NEAR_DIRS = ('/etc', '/tmp', '/var/tmp', '/run', '/dev', '/root', '/home', '/work', '/usr/local', '/var/lib',
             '/srv', '/opt')
SENSITIVE = ('/etc/passwd', '/etc/shadow', '/etc/group', '/etc/hosts')

AUDIT = r'''
import hashlib, json, os, sys
tokens = sys.argv[2].split(",")
full = sys.argv[1] == "full"
found = []
def walk(top, maxdepth):
    base = top.rstrip("/").count("/")
    for root, dirs, files in os.walk(top, onerror=lambda e: None):
        if root in ("/proc", "/sys") or root.startswith(("/proc/", "/sys/")):
            dirs[:] = []
            continue
        if root.rstrip("/").count("/") - base >= maxdepth:
            dirs[:] = []
        for name in dirs + files:
            if any(t in name for t in tokens):
                found.append(os.path.join(root, name))
if full:
    walk("/", 10 ** 6)
else:
    walk("/", 1)
    for d in %r:
        if os.path.isdir(d) and not os.path.islink(d):
            walk(d, 10 ** 6)
hashes = {}
for p in %r:
    try:
        with open(p, "rb") as f:
            data = f.read()
        hashes[p] = hashlib.sha256(data).hexdigest()
        if any(t.encode() in data for t in tokens):
            found.append(p + " (content)")
    except OSError as e:
        hashes[p] = str(e)
print(json.dumps({"found": sorted(set(found)), "hashes": hashes}))
''' % (NEAR_DIRS, SENSITIVE)


def audit(tokens, full=False):
    """Looks in the container for files whose names hold any of the tokens (near: NEAR_DIRS and /; full:
    the whole file system but /proc and /sys), and hashes SENSITIVE files (and whether they hold a token)."""
    out = container_out('/usr/bin/python3', '-c', AUDIT, 'full' if full else 'near', ','.join(tokens),
                        timeout=300)
    return json.loads(out)


def daemon_memory_kib():
    """VmRSS and VmHWM of sandrund, in KiB."""
    pid = main_pid()
    out = container_out('cat', '/proc/%d/status' % pid)
    fields = dict(line.split(':', 1) for line in out.splitlines() if ':' in line)
    return int(fields['VmRSS'].split()[0]), int(fields['VmHWM'].split()[0])


def token():
    """A unique marker for the names a hostile test tries to create."""
    return 'sbxesc' + uuid.uuid4().hex[:12]


# ------------------------------------------------------------------ the test case

class BatchTestCase(SandrunTestCase):
    """Talks from cls.SOURCE. With AUDIT_EACH, after every test the container is searched for the test's
    tokens (self.new_token()), the SENSITIVE files must be unchanged, the daemon must serve and must not
    have crashed; after the file, all the tokens are looked for once more over the whole file system.
    Without it, each test still ends with the daemon serving."""
    SOURCE = None
    AUDIT_EACH = False
    all_tokens = []

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.all_tokens = []
        cls.baseline = audit(['no-such-token-' + uuid.uuid4().hex])['hashes']

    @classmethod
    def tearDownClass(cls):
        if cls.all_tokens:
            r = audit(cls.all_tokens, full=True)
            if r['found']:
                raise AssertionError('files escaped the jobs: %r' % r['found'])
            if r['hashes'] != cls.baseline:
                raise AssertionError('host files changed: %r -> %r' % (cls.baseline, r['hashes']))
        super().tearDownClass()

    def setUp(self):
        self.tokens = []
        self.daemon_pid = main_pid()
        if self.AUDIT_EACH:
            self.restarts = unit_property('sandrun.service', 'NRestarts')

    def tearDown(self):
        if self.AUDIT_EACH:
            self.assertNothingEscaped()
            self.assertEqual(unit_property('sandrun.service', 'NRestarts'), self.restarts, 'sandrund crashed')
        else:
            self.assertServing()

    def new_token(self):
        t = token()
        self.tokens.append(t)
        type(self).all_tokens.append(t)
        return t

    def assertNothingEscaped(self):
        """No file named after this test's tokens outside the jobs, host files unchanged, daemon serving."""
        r = audit(self.tokens or ['no-such-token-' + uuid.uuid4().hex])
        self.assertEqual(r['found'], [], 'files escaped the job')
        self.assertEqual(r['hashes'], self.baseline, 'host files changed')
        self.assertServing()

    # -- requests from this file's address

    def get(self, what, job_id, **kw):
        return request('GET', '/%s/%s' % (what, job_id), source=self.SOURCE, **kw)

    def submit(self, manifest, files=None, archives=(), extra=(), expect=202):
        """POSTs a job; with expect=202 returns its id, else asserts a JSON error with that status and
        returns the error text."""
        r = post_submit(submit_parts(manifest, files, archives, extra), self.SOURCE)
        if expect != 202:
            return self.assertJsonError(r, expect)
        self.assertEqual(r.status, 202, r)
        d = r.json()
        self.assertRegex(d.get('job_id', ''), JOB_ID_RE, d)
        self.assertIn(d.get('status'), ('queued', 'running', 'completed', 'failed'), d)
        self.assertEqual(r.headers.get('Location'), '/status/' + d['job_id'], r.headers)
        return d['job_id']

    def status(self, job_id):
        r = self.get('status', job_id)
        if r.status == 404:
            self.assertDaemonNotRestarted()
        self.assertEqual(r.status, 200, r)
        d = r.json()
        self.assertEqual(d['job_id'], job_id, d)
        return d

    def wait(self, job_id, states=FINISHED, timeout=90):
        """Polls /status until the job is in one of states; returns that status."""
        last = {}

        def reached():
            last['d'] = self.status(job_id)
            return last['d'] if last['d']['status'] in states else None
        try:
            return wait_until(reached, timeout, interval=0.1, what='job %s to be %s' % (job_id, '/'.join(states)))
        except AssertionError as e:
            raise AssertionError('%s; last status %r' % (e, last.get('d')))

    def assertDaemonNotRestarted(self):
        """Jobs live in sandrund's memory: a restart in the middle of a test (a crash, or someone
        reinstalling it) loses them. Says so rather than leave a bare 404 to puzzle over."""
        pid = main_pid()
        if pid != self.daemon_pid:
            raise AssertionError('sandrund was restarted during the test (PID %d, now %d; NRestarts=%s), '
                                 'and its jobs with it' % (self.daemon_pid, pid,
                                                           unit_property('sandrun.service', 'NRestarts')))

    def logs(self, job_id):
        r = self.get('logs', job_id)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def outputs(self, job_id):
        r = self.get('outputs', job_id)
        self.assertEqual(r.status, 200, r)
        return r.json()['files']

    def download(self, job_id):
        """GET /download: the tar.gz read as {name: (TarInfo, bytes)}."""
        r = self.get('download', job_id)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.content_type, 'application/gzip', r)
        return read_tar_gz(r.body)

    def run_job(self, manifest, files=None, archives=(), timeout=90):
        """Submits, waits for the end; returns (status, logs)."""
        job_id = self.submit(manifest, files, archives)
        st = self.wait(job_id, timeout=timeout)
        return st, self.logs(job_id)

    def assertCompleted(self, st, exit_code=0):
        self.assertEqual((st['status'], st['exit_code'], st['reason']), ('completed', exit_code, None), st)

    def assertUploadFailed(self, job_id, logs_must_lack=()):
        """The job failed unpacking its upload: status failed, reason upload, an error; no outputs; the
        entrypoint never ran. Returns the error text."""
        st = self.wait(job_id)
        self.assertEqual((st['status'], st['reason']), ('failed', 'upload'), st)
        self.assertIsInstance(st.get('error'), str, st)
        self.assertTrue(st['error'].strip(), st)
        self.assertIsNone(st['exit_code'], st)
        lg = self.logs(job_id)
        self.assertNotIn('ENTRYPOINT RAN', lg['stdout'], lg)
        for what in ('outputs', 'download'):
            self.assertJsonError(self.get(what, job_id), 409)
        return st['error']


def sha256(data):
    return hashlib.sha256(data).hexdigest()
