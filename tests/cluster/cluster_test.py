# SPDX-License-Identifier: LGPL-2.1-or-later
"""A sandrun cluster in the test container: three sandrun hosts behind HAProxy, as README.md's "Running
more than one host" sets one up, with the shipped deploy/haproxy/haproxy.cfg.

Each host is an instance of the installed sandrun.service under its own name (sandrun-a.service, ...)
with its own node name, job slice, runtime directory, TLS certificate from a private CA made with
certtool, and two sockets of its own: the public port and the agent-check port (FileDescriptorName=
agent). HAProxy runs as a transient service in the container. The state (certificates, configuration,
the runtime API socket) lives in the container's /run/sandrun-cluster.

Ports (SANDRUN_CLUSTER_PORT, default 8460): hosts at PORT+1.., their agents at PORT+4.., HAProxy's
frontend at PORT+10. Client addresses come from 127.0.6.0/24 (the fairness tests own 127.0.5.0/24).

Also a command, for the benchmark and for trying things by hand:
    SANDRUN_CONTAINER_STATE=... python3 tests/cluster/cluster_test.py up|down
"""
import http.client
import json
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))

from sandrun_test import Response, container, container_out, tls_context, unit_argv, wait_until  # noqa: E402

SRC = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
BASE = int(os.environ.get('SANDRUN_CLUSTER_PORT', '8460'))
NODES = ('a', 'b', 'c')
HOST_PORT = {n: BASE + 1 + i for i, n in enumerate(NODES)}
AGENT_PORT = {n: BASE + 4 + i for i, n in enumerate(NODES)}
PROXY_PORT = BASE + 10
STATE = '/run/sandrun-cluster'
HAPROXY_UNIT = 'sandrun-cluster-haproxy.service'
RUNTIME_API = STATE + '/haproxy.sock'
JOB_ID_RE = re.compile(r'^([0-9a-f]{32})-([a-z0-9]{1,16})$')
BATCH_TTL = 20                  # seconds a finished batch job is kept (short, for the drain test)
CPU_BUDGET = 3.0                # CPU seconds per client per minute (small, for the affinity test)
QUEUED_PER_IP = 2
# sandrund options every host gets; HAProxy connects to them from 127.0.0.1.
HOST_OPTIONS = ['--trusted-proxy', '127.0.0.1/32', '--batch-ttl', '%ds' % BATCH_TTL,
                '--cpu-budget', '%gs' % CPU_BUDGET, '--max-queued-per-ip', str(QUEUED_PER_IP)]


def client(i):
    """The i-th client address (1 .. 254) of the cluster tests."""
    assert 1 <= i <= 254
    return '127.0.6.%d' % i


def request(method, path, body=None, headers=None, source=None, port=PROXY_PORT, timeout=60):
    """One HTTPS request on a fresh connection to port (HAProxy's frontend unless told), from source."""
    if isinstance(body, str):
        body = body.encode()
    conn = http.client.HTTPSConnection('127.0.0.1', port, context=tls_context(), timeout=timeout,
                                       source_address=(source, 0) if source else None)
    t0 = time.monotonic()
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return Response(r.status, r.headers, r.read(), time.monotonic() - t0)
    finally:
        conn.close()


def run(code, interpreter='sh', source=None, port=PROXY_PORT, timeout=None, http_timeout=60):
    """POST /run with a JSON body; the Response."""
    req = {'code': code, 'interpreter': interpreter}
    if timeout:
        req['timeout'] = timeout
    return request('POST', '/run', json.dumps(req), {'Content-Type': 'application/json'}, source=source,
                   port=port, timeout=http_timeout)


def node_of(job_id):
    m = JOB_ID_RE.match(job_id or '')
    if not m:
        raise AssertionError('job id %r is not <32 hex>-<node>' % job_id)
    return m.group(2)


def multipart(fields):
    boundary = 'cluster-%d' % time.monotonic_ns()
    out = []
    for name, filename, data in fields:
        disp = 'form-data; name="%s"' % name + ('; filename="%s"' % filename if filename else '')
        out.append(b'--%s\r\nContent-Disposition: %s\r\n\r\n%s\r\n' % (boundary.encode(), disp.encode(), data))
    out.append(b'--%s--\r\n' % boundary.encode())
    return b''.join(out), 'multipart/form-data; boundary=' + boundary


