#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Whole projects as batch jobs: tar, tar.gz and zip archives (found by content, not name), several
file parts, nested entrypoints, and outputs chosen by glob patterns, "**" included."""
import json
import zipfile

from batch_test import BatchTestCase, main, project_tar, tar_bytes, zip_bytes

SOURCE = '127.0.0.42'


class Projects(BatchTestCase):
    SOURCE = SOURCE

    def test_tar_gz_project(self):
        archive = project_tar({
            'main.py': 'import csv, os, sys\n'
                       'from pkg.util import double\n'
                       'rows = list(csv.reader(open("data/input.csv")))\n'
                       'os.makedirs("results", exist_ok=True)\n'
                       'with open("results/doubled.csv", "w") as f:\n'
                       '    for name, n in rows:\n'
                       '        f.write("%s,%d\\n" % (name, double(int(n))))\n'
                       'print(os.getcwd(), len(rows))\n',
            'pkg/': None,
            'pkg/__init__.py': '',
            'pkg/util.py': 'def double(n):\n    return 2 * n\n',
            'data/input.csv': 'a,1\nb,21\n',
        })
        job_id = self.submit({'entrypoint': 'main.py', 'outputs': ['results/*.csv']}, archives=[archive])
        st = self.wait(job_id)
        self.assertCompleted(st)
        self.assertEqual(self.logs(job_id)['stdout'], '/work 2\n')
        self.assertEqual(self.outputs(job_id), [{'path': 'results/doubled.csv', 'size': 9}])
        self.assertEqual(self.download(job_id)['results/doubled.csv'][1], b'a,2\nb,42\n')

    def test_zip_project_with_nested_entrypoint(self):
        archive = zip_bytes({
            'src/app/main.py': 'import sys\n'
                               'from helper import greet\n'    # next to the script: sys.path[0]
                               'print(greet(open("config/name.txt").read().strip()))\n'
                               'print(sys.argv[0])\n'
                               'open("src/app/out.txt", "w").write("from the nested app")\n',
            'src/app/helper.py': 'def greet(who):\n    return "hello, " + who\n',
            'config/name.txt': 'zip\n',
        })
        job_id = self.submit({'entrypoint': 'src/app/main.py', 'outputs': ['src/**/*.txt']}, archives=[archive])
        self.assertCompleted(self.wait(job_id))
        lg = self.logs(job_id)
        self.assertEqual((lg['stdout'], lg['stderr']), ('hello, zip\nsrc/app/main.py\n', ''), lg)
        self.assertEqual(self.outputs(job_id), [{'path': 'src/app/out.txt', 'size': 19}])

    def test_formats_are_told_by_content(self):
        # A plain tar and a stored (uncompressed) zip work too; the part's filename says nothing.
        files = {'main.sh': 'cat data.txt\n', 'data.txt': 'content\n'}
        for kind, archive in (('tar', project_tar(files, compression='')),
                              ('tar.gz', project_tar(files)),
                              ('zip stored', zip_bytes(files, zipfile.ZIP_STORED))):
            with self.subTest(kind=kind):
                st, lg = self.run_job({'entrypoint': 'main.sh'}, archives=[archive])
                self.assertCompleted(st)
                self.assertEqual(lg['stdout'], 'content\n', lg)

    def test_multiple_file_parts(self):
        files = {
            'main.py': 'import json, os\n'
                       'from lib.mod import VALUE\n'
                       'print(VALUE)\n'
                       'print(open("data/a.txt").read() + open("data/deeper/b.txt").read())\n',
            'lib/__init__.py': '',
            'lib/mod.py': 'VALUE = "imported"\n',
            'data/a.txt': 'A',
            'data/deeper/b.txt': 'B',
            'spaces in name.txt': 'with spaces',
            'ünïcode.txt': 'utf-8 name',
            './dot/first.txt': 'normalised',
        }
        job_id = self.submit({'entrypoint': 'main.py', 'outputs': ['**']}, files)
        self.assertCompleted(self.wait(job_id))
        self.assertEqual(self.logs(job_id)['stdout'], 'imported\nAB\n')
        listing = {f['path']: f['size'] for f in self.outputs(job_id)}
        expected = {p[2:] if p.startswith('./') else p: len(d.encode()) for p, d in files.items()}
        self.assertEqual(listing, expected)
        got = self.download(job_id)
        self.assertEqual(got['ünïcode.txt'][1], b'utf-8 name')
        self.assertEqual(got['dot/first.txt'][1], b'normalised')

    def test_files_and_archives_together_later_parts_win(self):
        # Parts are written in order: a file part after an archive replaces the archive's file there.
        archive = project_tar({'main.sh': 'cat a.txt b.txt c.txt\n', 'a.txt': 'a from the archive\n',
                               'b.txt': 'b from the archive\n'})
        second = zip_bytes({'c.txt': 'c from the zip\n'})
        job_id = self.submit({'entrypoint': 'main.sh'}, files=None, archives=[archive, second],
                             extra=[('file', 'b.txt', b'b from a file part\n')])
        self.assertCompleted(self.wait(job_id))
        self.assertEqual(self.logs(job_id)['stdout'],
                         'a from the archive\nb from a file part\nc from the zip\n')

    def test_modes_from_archives(self):
        archive = tar_bytes([({'name': 'main.sh'}, './tool.sh\n'),
                             ({'name': 'tool.sh', 'mode': 0o755}, '#!/bin/sh\necho tool ran\n'),
                             ({'name': 'private.txt', 'mode': 0o600}, 'secret'),
                             ({'name': 'readonly.txt', 'mode': 0o400}, 'r')])
        st, lg = self.run_job({'entrypoint': 'main.sh'}, archives=[archive])
        self.assertCompleted(st)
        self.assertEqual(lg['stdout'], 'tool ran\n', lg)

    def test_interpreter_from_extension_or_manifest(self):
        for name, code, manifest in (
                ('main.sh', 'echo "$BASH_VERSION" | cut -c1', {}),
                ('main.pl', 'print "perl\\n";', {}),
                ('main.js', 'console.log("node")', {}),
                ('script', 'print("python by name")', {'interpreter': 'python'}),
                ('script.txt', 'echo sh by name', {'interpreter': 'sh'})):
            with self.subTest(name=name):
                st, lg = self.run_job(dict(manifest, entrypoint=name), {name: code})
                self.assertCompleted(st)
                self.assertTrue(lg['stdout'].strip(), lg)

    def test_outputs_globs(self):
        tree = ['a.csv', '.hidden.csv', 'b.txt', 'results/x.csv', 'results/deep/y.csv', 'results/deep/z.txt',
                'results/deep/deeper/w.csv', 'other/q.csv', 'résumé.csv']
        make = ('import os\nfor p in %s:\n'
                '    os.makedirs(os.path.dirname(p) or ".", exist_ok=True)\n'
                '    open(p, "w").write(p)\n' % json.dumps(tree))
        cases = {
            ('*.csv',): ['.hidden.csv', 'a.csv', 'résumé.csv'],
            ('results/*.csv',): ['results/x.csv'],
            ('results/**/*.csv',): ['results/deep/deeper/w.csv', 'results/deep/y.csv', 'results/x.csv'],
            ('**/*.csv',): ['.hidden.csv', 'a.csv', 'other/q.csv', 'results/deep/deeper/w.csv',
                            'results/deep/y.csv', 'results/x.csv', 'résumé.csv'],
            ('results/**',): ['results/deep/deeper/w.csv', 'results/deep/y.csv', 'results/deep/z.txt',
                              'results/x.csv'],
            ('**/deep/*',): ['results/deep/y.csv', 'results/deep/z.txt'],
            ('?.txt', '[ab].csv', 'other/*'): ['a.csv', 'b.txt', 'other/q.csv'],
            ('*.nothing',): [],
            (): [],
        }
        # Independent jobs: submitted together, they run two at a time.
        jobs = {patterns: self.submit({'entrypoint': 'make.py', 'outputs': list(patterns)}, {'make.py': make})
                for patterns in cases}
        for patterns, job_id in jobs.items():
            with self.subTest(patterns=patterns):
                self.assertCompleted(self.wait(job_id))
                listing = self.outputs(job_id)
                self.assertEqual([f['path'] for f in listing], cases[patterns])
                for f in listing:
                    self.assertEqual(f['size'], len(f['path'].encode()), f)
                got = self.download(job_id)
                self.assertEqual(sorted(got), sorted(cases[patterns]))
                for name, (ti, data) in got.items():
                    self.assertTrue(ti.isreg(), name)
                    self.assertEqual(data, name.encode())

    def test_outputs_keep_binary_content_and_empty_files(self):
        code = ('import os\nos.mkdir("out")\n'
                'open("out/bin.dat", "wb").write(bytes(range(256)) * 1000)\n'
                'open("out/empty.txt", "w").close()\n')
        job_id = self.submit({'entrypoint': 'main.py', 'outputs': ['out/*']}, {'main.py': code})
        self.assertCompleted(self.wait(job_id))
        self.assertEqual(self.outputs(job_id), [{'path': 'out/bin.dat', 'size': 256000},
                                                {'path': 'out/empty.txt', 'size': 0}])
        got = self.download(job_id)
        self.assertEqual(got['out/bin.dat'][1], bytes(range(256)) * 1000)
        self.assertEqual(got['out/empty.txt'][1], b'')


    def test_c_project_compiled_in_the_job(self):
        # A compiled language's entrypoint is compiled in /work after the upload is unpacked, then runs;
        # its outputs are packed as usual. A compile error fails the job with reason compile.
        files = {
            'src/main.c': '#include <stdio.h>\n#include "util.h"\nint main(int c, char **v) {\n'
                          '  FILE *f = fopen("out/sum.txt", "w"); fprintf(f, "%d\\n", add(20, 22)); fclose(f);\n'
                          '  printf("%s\\n", c > 1 ? v[1] : "-"); return 0;\n}\n',
            'src/util.h': 'static int add(int a, int b) { return a + b; }\n',
            'out/.keep': '',
        }
        job_id = self.submit({'entrypoint': 'src/main.c', 'args': ['hi'], 'outputs': ['out/*.txt']}, files)
        st = self.wait(job_id)
        self.assertCompleted(st)
        self.assertEqual(self.logs(job_id)['stdout'], 'hi\n')
        self.assertEqual(self.download(job_id)['out/sum.txt'][1], b'42\n')
        job_id = self.submit({'entrypoint': 'main.c'}, {'main.c': 'int main(void) { return nope; }\n'})
        st = self.wait(job_id)
        self.assertEqual((st['status'], st['reason']), ('failed', 'compile'), st)
        self.assertIn('nope', st.get('compile', {}).get('stderr', ''), st)

    def test_tests_in_a_manifest(self):
        # The manifest's "tests" work as /run's: one compile, a run per case, verdicts in /status.
        files = {'main.c': '#include <stdio.h>\nint main(void) { long a, b; scanf("%ld %ld", &a, &b);'
                           ' printf("%ld\\n", a * b); return 0; }\n'}
        job_id = self.submit({'entrypoint': 'main.c', 'timeout': 2, 'compare': 'exact',
                              'tests': [{'stdin': '6 7', 'expected_output': '42\n'},
                                        {'stdin': '2 2', 'expected_output': '5\n'}]}, files)
        st = self.wait(job_id)
        self.assertEqual((st['status'], st['compile']['status']), ('completed', 'completed'), st)
        self.assertEqual([t['verdict'] for t in st['tests']], ['accepted', 'wrong_answer'], st)
        self.assertEqual(st['summary'], {'total': 2, 'passed': 1, 'failed': 1})

if __name__ == '__main__':
    main()
