#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A slow front, run by test_warm.py with the front's uid: it notes a ready warm sandbox's id in the file
NOTE, waits until the runner has given that sandbox up (the test kills its init), and then starts a job
named after it all the same. Prints one JSON object: the messages the job got, its exit code and output.
Arguments: the runner's socket, NOTE."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner_proto as rp  # noqa: E402

path, note = sys.argv[1], sys.argv[2]
f = rp.Front(path)
wid = f.wait_warm(lambda w: len(w) > 0)[0]
with open(note + '.new', 'w') as n:
    n.write(wid)
os.rename(note + '.new', note)
f.wait_warm(lambda w: wid not in w)

rd, wr = os.pipe()
erd, ewr = os.pipe()
f.send(rp.message(rp.START, *rp.start_fields(wid, argv=('/bin/sh', '-c', 'echo ok; tail -1 /proc/self/cgroup'),
                                             fds=rp.FD_STDOUT | rp.FD_STDERR)), [wr, ewr])
os.close(wr)
os.close(ewr)
seen = []
while True:
    mtype, fl = f.receive()
    seen.append(mtype)
    if mtype in (rp.FINISHED, rp.REFUSED):
        break
print(json.dumps({'id': wid, 'messages': seen, 'exit': fl.get(17), 'error': fl.get(rp.ERROR),
                  'stdout': os.read(rd, 4096).decode()}))
