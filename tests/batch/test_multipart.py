#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Broken uploads to POST /submit: bad Content-Type, malformed multipart bodies, parts that are not what
they claim, and bodies over the upload limit. Each gets a JSON error, quickly, and the daemon serves on."""
import bz2
import gzip
import hashlib
import json
import lzma
import os
import socket
import ssl
import time
import uuid

from batch_test import (UPLOAD_MAX, BatchTestCase, daemon_memory_kib, main, main_pid, project_tar, request,
                        token, zip_bytes)
from sandrun_test import read_response, tls_socket

SOURCE = '127.0.0.44'

B = 'xyzBOUNDARY'
CT = 'multipart/form-data; boundary=' + B
# The file the hand-made bodies carry: named after a token, looked for in the container after each test.
TOKEN = token()
FILE = (TOKEN + '.py').encode()
MANIFEST = json.dumps({'entrypoint': FILE.decode()}).encode()
MANIFEST_PART = b'--%s\r\nContent-Disposition: form-data; name="manifest"\r\n\r\n%s\r\n' % (B.encode(), MANIFEST)
FILE_PART = b'--%s\r\nContent-Disposition: form-data; name="f"; filename="%s"\r\n\r\nprint(1)\r\n' % (B.encode(), FILE)
CLOSE = b'--%s--\r\n' % B.encode()
GOOD = MANIFEST_PART + FILE_PART + CLOSE


def with_manifest_headers(extra):
    """GOOD with extra header lines in the manifest part."""
    return GOOD.replace(b'name="manifest"\r\n', b'name="manifest"\r\n' + extra, 1)


def upload(body_chunks, content_length=None, chunked=False, source=SOURCE):
    """POSTs a body chunk by chunk on one connection, as a client that keeps sending would, and reads the
    answer once done or once the server stops reading. Returns (Response or exception, bytes sent, seconds)."""
    s = tls_socket(source=source, timeout=120)
    head = 'POST /submit HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n' % CT
    head += 'Transfer-Encoding: chunked\r\n' if chunked else 'Content-Length: %d\r\n' % content_length
    t0 = time.monotonic()
    sent = 0
    try:
        s.sendall((head + '\r\n').encode())
        for chunk in body_chunks:
            s.sendall(b'%x\r\n%s\r\n' % (len(chunk), chunk) if chunked else chunk)
            sent += len(chunk)
        if chunked:
            s.sendall(b'0\r\n\r\n')
    except (OSError, ssl.SSLError):
        pass        # the server may answer and close before the end: read what it said
    try:
        r = read_response(s, 60)
    except (OSError, ssl.SSLError, ValueError) as e:
        r = e
    finally:
        s.close()
    return r, sent, time.monotonic() - t0


def big_file_body(size):
    """Chunks of a body whose file part holds size zero bytes, and the body's total length."""
    head = MANIFEST_PART + b'--%s\r\nContent-Disposition: form-data; name="f"; filename="big.bin"\r\n\r\n' % B.encode()
    tail = b'\r\n' + CLOSE
    chunk = bytes(1 << 20)

    def chunks():
        yield head
        left = size
        while left > 0:
            yield chunk[:min(left, len(chunk))]
            left -= len(chunk)
        yield tail
    return chunks, len(head) + size + len(tail)


