#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hello world in every interpreter sandrun installs, answered as plain text and as JSON."""
from sandrun_test import COMPILED, INTERPRETERS, JOB_ID_RE, SandrunTestCase, main, request, run_json, run_plain

# Each program proves it ran in the interpreter named: bash upper-cases with ${x^^}, which dash lacks;
# sh refuses to be bash.
HELLO = {
    'python': ('import sys\nprint("hello from python%d" % sys.version_info[0])\n', 'hello from python3\n'),
    'bash': ('x=bash; echo "hello from ${x^^}"\n', 'hello from BASH\n'),
    'sh': ('if [ -n "$BASH_VERSION" ]; then echo bash; else echo "hello from sh"; fi\n', 'hello from sh\n'),
    'node': ('console.log("hello from " + process.release.name)\n', 'hello from node\n'),
    'perl': ('print "hello from perl", ($] >= 5 ? "5" : "?"), "\\n";\n', 'hello from perl5\n'),
}


class Hello(SandrunTestCase):
    def test_plain(self):
        for lang in INTERPRETERS:
            with self.subTest(lang=lang):
                code, want = HELLO[lang]
                r = run_plain(code, lang)
                self.assertEqual(r.content_type, 'text/plain', r)
                self.assertEqual(r.text, want)
                self.assertEqual(r.headers.get('X-Sandrun-Status'), 'completed')
                self.assertEqual(r.headers.get('X-Sandrun-Exit-Code'), '0')
                self.assertIsNotNone(r.headers.get('X-Sandrun-CPU-Seconds'))
                self.assertIsNotNone(r.headers.get('X-Sandrun-Memory-MB'))

    def test_json(self):
        for lang in INTERPRETERS:
            with self.subTest(lang=lang):
                code, want = HELLO[lang]
                d = run_json(code, lang)
                self.assertRegex(d['job_id'], JOB_ID_RE)
                self.assertEqual(d['status'], 'completed', d)
                self.assertEqual(d['exit_code'], 0, d)
                self.assertIsNone(d['signal'])
                self.assertIsNone(d['reason'])
                self.assertEqual(d['stdout'], want)
                self.assertEqual(d['stderr'], '')
                self.assertEqual(d['output'], want)
                self.assertIs(d['truncated'], False)
                for k in ('cpu_seconds', 'memory_mb', 'wall_seconds'):
                    self.assertIsInstance(d['metrics'][k], (int, float), d['metrics'])
                    self.assertGreaterEqual(d['metrics'][k], 0)

    def test_plain_client_asking_json(self):
        # A raw program with Accept: application/json gets the JSON answer.
        r = request('POST', '/run?lang=sh', 'echo hi', {'Content-Type': 'text/plain', 'Accept': 'application/json'})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()['stdout'], 'hi\n')

    def test_job_ids_differ(self):
        ids = {run_json('pass')['job_id'] for _ in range(3)}
        self.assertEqual(len(ids), 3, ids)

    def test_languages_lists_every_interpreter(self):
        r = request('GET', '/languages')
        self.assertEqual(r.status, 200, r)
        names = [l['name'] for l in r.json()['languages']]
        self.assertEqual(sorted(names), sorted(INTERPRETERS + COMPILED))


if __name__ == '__main__':
    main()
