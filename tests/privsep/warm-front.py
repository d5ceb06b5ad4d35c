#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A second front beside sandrund, run by test_warm.py with the front's uid. It says it is connected
(writes "connected" to the file NOTE), waits until the runner offers it a warm sandbox (the test has
sandrund take its own offers, so that the next ready ones come here), tries to take one of the warm
sandboxes offered to sandrund instead, notes its own offer's id in NOTE, waits until the runner has given
that sandbox up (the test kills its init), and then starts a job named after it all the same. Prints one
JSON object. Arguments: the runner's socket, NOTE, the runner's PID."""

import errno
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner_proto as rp  # noqa: E402

path, note, runner_pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = {}


def write_note(text):
    with open(note + '.new', 'w') as n:
        n.write(text)
    os.rename(note + '.new', note)


def job(f, job_id, argv, extra=()):
    """Starts a job with stdout and stderr pipes; (messages seen, exit code, error, errno name, stdout)."""
    rd, _ = f.start_job(job_id, argv, extra)
    seen = []
    while True:
        mtype, fl = f.receive()
        seen.append(mtype)
        if mtype in (rp.FINISHED, rp.REFUSED):
            break
    return seen, fl.get(17), fl.get(rp.ERROR), errno.errorcode.get(fl.get(rp.F_ERRNO, 0), ''), \
        os.read(rd, 4096).decode() if rp.FINISHED in seen else ''


f = rp.Front(path)
write_note('connected')
wid = f.wait_warm(lambda w: len(w) > 0)[0]



def runner_inits():
    """The scope ids of the runner's own inits (no job runs now: its warm sandboxes, ready or starting)."""
    ids = set()
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            status = open('/proc/%s/status' % pid).read()
            cgroup = open('/proc/%s/cgroup' % pid).read()
        except OSError:
            continue
        if 'Name:\tsandrun-init\n' in status and 'PPid:\t%d\n' % runner_pid in status:
            m = re.search(r'/sandrun-job-([0-9a-f]{32})\.scope$', cgroup, re.M)
            if m:
                ids.add(m.group(1))
    return ids


# Those not offered to us are sandrund's, or still starting: not ours to take either way.
scopes = runner_inits()
others = sorted(scopes - set(f.warm))
out['others'] = len(others)
if others:
    out['steal'] = job(f, others[0], ('/bin/sh', '-c', 'echo stolen'))[:4]

# A START naming our own offer that is refused (a limit above the runner's) leaves the offer ours: the
# runner says so again.
out['refused_own'] = job(f, wid, ('/bin/sh', '-c', 'true'),
                         [rp.field(rp.F_MEMORY_MAX, f.limits[rp.F_MEMORY_MAX] + 1)])[:4]
f.wait_warm(lambda w: wid in w)

write_note(wid)
f.wait_warm(lambda w: wid not in w)
seen, code, error, _, stdout = job(f, wid, ('/bin/sh', '-c', 'echo ok; tail -1 /proc/self/cgroup'))
out.update({'id': wid, 'messages': seen, 'exit': code, 'error': error, 'stdout': stdout})
print(json.dumps(out))
