#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""sandrund's memory is locked (keys, requests and outputs never reach swap), and running out of lockable
memory answers 503, never a crash. Where the host cannot give sandrund the unit's LimitMEMLOCK= (a
container without CAP_SYS_RESOURCE keeps nspawn's hard limit), sandrund must say so, with the numbers."""
import json

from sandrun_test import (SandrunTestCase, container, container_out, journal, main, main_pid, request, run_json,
                          unit_property)


def status_kib(pid, field):
    for line in container_out('cat', '/proc/%d/status' % pid).splitlines():
        k, _, v = line.partition(':')
        if k == field:
            return int(v.split()[0])
    raise AssertionError('no %s in /proc/%d/status' % (field, pid))


def memlock_limit(pid):
    """The soft and hard RLIMIT_MEMLOCK, in bytes or 'unlimited', as /proc/PID/limits has them."""
    for line in container_out('cat', '/proc/%d/limits' % pid).splitlines():
        if line.startswith('Max locked memory'):
            soft, hard = line.split()[3:5]
            return soft, hard
    raise AssertionError('no RLIMIT_MEMLOCK in /proc/%d/limits' % pid)


def limit_applied(pid):
    soft = memlock_limit(pid)[0]
    return soft == 'unlimited' or int(soft) >= 4 << 30


class Memlock(SandrunTestCase):
    def test_memory_is_locked(self):
        self.assertEqual(unit_property('sandrun.service', 'LimitMEMLOCK'), str(4 << 30))
        pid = main_pid()
        if not limit_applied(pid):
            since = unit_property('sandrun.service', 'ExecMainStartTimestamp')
            log = journal('-u', 'sandrun.service', '--since', since.split(' ', 1)[1].rsplit(' ', 1)[0])
            self.assertRegex(log, r'Memory NOT locked \(.*\): RLIMIT_MEMLOCK is \d+ MiB, \d+ MiB are mapped')
            # Nothing but the pages of held jobs' keys (src/held/held-key.c), each locked on its own, one
            # page per job kept.
            self.assertLess(status_kib(pid, 'VmLck'), 2048)
            return
        locked, size = status_kib(pid, 'VmLck'), status_kib(pid, 'VmSize')
        # Every mapping but the kernel's own (vdso, vvar) is locked, now and as it grows.
        self.assertGreater(locked, size * 9 // 10, 'VmLck %d kB of VmSize %d kB' % (locked, size))

    def test_out_of_lockable_memory_answers_503(self):
        pid = main_pid()
        if not limit_applied(pid):
            self.skipTest('this host cannot raise RLIMIT_MEMLOCK to LimitMEMLOCK=, so nothing is locked')
        soft, hard = memlock_limit(pid)
        locked = status_kib(pid, 'VmLck') * 1024
        try:
            # Less room than one request's reserve: new work is refused, before anything runs short.
            container('prlimit', '--pid', str(pid), '--memlock=%d:%s' % (locked + (4 << 20), hard))
            for _ in range(3):
                r = request('POST', '/run', json.dumps({'code': 'print(1)', 'interpreter': 'python'}),
                            {'Content-Type': 'application/json'})
                self.assertEqual(r.status, 503, r)
                self.assertIn('lockable memory', r.json()['error'])
                self.assertEqual(r.headers.get('Retry-After'), '5')
        finally:
            container('prlimit', '--pid', str(pid), '--memlock=%s:%s' % (soft, hard))
        self.assertEqual(main_pid(), pid, 'sandrund was restarted')
        self.assertEqual(run_json('print(1)')['stdout'], '1\n')


if __name__ == '__main__':
    main()