def submit(code, source, port=PROXY_PORT, interpreter='sh'):
    """POST /submit of a one-file batch job that writes out/result.txt; the Response."""
    manifest = {'entrypoint': 'main.sh' if interpreter == 'sh' else 'main.py', 'interpreter': interpreter,
                'outputs': ['out/*'], 'timeout': 60}
    body, ctype = multipart([('manifest', None, json.dumps(manifest).encode()),
                             ('file', manifest['entrypoint'], code.encode())])
    return request('POST', '/submit', body, {'Content-Type': ctype}, source=source, port=port)


# ------------------------------------------------------------------ HAProxy

def runtime_api(command):
    """A command on HAProxy's runtime API (the stats socket); its answer."""
    code = ('import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(%r)\ns.sendall(sys.argv[1].encode()+b"\\n")\n'
            'out=b""\nwhile True:\n    d=s.recv(65536)\n    if not d: break\n    out+=d\nprint(out.decode())'
            % RUNTIME_API)
    return container_out('/usr/bin/python3', '-c', code, command)


def server_states():
    """{node: (status, weight)} as HAProxy's stats say: status UP, DOWN, DRAIN, MAINT, ..."""
    lines = runtime_api('show stat').splitlines()
    if not lines or not lines[0].startswith('# '):
        raise AssertionError('unexpected answer to show stat: %r' % lines[:3])
    cols = lines[0][2:].split(',')
    out = {}
    for line in lines[1:]:
        f = dict(zip(cols, line.split(',')))
        if f.get('pxname') == 'sandrun' and f.get('svname') in NODES:
            out[f['svname']] = (f['status'], f['weight'])
    return out


def haproxy_config(nodes=NODES):
    """deploy/haproxy/haproxy.cfg as shipped, with this test's paths, ports and hosts put in."""
    with open(os.path.join(SRC, 'deploy', 'haproxy', 'haproxy.cfg')) as f:
        text = f.read()
    edits = [
        ('/etc/haproxy/', STATE + '/'),
        ('/run/haproxy/admin.sock', RUNTIME_API),
        ('bind :443 ', 'bind 127.0.0.1:%d ' % PROXY_PORT),
        ('log /dev/log local0 notice', 'log stderr local0 notice'),
    ]
    for old, new in edits:
        if old not in text:
            raise AssertionError('deploy/haproxy/haproxy.cfg has no %r any more; update this test' % old)
        text = text.replace(old, new)
    servers = re.findall(r'^\s*server [a-z0-9]+ .*$', text, re.M)
    if not servers:
        raise AssertionError('deploy/haproxy/haproxy.cfg has no server lines')
    for line in servers[1:]:
        text = text.replace(line + '\n', '')
    ours = ''.join('        server %s 127.0.0.1:%d agent-port %d verifyhost %s.sandrun.internal\n'
                   % (n, HOST_PORT[n], AGENT_PORT[n], n) for n in nodes)
    return text.replace(servers[0] + '\n', ours)


def haproxy_reload(nodes=NODES):
    """Writes the configuration for these hosts and reloads HAProxy the way its unit does (SIGUSR2 to
    the master, which checks the file and hands the listening sockets to a new worker)."""
    container('sh', '-c', 'cat > %s/haproxy.cfg.new && haproxy -c -q -f %s/haproxy.cfg.new && '
              'mv %s/haproxy.cfg.new %s/haproxy.cfg' % (STATE, STATE, STATE, STATE), input=haproxy_config(nodes))
    container('systemctl', 'kill', '--kill-who=main', '-s', 'SIGUSR2', HAPROXY_UNIT)


# ------------------------------------------------------------------ bringing it up

CERTS = r'''
set -eu
cd "$1"
umask 077
tmpl() { printf '%s\n' "$@" > t.tmpl; }
certtool --generate-privkey --key-type=ecdsa --outfile ca.key 2>/dev/null
tmpl 'cn = sandrun cluster test CA' ca cert_signing_key 'expiration_days = 2'
certtool --generate-self-signed --load-privkey ca.key --template t.tmpl --outfile sandrun-ca.pem 2>/dev/null
for n in $2; do
        certtool --generate-privkey --key-type=ecdsa --outfile $n.key 2>/dev/null
        tmpl "cn = $n.sandrun.internal" "dns_name = $n.sandrun.internal" 'ip_address = 127.0.0.1' \
                tls_www_server signing_key 'expiration_days = 2'
        certtool --generate-certificate --load-privkey $n.key --load-ca-certificate sandrun-ca.pem \
                --load-ca-privkey ca.key --template t.tmpl --outfile $n.crt 2>/dev/null
done
certtool --generate-privkey --key-type=ecdsa --outfile public.key 2>/dev/null
tmpl 'cn = localhost' 'dns_name = localhost' tls_www_server signing_key 'expiration_days = 2'
certtool --generate-self-signed --load-privkey public.key --template t.tmpl --outfile public.crt 2>/dev/null
cat public.crt public.key > sandrun-public.pem
rm -f t.tmpl ca.key
'''


