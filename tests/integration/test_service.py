#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The service as installed: socket-activated, Type=notify, unprivileged user sandrun, no capabilities."""
from sandrun_test import PORT, SandrunTestCase, container_out, main, main_pid, unit_property, user_uid


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


if __name__ == '__main__':
    main()
