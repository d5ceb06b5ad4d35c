#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""No network: a job has its own loopback and nothing else. Socket families that are kernel attack
surface (netlink, packet, raw, vsock, alg, ...) are refused; Unix sockets and IP over its own loopback
work. Nothing listening on the host, over IP or as an abstract Unix socket, can be reached."""
import socket
import uuid

from escape_test import PRELUDE, EscapeTestCase, main
from sandrun_test import PORT

FAMILIES = PRELUDE + r'''
def make(nr, *args):
    ctypes.set_errno(0)
    fd = libc.syscall(ctypes.c_long(nr), *[ctypes.c_ulong(a & (2**64 - 1)) for a in args])
    if fd >= 0:
        if nr == SYS_socket:
            os.close(fd)
        return "ok"
    return errname(ctypes.get_errno())
SYS_socket, SYS_socketpair = 41, 53
pair = (ctypes.c_int * 2)()
def name(i):
    try:
        return socket.if_indextoname(i)
    except OSError:
        return None
# if_nameindex() would need netlink; SIOCGIFNAME by index does not.
r = {"ifaces": sorted(filter(None, map(name, range(1, 256)))),
     "proc_net_dev": sorted(l.split(":")[0].strip() for l in open("/proc/net/dev").readlines()[2:])}
# family, type, protocol
probes = {
    "netlink_route": (16, 3, 0), "netlink_uevent": (16, 2, 15), "netlink_audit": (16, 3, 9),
    "packet": (17, 3, 0x0300), "packet_dgram": (17, 2, 0x0300),
    "raw_icmp": (2, 3, 1), "raw_ip": (2, 3, 255), "raw_icmpv6": (10, 3, 58),
    "vsock": (40, 1, 0), "alg": (38, 5, 0), "key": (15, 3, 2), "xdp": (44, 3, 0), "can": (29, 3, 1),
    "tipc": (30, 5, 0), "bluetooth": (31, 1, 0), "rds": (21, 5, 0), "llc": (26, 2, 0),
    # The kernel reads the family as an int: the high half must not get a refused family through.
    "netlink_high_bits": ((1 << 32) | 16, 3, 0), "packet_high_bits": ((1 << 32) | 17, 3, 0x0300),
}
r["socket"] = {k: make(SYS_socket, *v) for k, v in probes.items()}
# IP protocols beyond TCP and UDP, which could make the kernel load a protocol module.
protocols = {
    "sctp": (2, 1, 132), "sctp_seqpacket": (2, 5, 132), "sctp6": (10, 5, 132), "dccp": (2, 6, 33),
    "dccp6": (10, 6, 33), "udplite": (2, 2, 136), "mptcp": (2, 1, 262), "l2tp": (2, 2, 115),
    "icmp_ping": (2, 2, 1), "icmpv6_ping": (10, 2, 58), "sctp_high_bits": (2, 1, (1 << 32) | 132),
}
r["protocol"] = {k: make(SYS_socket, *v) for k, v in protocols.items()}
ip_ok = {"tcp": (2, 1, 6), "udp": (2, 2, 17), "tcp6": (10, 1, 6), "udp6": (10, 2, 17), "tcp_0": (2, 1, 0),
         "udp6_0": (10, 2, 0)}
r["ip_ok"] = {k: make(SYS_socket, *v) for k, v in ip_ok.items()}
r["socketpair"] = {k: make(SYS_socketpair, v[0], v[1], v[2], ctypes.addressof(pair))
                   for k, v in probes.items() if k.startswith(("netlink", "packet", "vsock", "alg"))}
print(json.dumps(r))
'''

ALLOWED = r'''
import json, os, socket, threading
r = {}
def echo(server):
    c, _ = server.accept()
    c.sendall(c.recv(100).upper())
    c.close()
def roundtrip(family, addr, kind=socket.SOCK_STREAM):
    try:
        s = socket.socket(family, kind)
        s.bind(addr)
        s.listen()
        t = threading.Thread(target=echo, args=(s,))
        t.start()
        c = socket.socket(family, kind)
        c.settimeout(5)
        c.connect(s.getsockname())
        c.sendall(b"ping")
        got = c.recv(100).decode()
        t.join()
        return got
    except OSError as e:
        return repr(e)
r["tcp4"] = roundtrip(socket.AF_INET, ("127.0.0.1", 0))
r["tcp6"] = roundtrip(socket.AF_INET6, ("::1", 0))
r["unix_path"] = roundtrip(socket.AF_UNIX, "/tmp/s")
r["unix_abstract"] = roundtrip(socket.AF_UNIX, "\0sandrun-own")
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"dgram", u.getsockname())
u.settimeout(5)
r["udp4"] = u.recv(100).decode()
a, b = socket.socketpair()
a.sendall(b"pair")
r["socketpair"] = b.recv(100).decode()
print(json.dumps(r))
'''

# argv: TCP port on the host, UDP port on the host, the daemon's port, abstract socket name on the host.
REACH_HOST = PRELUDE + r'''
tcp, udp, daemon, abstract = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def connect(family, addr):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect(addr)
r = {"tcp": err(lambda: connect(socket.AF_INET, ("127.0.0.1", tcp))),
     "daemon": err(lambda: connect(socket.AF_INET, ("127.0.0.1", daemon))),
     "daemon6": err(lambda: connect(socket.AF_INET6, ("::1", daemon))),
     "abstract": err(lambda: connect(socket.AF_UNIX, "\0" + abstract))}
def udp_send():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(3):
        s.sendto(b"escaped", ("127.0.0.1", udp))
r["udp"] = err(udp_send)
print(json.dumps(r))
'''


class Network(EscapeTestCase):
    def test_only_loopback(self):
        r = self.probe(FAMILIES)
        self.assertEqual(r['ifaces'], ['lo'], r)
        self.assertEqual(r['proc_net_dev'], ['lo'], r)

    def test_refused_socket_families(self):
        r = self.probe(FAMILIES)
        for name, res in r['socket'].items():
            with self.subTest(socket=name):
                # Refused by the filter (EAFNOSUPPORT, or EPROTONOSUPPORT for an IP protocol other than
                # TCP and UDP), or by the missing CAP_NET_RAW (EPERM): never made.
                self.assertIn(res, ('EAFNOSUPPORT', 'EPROTONOSUPPORT', 'EPERM'), 'socket(%s): %s' % (name, res))
        for name, res in r['socketpair'].items():
            with self.subTest(socketpair=name):
                self.assertIn(res, ('EAFNOSUPPORT', 'EPERM', 'EOPNOTSUPP'), 'socketpair(%s): %s' % (name, res))
        self.assertEqual(r['socket']['netlink_route'], 'EAFNOSUPPORT', r)
        self.assertEqual(r['socket']['raw_icmp'], 'EPROTONOSUPPORT', r)

    def test_ip_protocols_beyond_tcp_udp_refused(self):
        r = self.probe(FAMILIES)
        self.assertEqual(r['protocol'], {k: 'EPROTONOSUPPORT' for k in r['protocol']}, r)
        self.assertEqual(r['ip_ok'], {k: 'ok' for k in r['ip_ok']}, r)

    def test_unix_and_own_loopback_work(self):
        r = self.probe(ALLOWED)
        self.assertEqual(r, {'tcp4': 'PING', 'tcp6': 'PING', 'unix_path': 'PING', 'unix_abstract': 'PING',
                             'udp4': 'dgram', 'socketpair': 'pair'})

    def test_host_listeners_unreachable(self):
        name = 'sandrun-escape-' + uuid.uuid4().hex
        tcp = socket.socket()
        tcp.bind(('127.0.0.1', 0))
        tcp.listen()
        tcp.settimeout(0.5)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(('127.0.0.1', 0))
        udp.settimeout(0.5)
        abstract = socket.socket(socket.AF_UNIX)
        abstract.bind('\0' + name)
        abstract.listen()
        abstract.settimeout(0.5)
        try:
            # The control: from the host's network namespace all of these are reachable.
            socket.create_connection(tcp.getsockname(), timeout=5).close()
            tcp.accept()[0].close()
            c = socket.socket(socket.AF_UNIX)
            c.connect('\0' + name)
            c.close()
            abstract.accept()[0].close()

            r = self.probe(REACH_HOST, args=[str(tcp.getsockname()[1]), str(udp.getsockname()[1]), str(PORT),
                                             name])
            for s in (tcp, abstract):
                with self.assertRaises(socket.timeout, msg='the job reached a host listener: %r' % r):
                    s.accept()
            with self.assertRaises(socket.timeout, msg='a datagram from the job reached the host: %r' % r):
                udp.recv(100)
        finally:
            for s in (tcp, udp, abstract):
                s.close()
        self.assertEqual(r['tcp'], 'ECONNREFUSED', r)
        self.assertEqual(r['daemon'], 'ECONNREFUSED', r)
        self.assertIn(r['daemon6'], ('ECONNREFUSED', 'EADDRNOTAVAIL', 'ENETUNREACH'), r)
        self.assertEqual(r['abstract'], 'ECONNREFUSED', r)
        self.assertEqual(r['udp'], 'ok', r)     # sent, to its own loopback, where nobody listens


if __name__ == '__main__':
    main()