def edited(text, edits, what):
    for old, new in edits:
        if old not in text:
            raise AssertionError('the installed %s has no %r any more; update this test' % (what, old))
        text = text.replace(old, new, 1)
    return text


def host_units(n, installed, options=None):
    """The units of host n: its two sockets, and sandrun.service as installed, renamed and given its
    node name, slice, runtime directory and certificate. installed: {unit name: text} of the installed
    units. Where jobs are started by a runner daemon of their own (sandrun-runner.service), each host
    gets its own runner too, with the host's slice."""
    units = {
        'sandrun-%s.socket' % n: '[Socket]\nListenStream=127.0.0.1:%d\nFileDescriptorName=https\n'
                                 'Service=sandrun-%s.service\nBacklog=1024\n' % (HOST_PORT[n], n),
        'sandrun-%s-agent.socket' % n: '[Socket]\nListenStream=127.0.0.1:%d\nFileDescriptorName=agent\n'
                                       'Service=sandrun-%s.service\n' % (AGENT_PORT[n], n),
    }
    text = installed['sandrun.service']
    exec_start = re.search(r'^ExecStart=(.*)$', text, re.M)
    extra = ['--slice', 'sandrun-%s.slice' % n]
    if 'sandrun-runner.service' in installed:
        runner_socket = '/run/sandrun-runner-%s/socket' % n
        extra = ['--runner-socket', runner_socket]
        text = text.replace('sandrun-runner.socket', 'sandrun-runner-%s.socket' % n)
        sock = installed['sandrun-runner.socket']
        listen = re.search(r'^Listen\w+=(.*)$', sock, re.M)
        units['sandrun-runner-%s.socket' % n] = edited(sock, [
            (listen.group(0) if listen else 'Listen', listen.group(0).replace(listen.group(1), runner_socket)
             + '\nService=sandrun-runner-%s.service' % n if listen else '')], 'sandrun-runner.socket')
        runner = installed['sandrun-runner.service']
        runner_exec = re.search(r'^ExecStart=(.*)$', runner, re.M)
        # The command line the installed runner runs, drop-ins included (a test harness's warm pool).
        units['sandrun-runner-%s.service' % n] = edited(runner.replace(
            'sandrun-runner.socket', 'sandrun-runner-%s.socket' % n), [
            (runner_exec.group(0) if runner_exec else 'ExecStart=',
             'ExecStart=%s --slice sandrun-%s.slice' % (unit_argv('sandrun-runner.service'), n))],
            'sandrun-runner.service')
    units['sandrun-%s.service' % n] = edited(text, [
        ('Requires=sandrun.socket', 'Requires=sandrun-%s.socket sandrun-%s-agent.socket' % (n, n)),
        ('After=sandrun.socket', 'After=sandrun-%s.socket sandrun-%s-agent.socket' % (n, n)),
        ('RuntimeDirectory=sandrun\n', 'RuntimeDirectory=sandrun-%s\n' % n),
        (exec_start.group(0) if exec_start else 'ExecStart=',
         'ExecStart=%s --node-name %s %s %s\n'
         'LoadCredential=tls.crt:%s/%s.crt\nLoadCredential=tls.key:%s/%s.key'
         % (exec_start.group(1) if exec_start else '', n, ' '.join(extra), ' '.join(options or HOST_OPTIONS),
            STATE, n, STATE, n)),
    ], 'sandrun.service')
    return units


def host_units_all():
    return ['sandrun-%s%s' % (n, s) for n in NODES for s in ('.socket', '-agent.socket', '.service')] + \
        ['sandrun-runner-%s%s' % (n, s) for n in NODES for s in ('.socket', '.service')]


def installed_units():
    """{name: text} of sandrun's installed units that the hosts' units are made from."""
    out = {}
    for name in ('sandrun.service', 'sandrun-runner.service', 'sandrun-runner.socket'):
        path = container_out('systemctl', 'show', '-p', 'FragmentPath', '--value', name)
        if path:
            out[name] = container_out('cat', path) + '\n'
    if 'sandrun.service' not in out:
        raise AssertionError('no sandrun.service installed in the container')
    return out


