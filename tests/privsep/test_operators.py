#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What polkit is still for: members of sandrun-operators may start, stop and restart sandrun's own units
without root, and nothing else; the front's user may do nothing through systemd at all."""

from privsep_test import FRONT, PrivsepTestCase, container, main, service_pid

USER = 'sandrun-privsep-op'


def as_user(user, *cmd):
    return container('setpriv', '--reuid=' + user, '--regid=' + user, '--init-groups', '--', *cmd, check=False)


class Operators(PrivsepTestCase):
    def setUp(self):
        container('systemctl', 'start', 'polkit.service')
        container('sh', '-c', 'getent group sandrun-operators >/dev/null || groupadd --system sandrun-operators; '
                  'id %s >/dev/null 2>&1 || useradd --system --no-create-home -G sandrun-operators %s' % (USER, USER))

    def tearDown(self):
        container('userdel', USER, check=False)
        container('groupdel', 'sandrun-operators', check=False)

    def test_operator_restarts_sandrun_only(self):
        before = service_pid(FRONT)
        p = as_user(USER, 'systemctl', '--no-ask-password', 'restart', FRONT)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotEqual(service_pid(FRONT), before)
        for cmd in (['restart', 'systemd-journald.service'], ['stop', 'sandrun-job-0123456789abcdef0123456789abcdef.scope']):
            p = as_user(USER, 'systemctl', '--no-ask-password', *cmd)
            self.assertNotEqual(p.returncode, 0, cmd)
        p = as_user(USER, 'systemd-run', '--no-ask-password', '--unit=sandrun-privsep-op-evil', '/bin/true')
        self.assertNotEqual(p.returncode, 0)
        self.assertServesWithin(10)

    def test_front_user_gets_nothing(self):
        # Even with the bus in reach (here, outside the front's sandbox), its user has no grant.
        p = as_user('sandrun', 'systemctl', '--no-ask-password', 'restart', FRONT)
        self.assertNotEqual(p.returncode, 0)
        p = as_user('sandrun', 'systemd-run', '--no-ask-password', '--unit=sandrun-privsep-evil', '/bin/true')
        self.assertNotEqual(p.returncode, 0)


if __name__ == '__main__':
    main()
