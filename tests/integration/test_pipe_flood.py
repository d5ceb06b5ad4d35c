#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A job that floods its stdout with vmsplice() cannot hold the daemons' event loops: its output past the
cap is dropped, it ends at its time limit, and other clients are answered meanwhile."""
import json
import os
import threading
import time

from sandrun_test import SandrunTestCase, container_out, main, main_pid, request, run_json

# vmsplice() hands the kernel pages, no copy: eight threads refill the pipe faster than it can be read.
# Falls back to write() if stdout is not a pipe.
FLOOD = r'''
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static char page[1 << 16];

static void *flood(void *arg) {
        for (;;) {
                struct iovec v = { page, sizeof(page) };
                if (vmsplice(1, &v, 1, 0) < 0 && write(1, page, sizeof(page)) < 0)
                        return NULL;
        }
}

int main(void) {
        pthread_t t;

        memset(page, 'x', sizeof(page));
        (void) fcntl(1, F_SETPIPE_SZ, 1 << 20);
        for (int i = 0; i < 7; i++)
                (void) pthread_create(&t, NULL, flood, NULL);
        flood(NULL);
        return 1;
}
'''
TIMEOUT = 6
FLOODERS = ('127.0.0.61', '127.0.0.62')
VICTIM = '127.0.0.63'


def cpu_seconds(pid):
    """User and system CPU time of a process in the container."""
    fields = container_out('cat', '/proc/%d/stat' % pid).rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


class PipeFlood(SandrunTestCase):
    def test_flood_ends_at_its_limit_and_others_are_served(self):
        answers = {}

        def flood(source):
            body = json.dumps({'code': FLOOD, 'interpreter': 'c', 'timeout': TIMEOUT})
            t0 = time.monotonic()
            r = request('POST', '/run', body, {'Content-Type': 'application/json'}, source=source, timeout=120)
            answers[source] = (r, time.monotonic() - t0)

        # Two clients, two floods each: as many running floods as the 2-core test host has slots.
        pid = main_pid()
        cpu0 = cpu_seconds(pid)
        threads = [threading.Thread(target=flood, args=(s,)) for s in FLOODERS for _ in range(2)]
        for t in threads:
            t.start()
        # The compile takes a few seconds; then the floods run for TIMEOUT seconds.
        time.sleep(4)
        latencies = []
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline or any(t.is_alive() for t in threads):
            r = request('GET', '/languages', source=VICTIM, timeout=30)
            self.assertEqual(r.status, 200)
            latencies.append(r.elapsed)
            time.sleep(0.1)
            if time.monotonic() > deadline + 60:
                break
        for t in threads:
            t.join(60)
            self.assertFalse(t.is_alive(), 'a flood job never ended')

        # Reading the floods costs the front little: past the cap their output is dropped unread, and a
        # pipe that stays full is read at most a few hundred times a second (5 s of CPU before).
        cpu = cpu_seconds(pid) - cpu0
        print('sandrund CPU during 4 floods of %d s: %.2f s' % (TIMEOUT, cpu))
        self.assertLess(cpu, 2.5)

        for source, (r, took) in answers.items():
            self.assertEqual(r.status, 200, r)
            d = r.json()
            self.assertEqual(d['reason'], 'timeout', {k: d[k] for k in d if k not in ('stdout', 'output')})
            self.assertTrue(d['truncated'])
            # The compile, then the limit, then the kill: nowhere near the budget of a stuck loop.
            self.assertLess(took, TIMEOUT + 40, 'a flood with a %d s limit took %.1f s' % (TIMEOUT, took))

        latencies.sort()
        p50, worst = latencies[len(latencies) // 2], latencies[-1]
        print('victim GET /languages during the floods: n=%d p50=%.3fs max=%.3fs' % (len(latencies), p50, worst))
        self.assertGreater(len(latencies), 5)
        self.assertLess(p50, 0.5, 'the front was slow while jobs flooded their pipes: %r' % latencies)
        self.assertLess(worst, 1.5, 'the front stalled while jobs flooded their pipes: %r' % latencies)

        # And a victim's job runs while the daemons are still busy with nothing else.
        t0 = time.monotonic()
        d = run_json('print(1)', source=VICTIM)
        self.assertEqual(d['stdout'], '1\n')
        self.assertLess(time.monotonic() - t0, 10)


if __name__ == '__main__':
    main()