class Multipart(BatchTestCase):
    SOURCE = SOURCE
    AUDIT_EACH = True

    def setUp(self):
        super().setUp()
        self.tokens.append(TOKEN)
        if TOKEN not in self.all_tokens:
            self.all_tokens.append(TOKEN)

    def post(self, body, content_type=CT):
        headers = {} if content_type is None else {'Content-Type': content_type}
        return request('POST', '/submit', body, headers, source=self.SOURCE, timeout=60)

    def assertRefused(self, body, content_type=CT, status=400, fragment=None):
        r = self.post(body, content_type)
        error = self.assertJsonError(r, status)
        if fragment:
            self.assertIn(fragment, error)
        self.assertLess(r.elapsed, 10, r)
        return error

    def test_the_well_formed_body_works(self):
        # The baseline every other test here breaks one way or another.
        r = self.post(GOOD)
        self.assertEqual(r.status, 202, r)
        job_id = r.json()['job_id']
        st = self.wait(job_id)
        self.assertCompleted(st)
        self.assertEqual(self.logs(job_id)['stdout'], '1\n')

    def test_content_type(self):
        for ct in (None, 'application/json', 'text/plain', 'multipart/form-data', 'multipart/form-data; boundary=',
                   'multipart/form-data; boundary="unterminated', 'multipart/mixed; boundary=' + B,
                   'multipart/form-data; boundary=' + 'a' * 71, 'multipart/form-data; boundary=a; boundary=b',
                   'multipart/form-dataX; boundary=' + B, 'multipart/form-data; boundary=' + 'x' * 2000):
            with self.subTest(content_type=ct):
                self.assertRefused(GOOD, ct, fragment='multipart/form-data')

    def test_body_does_not_match_the_boundary(self):
        self.assertRefused(GOOD, 'multipart/form-data; boundary=other', fragment='boundary')
        self.assertRefused(b'', fragment='boundary')
        self.assertRefused(os.urandom(5000), fragment='boundary')

    def test_no_closing_boundary(self):
        for body in (MANIFEST_PART + FILE_PART, GOOD[:-len(CLOSE)] + b'--' + B.encode(), GOOD[:-30],
                     MANIFEST_PART[:40]):
            with self.subTest(body=body[-20:]):
                self.assertRefused(body, fragment='closing boundary')

    def test_garbage_part_headers(self):
        for extra, fragment in ((b'garbage header line\r\n', 'malformed part header'),
                                (b'  folded: continuation\r\n', 'folded'),
                                (b'X-Nul: a\x00b\r\n', 'control character'),
                                (b'X-Esc: \x1b[31m\r\n', 'control character'),
                                (b'Content-Disposition: form-data; name="again"\r\n', 'repeated'),
                                (b': no name\r\n', 'malformed part header')):
            with self.subTest(extra=extra):
                self.assertRefused(with_manifest_headers(extra), fragment=fragment)
        for body, fragment in (
                (GOOD.replace(b'Content-Disposition: form-data; name="manifest"', b'X-Foo: bar'), 'Content-Disposition'),
                (GOOD.replace(b'form-data; name="manifest"', b'attachment; name="manifest"'), 'Content-Disposition'),
                (GOOD.replace(b'name="manifest"', b'name="manifest'), 'Content-Disposition'),
                (GOOD.replace(b'name="f"', b'name="f"; name="g"'), 'Content-Disposition'),
                (GOOD.replace(FILE, FILE + b'\x00../../x'), 'control character'),
                (GOOD.replace(b'; name="manifest"', b''), 'name'),
                (GOOD.replace(b'\r\n', b'\n'), 'boundary')):
            with self.subTest(body=body[:60]):
                self.assertRefused(body, fragment=fragment)

    def test_huge_header_block(self):
        # Over 8 KiB of part headers, a line over 2 KiB, more than 16 lines, 1 MiB with no line end: each is
        # refused as soon as it is seen.
        for extra in (b''.join(b'X-J%d: %s\r\n' % (i, b'a' * 1000) for i in range(12)),
                      b'X-J: ' + b'a' * 5000 + b'\r\n',
                      b''.join(b'X-J%d: a\r\n' % i for i in range(20)),
                      b'X-J: ' + b'a' * (1 << 20)):
            with self.subTest(size=len(extra)):
                error = self.assertRefused(with_manifest_headers(extra), status=400)
                self.assertRegex(error, 'too (large|long|many)')

    def test_too_many_parts(self):
        parts = b''.join(b'--%s\r\nContent-Disposition: form-data; name="f"; filename="f%d"\r\n\r\nx\r\n'
                         % (B.encode(), i) for i in range(300))
        self.assertRefused(MANIFEST_PART + parts + CLOSE, fragment='too many parts')

    def test_manifest_part_rules(self):
        self.assertRefused(FILE_PART + CLOSE, fragment='"manifest" is required')
        self.assertRefused(GOOD.replace(b'name="manifest"', b'name="man"; filename="m.json"'),
                           fragment='"manifest" is required')
        self.assertRefused(MANIFEST_PART + MANIFEST_PART + FILE_PART + CLOSE, fragment='more than one manifest')
        self.assertRefused(GOOD.replace(b'; filename="%s"' % FILE, b''), fragment='filename')

    def test_non_archive_in_an_archive_part(self):
        # Refused by content as the part arrives, whatever it is called: 400 and no job.
        tar = project_tar({'main.py': 'print("ENTRYPOINT RAN")'}, compression='')
        for kind, data in (('text', b'print("hello")\n' * 100),
                           ('short text', b'hello'),
                           ('empty', b''),
                           ('random', os.urandom(4096)),
                           ('bzip2 tar', bz2.compress(tar)),
                           ('xz tar', lzma.compress(tar)),
                           ('7z magic', b"7z\xbc\xaf'\x1c" + os.urandom(1000)),
                           ('rar magic', b'Rar!\x1a\x07\x00' + os.urandom(1000)),
                           ('ELF', b'\x7fELF' + os.urandom(1000)),
                           ('PK but not zip', b'PK' + os.urandom(1000))):
            with self.subTest(kind=kind):
                error = self.submit({'entrypoint': 'main.py'}, {'main.py': 'print("ENTRYPOINT RAN")'},
                                    archives=[data], expect=400)
                self.assertIn('tar, tar.gz or zip', error)

    def test_damaged_archives_are_refused_not_run_corrupted(self):
        # What passes the first bytes but is damaged further in fails unpacking, in the sandbox; or, where
        # the damage spared every entry (a zip missing its central directory), runs on intact files. Never
        # does the program see a file other than the one sent.
        pad = os.urandom(20000)
        main_py = ('import hashlib\nprint("ENTRYPOINT RAN", hashlib.sha256(open("pad.bin", "rb").read()).hexdigest())\n')
        files = {'main.py': main_py, 'pad.bin': pad}
        tgz, zp, tar = project_tar(files), zip_bytes(files), project_tar(files, compression='')

        def flip(data, i):
            return data[:i] + bytes([data[i] ^ 0xff]) + data[i + 1:]
        cases = {
            'gzip of text': gzip.compress(b'not a tar\n' * 1000),
            'truncated tar.gz': tgz[:len(tgz) // 2],
            # Random data deflates to stored blocks: the flip lands in pad.bin; only gzip's CRC-32 tells.
            'tar.gz with a flipped byte': flip(tgz, len(tgz) // 2),
            'tar.gz with a wrong CRC-32': flip(tgz, len(tgz) - 8),
            'zip with a flipped byte': flip(zp, len(zp) // 2),
            'zip without its central directory': zp[:len(zp) - 30],
            'truncated tar': tar[:len(tar) // 2 + 7],
        }
        jobs = {kind: self.submit({'entrypoint': 'main.py'}, archives=[data]) for kind, data in cases.items()}
        intact = 'ENTRYPOINT RAN %s\n' % hashlib.sha256(pad).hexdigest()
        for kind, job_id in jobs.items():
            with self.subTest(kind=kind):
                st = self.wait(job_id)
                if st['status'] == 'completed':
                    self.assertEqual(self.logs(job_id)['stdout'], intact, 'ran on damaged content: %r' % st)
                else:
                    self.assertUploadFailed(job_id)

    def test_upload_over_the_limit_announced(self):
        # A Content-Length over the limit is refused before the body is read.
        pid = main_pid()
        chunks, total = big_file_body(100 << 20)
        r, sent, seconds = upload(chunks(), content_length=total)
        self.assertNotIsInstance(r, Exception, r)
        self.assertJsonError(r, 413)
        self.assertLess(seconds, 10)
        self.assertLess(sent, total)
        self.assertEqual(main_pid(), pid, 'sandrund restarted')
        self.assertServing()

    def test_upload_over_the_limit_streamed(self):
        # Bodies that do not announce being too large: refused with 413 once past the limit, quickly.
        pid = main_pid()
        rss_before, _ = daemon_memory_kib()
        for chunked, size in ((False, UPLOAD_MAX + (512 << 10)), (True, UPLOAD_MAX + (6 << 20))):
            with self.subTest(chunked=chunked, size=size):
                chunks, total = big_file_body(size)
                r, sent, seconds = upload(chunks(), content_length=None if chunked else total, chunked=chunked)
                self.assertNotIsInstance(r, Exception, 'no answer after %d bytes in %.1f s: %r' % (sent, seconds, r))
                self.assertJsonError(r, 413)
                self.assertLess(seconds, 20, 'a %d MiB upload took %.1f s to be refused' % (size >> 20, seconds))
        self.assertEqual(main_pid(), pid, 'sandrund restarted')
        rss_after, _ = daemon_memory_kib()
        # The refused uploads are not held: the daemon's memory is about what it was.
        self.assertLess(rss_after - rss_before, 32 << 10, (rss_before, rss_after))
        self.assertServing()

    def test_upload_far_over_the_limit_chunked(self):
        # A chunked body announces no length: however far over the limit it goes, the client is owed the
        # 413 that says why, not a connection closed mid-upload without an answer.
        chunks, total = big_file_body(UPLOAD_MAX + (36 << 20))
        r, sent, seconds = upload(chunks(), chunked=True)
        self.assertNotIsInstance(r, Exception, 'no answer, connection closed after %d of %d bytes in %.1f s: %r'
                                 % (sent, total, seconds, r))
        self.assertJsonError(r, 413)
        self.assertLess(seconds, 20)
        self.assertServing()

    def test_upload_just_under_the_limit_works(self):
        chunks, total = big_file_body(UPLOAD_MAX - (1 << 20))
        r, sent, seconds = upload(chunks(), content_length=total)
        self.assertNotIsInstance(r, Exception, r)
        self.assertEqual(r.status, 202, r)
        self.assertLess(seconds, 30, 'a 63 MiB upload took %.1f s' % seconds)
        job_id = r.json()['job_id']
        # Its entrypoint is not there: the job runs (and the interpreter complains), the upload was fine.
        st = self.wait(job_id, timeout=120)
        self.assertEqual(st['status'], 'completed', st)

    def test_half_sent_upload_leaves_nothing_behind(self):
        # A client that goes away mid-body: no answer is owed, no job appears, the daemon serves on.
        chunks, total = big_file_body(8 << 20)
        s = tls_socket(source=self.SOURCE)
        s.sendall(('POST /submit HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n'
                   % (CT, total)).encode())
        for i, chunk in enumerate(chunks()):
            if i == 4:
                break
            s.sendall(chunk)
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()
        self.assertServing()
        self.assertEqual(self.get('status', uuid.uuid4().hex).status, 404)


if __name__ == '__main__':
    main()
