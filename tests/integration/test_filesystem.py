#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A job writes only to its own /work and /tmp; the system is read-only to it and nothing carries over."""
import uuid

from sandrun_test import SandrunTestCase, container, main, run_python_json

PROBE = r'''
import errno, json, os
tag = %r
r = {}
for d in ("/usr", "/etc", "/", "/var", "/usr/local/bin", "/work", "/tmp", os.getcwd()):
    p = os.path.join(d, "sandrun-probe-" + tag)
    try:
        with open(p, "w") as f:
            f.write(tag)
        r[d] = "ok" if open(p).read() == tag else "read back differs"
    except OSError as e:
        r[d] = errno.errorcode.get(e.errno, str(e))
r["cwd"] = os.getcwd()
print(json.dumps(r))
'''


class Filesystem(SandrunTestCase):
    def test_read_only_system_writable_work_and_tmp(self):
        tag = uuid.uuid4().hex
        r = run_python_json(PROBE % tag)
        for d in ('/usr', '/etc', '/', '/var', '/usr/local/bin'):
            self.assertIn(r[d], ('EROFS', 'EACCES', 'EPERM', 'ENOENT'), '%s in the job: %r' % (d, r))
        self.assertEqual(r['/work'], 'ok', r)
        self.assertEqual(r['/tmp'], 'ok', r)
        # Nothing reached the container's (the host's) file system.
        p = container('sh', '-c', 'ls -d /usr/sandrun-probe-* /etc/sandrun-probe-* /sandrun-probe-* '
                      '/var/sandrun-probe-* /work/sandrun-probe-* /tmp/sandrun-probe-* 2>/dev/null', check=False)
        self.assertNotIn(tag, p.stdout)

    def test_nothing_carries_over_between_jobs(self):
        tag = uuid.uuid4().hex
        first = run_python_json('import json\nfor d in ("/tmp", "/work"):\n'
                                '    open(d + "/left-%s", "w").write("x")\nprint(json.dumps("written"))' % tag)
        self.assertEqual(first, 'written')
        second = run_python_json('import json, os\nprint(json.dumps([os.path.exists(d + "/left-%s") '
                                 'for d in ("/tmp", "/work")]))' % tag)
        self.assertEqual(second, [False, False])

    def test_work_is_size_capped(self):
        # Filling /work stops at its cap (ENOSPC) instead of eating the host's memory or disk.
        code = ('import errno, json\nn = 0\nchunk = b"x" * (1 << 20)\n'
                'try:\n    with open("/work/fill", "wb") as f:\n        while n < 4096:\n'
                '            f.write(chunk); f.flush(); n += 1\n    r = "no limit"\n'
                'except OSError as e:\n    r = errno.errorcode.get(e.errno, str(e))\n'
                'print(json.dumps([r, n]))\n')
        r = run_python_json(code, http_timeout=120)
        self.assertEqual(r[0], 'ENOSPC', r)
        self.assertLess(r[1], 4096, r)


if __name__ == '__main__':
    main()
