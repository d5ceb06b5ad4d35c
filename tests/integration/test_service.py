#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The service as installed: socket-activated, Type=notify, unprivileged user sandrun, no capabilities."""
import threading
import time

from sandrun_test import (PORT, SandrunTestCase, container, container_out, job_scopes, journal, main, main_pid,
                          request, unit_property, user_uid, wait_until)
from test_live import open_stream


def status_fields(pid):
    fields = {}
    for line in container_out('cat', '/proc/%d/status' % pid).splitlines():
        k, _, v = line.partition(':')
        fields[k] = v.split()
    return fields


class Service(SandrunTestCase):
    def test_runs_as_sandrun(self):
        uid = user_uid('sandrun')
        self.assertNotEqual(uid, 0)
        st = status_fields(main_pid())
        self.assertEqual(st['Uid'], [str(uid)] * 4, 'real, effective, saved and fs uid')
        gid = container_out('id', '-g', 'sandrun')
        self.assertEqual(st['Gid'], [gid] * 4)
        self.assertEqual(container_out('cat', '/proc/%d/comm' % main_pid()), 'sandrund')

    def test_no_capabilities(self):
        st = status_fields(main_pid())
        for k in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'):
            self.assertEqual(int(st[k][0], 16), 0, '%s %s' % (k, st[k]))
        self.assertEqual(st['NoNewPrivs'], ['1'])

    def test_units(self):
        self.assertEqual(unit_property('sandrun.service', 'Type'), 'notify')
        self.assertEqual(unit_property('sandrun.service', 'User'), 'sandrun')
        self.assertEqual(unit_property('sandrun.service', 'ActiveState'), 'active')
        self.assertEqual(unit_property('sandrun.socket', 'ActiveState'), 'active')
        self.assertIn(':%d ' % PORT, unit_property('sandrun.socket', 'Listen') + ' ')
        self.assertEqual(container_out('systemctl', 'is-enabled', 'sandrun.socket'), 'enabled')

    def test_socket_passed_by_systemd(self):
        # The listening socket belongs to systemd (PID 1) as well as to the daemon: socket activation.
        out = container_out('ss', '-Hltnp', 'sport = :%d' % PORT)
        self.assertIn('systemd', out)
        self.assertIn('sandrund', out)

    def assertStoppedCleanly(self, since):
        # The daemon exited cleanly (not an abort), the job is gone, and the socket starts a fresh daemon.
        self.assertEqual(unit_property('sandrun.service', 'Result'), 'success')
        self.assertNotIn('Fatal error', journal('-u', 'sandrun.service', '--since', since, '--utc'))
        wait_until(lambda: not job_scopes(), 15, what='the job scope to go')
        self.assertServing()
        wait_until(lambda: unit_property('sandrun.service', 'ActiveState') == 'active', 15,
                   what='the socket to have started sandrun.service again')

    def test_stop_answers_waiting_requests_and_kills_jobs(self):
        # SIGTERM while a /run waits on its job: the client gets a 503, the daemon exits cleanly (not an
        # abort) and the job is killed; the socket starts a fresh daemon for the next request.
        answers = []

        def waiter():
            answers.append(request('POST', '/run', b'import time; time.sleep(60)', timeout=30))

        t = threading.Thread(target=waiter)
        t.start()
        wait_until(lambda: job_scopes(), 15, what='the job scope to appear')
        since = time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(time.time() - 1))
        container('systemctl', 'stop', 'sandrun.service', timeout=60)
        t.join(30)
        self.assertEqual(len(answers), 1)
        self.assertEqual(answers[0].status, 503)
        self.assertIn('Retry-After', answers[0].headers)
        self.assertStoppedCleanly(since)

    def test_stop_with_a_live_stream_waiting(self):
        # A live stream waits suspended for output: the daemon cuts it and still exits cleanly (libmicrohttpd
        # aborts when stopped with a suspended connection).
        s, f, _ = open_stream('import time\nprint("up", flush=True)\ntime.sleep(60)\n')
        with s:
            self.assertIn(b'event: stdout', f.readline() + f.readline())
            since = time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(time.time() - 1))
            container('systemctl', 'stop', 'sandrun.service', timeout=60)
            try:
                f.read()        # ends: cut, without the result event
            except OSError:
                pass
        self.assertStoppedCleanly(since)


if __name__ == '__main__':
    main()
