#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile uploads and hostile outputs: traversal names in file parts and archives, symlink and
hardlink escapes, device nodes and FIFOs, setuid bits, symlinked outputs, zip and tar.gz bombs.

Every name a test tries to plant carries a fresh token; after each test the container is searched for it
(where a job's files could land, and once more over the whole file system after the file), /etc/passwd,
/etc/shadow, /etc/group and /etc/hosts must be unchanged, the daemon must serve /run and must not have
crashed."""
import io
import json
import os
import stat
import tarfile
import time
import zipfile

from batch_test import (BatchTestCase, daemon_memory_kib, main, main_pid, project_tar, replace_name, tar_bytes,
                        tar_gz_bomb, zip_bomb, zip_bytes)

SOURCE = '127.0.0.45'

# Runs first in every job here: says it ran, and lists what it found in /work.
LISTER = ('import json, os\nprint("ENTRYPOINT RAN")\nfound = {}\n'
          'for root, dirs, files in os.walk("/work"):\n'
          '    for name in dirs + files:\n'
          '        p = os.path.join(root, name)\n'
          '        st = os.lstat(p)\n'
          '        found[os.path.relpath(p, "/work")] = [st.st_mode, st.st_uid]\n'
          'print(json.dumps(found))\n')


def zip_entries(entries):
    """A zip whose entries carry Unix modes: (name, st_mode, data)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as z:
        for name, mode, data in entries:
            zi = zipfile.ZipInfo(name)
            zi.create_system = 3
            zi.external_attr = mode << 16
            z.writestr(zi, data)
    return buf.getvalue()


class HostileUploads(BatchTestCase):
    SOURCE = SOURCE
    AUDIT_EACH = True

    def submit_archive(self, archive, entrypoint='main.py'):
        return self.submit({'entrypoint': entrypoint}, {'main.py': LISTER}, archives=[archive])

    def listing(self, job_id):
        """What the lister saw in /work: {path: [mode, uid]}."""
        out = self.logs(job_id)['stdout'].split('\n')
        self.assertEqual(out[0], 'ENTRYPOINT RAN', out)
        return json.loads(out[1])

    def listing_unless_refused(self, archive):
        """Runs the lister on the archive: None if the upload failed (checked), else what it found."""
        job_id = self.submit_archive(archive)
        st = self.wait(job_id)
        if st['status'] == 'failed':
            self.assertUploadFailed(job_id)
            return None
        self.assertCompleted(st)
        return self.listing(job_id)

    def assertArchiveRefused(self, archive, *fragments):
        error = self.assertUploadFailed(self.submit_archive(archive))
        for f in fragments:
            self.assertIn(f, error)
        return error

    def assertLinkReadable(self, link_type):
        """A link (tarfile.SYMTYPE or LNKTYPE) to a file extracted before it is made, and read through."""
        job_id = self.submit({'entrypoint': 'main.sh'}, archives=[tar_bytes([
            ({'name': 'main.sh'}, 'cat link.txt\n'), ({'name': 'data.txt'}, 'through the link\n'),
            ({'name': 'link.txt', 'type': link_type, 'linkname': 'data.txt'}, None)])])
        self.assertCompleted(self.wait(job_id))
        self.assertEqual(self.logs(job_id)['stdout'], 'through the link\n')

    # -- traversal names

    def test_traversal_names_in_file_parts(self):
        t = self.new_token()
        for name, fragment in (('../' + t, '..'), ('../../../../../tmp/' + t, '..'), ('a/../../' + t, '..'),
                               ('/tmp/' + t, 'absolute'), ('/etc/' + t, 'absolute'), ('/' + t, 'absolute'),
                               ('a//' + t, 'empty'), ('//' + t, 'absolute'), ('', 'empty'), ('..', '..'),
                               ('.', 'top directory'), ('./', 'top directory'),
                               ('a\x00/../../' + t, 'control character'), (t + '\x01', 'control character'),
                               (t + '\x7f', 'control character'), ('a/' * 40 + t, 'too deep'),
                               ('x' * 300 + t, 'too long'), ('d/' * 300 + t, 'too deep')):
            with self.subTest(name=name[:60]):
                error = self.submit({'entrypoint': 'main.py'}, {'main.py': LISTER, name: 'planted'}, expect=400)
                self.assertIn(fragment, error)

    def test_traversal_names_in_tar(self):
        t = self.new_token()
        for name, fragment in (('../' + t, '..'), ('sub/../../' + t, '..'), ('./../' + t, '..'),
                               ('/tmp/' + t, 'absolute'), ('/etc/' + t, 'absolute'), ('a//' + t, 'empty'),
                               ('a/' * 40 + t, 'too deep'), ('x' * 300 + t, 'too long')):
            for compression in ('', 'gz'):
                with self.subTest(name=name[:60], compression=compression):
                    self.assertArchiveRefused(
                        tar_bytes([({'name': 'ok.txt'}, 'fine'), ({'name': name}, 'planted')], compression), fragment)

    def test_traversal_names_in_zip(self):
        t = self.new_token()
        for name, fragment in (('../' + t, '..'), ('sub/../../' + t, '..'), ('/tmp/' + t, 'absolute'),
                               ('a//' + t, 'empty'), ('a/' * 40 + t, 'too deep')):
            with self.subTest(name=name[:60]):
                self.assertArchiveRefused(zip_bytes([('ok.txt', 'fine'), (name, 'planted')]), fragment)

    def test_nul_in_archive_names(self):
        # Tar (in a pax record) and zip can carry a NUL inside a name. The entry is refused, or the name
        # ends at the NUL (libarchive's view), inside the work dir; nothing of what follows it is used.
        t = self.new_token()
        # Longer than a ustar name field, so that the name lives only in the pax record (or the zip's
        # headers, which no checksum covers) and can be swapped for one with a NUL.
        tail = '/../../../tmp/' + t + '/' + 'x' * 100
        placeholder = 'P' * len('ok.txt\0' + tail)
        real = ('ok.txt\0' + tail).encode()
        archives = {
            'pax': replace_name(tar_bytes([({'name': placeholder}, 'planted')], compression=''),
                                placeholder.encode(), real),
            'zip': replace_name(zip_bytes({placeholder: 'planted'}), placeholder.encode(), real),
        }
        for kind, archive in archives.items():
            with self.subTest(kind=kind):
                found = self.listing_unless_refused(archive)
                if found is None:
                    continue
                self.assertEqual(sorted(found), ['main.py', 'ok.txt'], found)
                self.assertTrue(stat.S_ISREG(found['ok.txt'][0]), found)

    # -- links

    def test_symlink_to_etc_passwd_then_write_through_it(self):
        t = self.new_token()
        for compression in ('', 'gz'):
            with self.subTest(compression=compression):
                self.assertArchiveRefused(tar_bytes([
                    ({'name': 'link', 'type': tarfile.SYMTYPE, 'linkname': '/etc/passwd'}, None),
                    ({'name': 'link'}, '%s::0:0::/:/bin/sh\n' % t)], compression), 'symlink')
        self.assertArchiveRefused(zip_entries([('link', 0o120777, '/etc/passwd'),
                                               ('link', 0o100644, '%s::0:0::/:/bin/sh\n' % t)]), 'symlink')

    def test_symlinked_directories_out_of_the_work_dir(self):
        t = self.new_token()
        for target in ('/tmp', '/etc', '/', '../../../../../../tmp', '..', 'sub/../..'):
            with self.subTest(target=target):
                self.assertArchiveRefused(tar_bytes([
                    ({'name': 'sub', 'type': tarfile.DIRTYPE}, None),
                    ({'name': t, 'type': tarfile.SYMTYPE, 'linkname': target}, None),
                    ({'name': '%s/%s' % (t, t)}, 'planted')]), 'symlink')

    def test_nothing_is_written_through_a_contained_symlink(self):
        # A symlink that stays inside may exist, but no later entry goes through it.
        t = self.new_token()
        self.assertArchiveRefused(tar_bytes([
            ({'name': 'sub', 'type': tarfile.DIRTYPE}, None),
            ({'name': 'alias', 'type': tarfile.SYMTYPE, 'linkname': 'sub'}, None),
            ({'name': 'alias/' + t}, 'planted')]), 'symlink')
        # And alone it works, read through by the job.
        self.assertLinkReadable(tarfile.SYMTYPE)

    def test_hardlinks_out_of_the_work_dir(self):
        for target in ('/etc/shadow', '/etc/passwd', '../../../../etc/shadow', 'missing.txt', 'sub', 'link'):
            with self.subTest(target=target):
                self.assertArchiveRefused(tar_bytes([
                    ({'name': 'sub', 'type': tarfile.DIRTYPE}, None),
                    ({'name': 'link', 'type': tarfile.SYMTYPE, 'linkname': 'sub'}, None),
                    ({'name': 'h', 'type': tarfile.LNKTYPE, 'linkname': target}, None)]), 'hardlink')
        # To a regular file extracted before, a hardlink is fine.
        self.assertLinkReadable(tarfile.LNKTYPE)

    # -- special files and modes

    def test_device_nodes_and_fifos_in_tar(self):
        t = self.new_token()
        for kind, fields in (('character device', {'type': tarfile.CHRTYPE, 'devmajor': 1, 'devminor': 3}),
                             ('block device', {'type': tarfile.BLKTYPE, 'devmajor': 8, 'devminor': 0}),
                             ('memory device', {'type': tarfile.CHRTYPE, 'devmajor': 1, 'devminor': 1}),
                             ('FIFO', {'type': tarfile.FIFOTYPE})):
            for compression in ('', 'gz'):
                with self.subTest(kind=kind, compression=compression):
                    self.assertArchiveRefused(
                        tar_bytes([({'name': t}, 'x'), (dict(fields, name=t + '-dev'), None)], compression),
                        'device node, FIFO or socket')

    def test_special_files_in_zip(self):
        # Zip keeps Unix modes in its external attributes: a device node is refused; a FIFO comes out as a
        # plain file, or is refused; never anything but a regular file or directory in /work.
        t = self.new_token()
        self.assertArchiveRefused(zip_entries([(t + '-dev', stat.S_IFCHR | 0o644, '')]), 'device')
        for mode in (stat.S_IFIFO | 0o644, stat.S_IFSOCK | 0o644, stat.S_IFBLK | 0o644):
            with self.subTest(mode=oct(mode)):
                found = self.listing_unless_refused(zip_entries([(t + '-special', mode, '')]))
                if found is None:
                    continue
                self.assertTrue(stat.S_ISREG(found[t + '-special'][0]), found)

    def test_setuid_setgid_sticky_are_stripped(self):
        archives = {
            'tar': tar_bytes([({'name': 'suid.sh', 'mode': 0o6755}, 'echo x'),
                              ({'name': 'sgid-dir', 'type': tarfile.DIRTYPE, 'mode': 0o3777}, None),
                              ({'name': 'sgid-dir/f', 'mode': 0o2644}, 'x'),
                              ({'name': 'none', 'mode': 0o000}, 'x')]),
            'zip': zip_entries([('suid.sh', stat.S_IFREG | 0o6755, 'echo x'),
                                ('sgid-dir/', stat.S_IFDIR | 0o3777, ''),
                                ('sgid-dir/f', stat.S_IFREG | 0o2644, 'x'),
                                ('none', stat.S_IFREG | 0o000, 'x')]),
        }
        for kind, archive in archives.items():
            with self.subTest(kind=kind):
                job_id = self.submit_archive(archive)
                self.assertCompleted(self.wait(job_id))
                found = self.listing(job_id)
                uids = {uid for _, uid in found.values()}
                self.assertEqual(len(uids), 1, found)      # all the job's own, whatever the archive said
                for path in ('suid.sh', 'sgid-dir', 'sgid-dir/f', 'none'):
                    mode = found[path][0]
                    self.assertEqual(mode & 0o7000, 0, '%s: %o' % (path, mode))
                    self.assertEqual(mode & 0o600, 0o600, '%s: %o' % (path, mode))   # owner can read, write
                self.assertEqual(found['suid.sh'][0] & 0o777, 0o755)

    def test_outputs_never_carry_setuid_or_group_write(self):
        # The sandbox may refuse the chmod itself (EPERM): then the plain file goes out, still checked.
        code = ('import os\nos.mkdir("out")\n'
                'for name, mode in (("suid", 0o4755), ("sgid", 0o2755), ("world", 0o666), ("sticky", 0o1777)):\n'
                '    open("out/" + name, "w").write(name)\n'
                '    try:\n'
                '        os.chmod("out/" + name, mode)\n'
                '    except PermissionError:\n'
                '        print(name, "refused")\n')
        job_id = self.submit({'entrypoint': 'main.py', 'outputs': ['out/*']}, {'main.py': code})
        self.assertCompleted(self.wait(job_id))
        got = self.download(job_id)
        self.assertEqual(sorted(got), ['out/sgid', 'out/sticky', 'out/suid', 'out/world'])
        for name, (ti, data) in got.items():
            self.assertTrue(ti.isreg(), name)
            self.assertEqual(ti.mode & 0o7022, 0, '%s: %o' % (name, ti.mode))

    # -- hostile outputs

    def test_symlinked_outputs_carry_no_host_content(self):
        # The job leaves results/x.csv -> /etc/passwd, a directory symlink to /etc, a FIFO and a hardlink
        # attempt: only its own regular files come back, and nothing of the system's files.
        code = ('import os\nos.mkdir("results")\n'
                'open("results/real.csv", "w").write("a,b\\n")\n'
                'os.symlink("/etc/passwd", "results/x.csv")\n'
                'os.symlink("/etc/shadow", "results/shadow.csv")\n'
                'os.symlink("/etc", "results/etc")\n'
                'os.symlink("/", "root")\n'
                'os.mkfifo("results/fifo.csv")\n'
                'try:\n    os.link("/etc/passwd", "results/hard.csv")\nexcept OSError as e:\n    print("link:", e.errno)\n')
        job_id = self.submit({'entrypoint': 'main.py',
                              'outputs': ['results/*.csv', 'results/**', 'root/etc/*', 'root/**', '**/passwd']},
                             {'main.py': code})
        st = self.wait(job_id, timeout=60)
        self.assertCompleted(st)
        self.assertEqual(self.outputs(job_id), [{'path': 'results/real.csv', 'size': 4}])
        got = self.download(job_id)
        self.assertEqual(sorted(got), ['results/real.csv'])
        for name, (ti, data) in got.items():
            self.assertTrue(ti.isreg(), name)
            self.assertNotIn(b'root:', data or b'')

    # -- bombs

    def test_zip_and_tar_gz_bombs(self):
        # 1 GiB of zeros each, about 1 MiB compressed; and 200 MiB, which a cap on the declared size alone
        # would let through. Each ends quickly as a failed upload, and the daemon's memory stays put.
        pid = main_pid()
        rss_before, _ = daemon_memory_kib()
        bombs = {'zip 1 GiB': zip_bomb(1 << 30), 'tar.gz 1 GiB': tar_gz_bomb(1 << 30),
                 'zip 200 MiB': zip_bomb(200 << 20), 'tar.gz 200 MiB': tar_gz_bomb(200 << 20)}
        for kind, bomb in bombs.items():
            with self.subTest(kind=kind):
                self.assertLess(len(bomb), 2 << 20)
                t0 = time.monotonic()
                error = self.assertUploadFailed(self.submit_archive(bomb))
                self.assertLess(time.monotonic() - t0, 30, kind)
                self.assertRegex(error, 'too large|too much|expands|full|No space')
        rss_after, hwm = daemon_memory_kib()
        if main_pid() == pid:
            self.assertLess(rss_after - rss_before, 64 << 10, (rss_before, rss_after))
        self.assertLess(rss_after, 256 << 10, rss_after)
        self.assertLess(hwm, 512 << 10, hwm)

    def test_many_entries(self):
        archive = tar_bytes([({'name': 'f%05d' % i}, '') for i in range(10050)])
        self.assertArchiveRefused(archive, 'too many entries')

    def test_filling_the_work_dir(self):
        # 100 MiB of two-letter noise: about 8:1, under the ratio cap and the 256 MiB cap, but more than the
        # 64 MiB /work holds. The upload fails as the disk fills, not the daemon.
        noise = os.urandom(100 << 20).translate(bytes(b'ab'[i & 1] for i in range(256)))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            z.writestr('noise.txt', noise)
        self.assertLess(len(buf.getvalue()), 40 << 20)
        error = self.assertArchiveRefused(buf.getvalue())
        self.assertRegex(error, 'full|too large|no space')

    def test_project_tar_still_works_here(self):
        # The same address, the same checks: a plain project passes them.
        job_id = self.submit_archive(project_tar({'data/x.txt': 'x'}))
        self.assertCompleted(self.wait(job_id))
        self.assertIn('data/x.txt', self.listing(job_id))


if __name__ == '__main__':
    main()