def start_host(n):
    container('systemctl', 'start', 'sandrun-%s.socket' % n, 'sandrun-%s-agent.socket' % n)


def stop_host(n):
    """Its sockets and service stopped: nothing listens on its ports, its jobs are gone."""
    container('systemctl', 'stop', 'sandrun-%s.socket' % n, 'sandrun-%s-agent.socket' % n,
              'sandrun-%s.service' % n)


def up(options=None):
    """Brings the cluster up afresh; options: sandrund's options instead of HOST_OPTIONS."""
    down()
    container('sh', '-c', 'mkdir -p %s && chmod 700 %s' % (STATE, STATE))
    container('sh', '-s', STATE, ' '.join(NODES), input=CERTS)
    installed = installed_units()
    for n in NODES:
        for name, text in host_units(n, installed, options).items():
            container('sh', '-c', 'cat > /run/systemd/system/%s' % name, input=text)
    container('systemctl', 'daemon-reload')
    for n in NODES:
        start_host(n)
    container('sh', '-c', 'cat > %s/haproxy.cfg && haproxy -c -q -f %s/haproxy.cfg' % (STATE, STATE),
              input=haproxy_config())
    container('systemd-run', '--unit', HAPROXY_UNIT, '-p', 'Type=notify', '-p', 'KillMode=mixed',
              'haproxy', '-Ws', '-f', STATE + '/haproxy.cfg')
    wait_until(lambda: server_states() and all(s[0] == 'UP' for s in server_states().values()), 30,
               what='HAProxy to see every host up')
    # Every host answers through HAProxy (socket activation starts each on its first connection).
    for n in NODES:
        r = request('GET', '/healthz', port=HOST_PORT[n])
        if r.status != 200:
            raise AssertionError('host %s: /healthz answered %r' % (n, r))


def down():
    # The hosts' slices too: whatever job scope is left in them goes with the cluster.
    container('sh', '-c', 'systemctl stop %s %s %s 2>/dev/null; systemctl reset-failed %s 2>/dev/null; '
              'rm -f %s; rm -rf %s; systemctl daemon-reload'
              % (HAPROXY_UNIT, ' '.join(host_units_all()), ' '.join('sandrun-%s.slice' % n for n in NODES),
                 HAPROXY_UNIT,
                 ' '.join('/run/systemd/system/' + u for u in host_units_all()), STATE), check=False)


# ------------------------------------------------------------------ load

class Load:
    """Clients, each from its own address, running small jobs back to back through HAProxy until
    stopped; every answer recorded as (time, address, HTTP status or exception, node or None)."""

    def __init__(self, addresses, code='echo ok', pause=0.25):
        self.addresses = addresses
        self.pause = pause
        self.code = code
        self.results = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._client, args=(a,), daemon=True) for a in addresses]

    def _client(self, address):
        while not self.stopping.is_set():
            t = time.monotonic()
            try:
                r = run(self.code, source=address, http_timeout=60)
                node = None
                if r.status == 200:
                    d = r.json()
                    node = node_of(d['job_id']) if d.get('status') == 'completed' else None
                    outcome = 200 if node and d.get('stdout') == 'ok\n' else 'job %s: %s %s' % (
                        d.get('status'), d.get('reason'), d.get('error'))
                else:
                    outcome = r.status
            except Exception as e:  # noqa: BLE001 - a failed request is what is being counted
                outcome, node = repr(e), None
            with self.lock:
                self.results.append((t, address, outcome, node))
            # Think time: PID 1 starts about 100 scopes a second on these machines, for all hosts.
            self.stopping.wait(self.pause)

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(90)
        return self.results


def placement(addresses):
    """{address: node} of a trivial job from each address."""
    out = {}
    for a in addresses:
        r = run('true', source=a)
        if r.status != 200:
            raise AssertionError('a trivial job from %s answered %r' % (a, r))
        out[a] = node_of(r.json()['job_id'])
    return out


if __name__ == '__main__':
    if sys.argv[1:] == ['up']:
        up()
        print('cluster up: https://127.0.0.1:%d/ (hosts %s)' % (PROXY_PORT, HOST_PORT))
    elif sys.argv[1:] == ['down']:
        down()
    else:
        sys.exit('usage: %s up|down' % sys.argv[0])
