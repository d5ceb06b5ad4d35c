#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A job has no network: only a loopback interface of its own, and no connection gets anywhere."""
import socket
import threading
import time

from sandrun_test import PORT, SandrunTestCase, main, run_json, run_python_json

# Runs in the job. Reaches only addresses that stay on this machine or go nowhere: loopback, and
# documentation ranges (192.0.2.0/24, 2001:db8::/32) for which a UDP connect() only asks for a route.
PROBE = r'''
import errno, json, socket
def err(e):
    return errno.errorcode.get(e.errno, str(e)) if isinstance(e, OSError) and e.errno else repr(e)
r = {}
try:
    r["ifaces"] = sorted(n for _, n in socket.if_nameindex())
except OSError as e:
    r["ifaces"] = sorted(l.split(":")[0].strip() for l in open("/proc/net/dev").readlines()[2:])
def tcp(host, port):
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(3)
        s.connect((host, port))
        return "connected"
    except OSError as e:
        return err(e)
def udp(family, host):
    try:
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.connect((host, 53))
        return "connected"
    except OSError as e:
        return err(e)
r["tcp_daemon"] = tcp("127.0.0.1", %d)
r["udp4_route"] = udp(socket.AF_INET, "192.0.2.1")
r["udp6_route"] = udp(socket.AF_INET6, "2001:db8::1")
print(json.dumps(r))
'''


class Network(SandrunTestCase):
    def test_no_network(self):
        # The control: from the host's network the daemon's port does accept.
        socket.create_connection(('127.0.0.1', PORT), timeout=5).close()
        r = run_python_json(PROBE % PORT)
        self.assertEqual(r['ifaces'], ['lo'], r)
        self.assertNotEqual(r['tcp_daemon'], 'connected', r)
        self.assertNotEqual(r['udp4_route'], 'connected', r)
        self.assertNotEqual(r['udp6_route'], 'connected', r)

    def test_each_job_its_own_loopback(self):
        # A server listening in one job is not reachable from the host.
        code = ('import socket, time\ns = socket.socket()\ns.bind(("127.0.0.1", 47011))\ns.listen()\n'
                'print("listening", flush=True)\ntime.sleep(3)\n')
        res = {}
        t = threading.Thread(target=lambda: res.update(run_json(code, timeout=20)))
        t.start()
        try:
            time.sleep(1.5)
            with self.assertRaises(OSError):
                socket.create_connection(('127.0.0.1', 47011), timeout=2).close()
        finally:
            t.join(60)
        self.assertEqual(res.get('stdout'), 'listening\n', res)


if __name__ == '__main__':
    main()
