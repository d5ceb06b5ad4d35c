#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Memory held for clients is shared: two addresses uploading many large batch jobs cannot make a third
client's finished result go away (its download still answers), and a newcomer within its share still
gets its upload in, at the cost of the queued jobs of the address most beyond its share. Here with a
small --held-max (a drop-in) so that a few uploads of 4 MiB fill it."""
import json
import time

from fairness_test import RUNNING_PER_IP, FairnessTestCase, install_dropin, main, multipart, note, \
    remove_dropin, request, status, submit, wait_idle

HELD_MAX_MIB = 40
UPLOAD_MIB = 4
SLEEP = 20              # the hogs' running jobs, so that their uploads stay queued
PER_HOG = 12            # uploads each hog tries (12 x 4 MiB: more than --held-max alone)


def submit_upload(source, mib, outputs=None, code='true'):
    """POST /submit of a job with a data file of `mib` MiB; the Response, or None when the daemon cut
    the upload off (it may answer and close before the whole body was sent)."""
    manifest = {'entrypoint': 'main.sh', 'interpreter': 'sh', 'timeout': 60}
    if outputs:
        manifest['outputs'] = outputs
    body, ctype = multipart([('manifest', None, json.dumps(manifest).encode()),
                             ('file', 'main.sh', code.encode()),
                             ('file', 'data.bin', b'\0' * (mib << 20))])
    try:
        return request('POST', '/submit', body, {'Content-Type': ctype}, source=source)
    except OSError:
        return None


class HeldShares(FairnessTestCase):
    BLOCK = 11

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        wait_idle()
        cls.addClassCleanup(remove_dropin)
        install_dropin(['--held-max', '%dM' % HELD_MAX_MIB, '--batch-ttl', '300s'])

    def test_result_survives_and_newcomer_gets_in(self):
        victim, hog_a, hog_b, newcomer = self.clients(4)

        # The victim's finished result.
        r = submit_upload(victim, 0, outputs=['out.txt'], code='echo kept > out.txt')
        self.assertEqual(r.status, 202, r)
        result = r.json()['job_id']
        deadline = time.monotonic() + 30
        while status(result, source=victim)['status'] not in ('completed', 'failed'):
            self.assertLess(time.monotonic(), deadline, 'the victim\'s job did not finish')
            time.sleep(0.2)
        self.assertEqual(status(result, source=victim)['status'], 'completed')

        # Two hogs hold their running slots with sleepers and upload until refused.
        for hog in (hog_a, hog_b):
            for _ in range(RUNNING_PER_IP):
                submit('sleep %d' % SLEEP, source=hog, timeout=SLEEP + 10)
        accepted = {hog_a: [], hog_b: []}
        refused = {hog_a: [], hog_b: []}
        for hog in (hog_a, hog_b):
            for _ in range(PER_HOG):
                r = submit_upload(hog, UPLOAD_MIB)
                if r is not None and r.status == 202:
                    accepted[hog].append(r.json()['job_id'])
                else:
                    refused[hog].append(r.status if r is not None else 'cut off')
        note('hog A: %d accepted, refused %s; hog B: %d accepted, refused %s', len(accepted[hog_a]),
             refused[hog_a], len(accepted[hog_b]), refused[hog_b])
        self.assertTrue(refused[hog_a] and refused[hog_b], 'no hog was ever refused: %r' % refused)
        for codes in refused.values():
            for code in codes:
                self.assertIn(code, (429, 503, 'cut off'))
        # B got in beside A, though A had filled it first: A gave back its newest queued jobs.
        self.assertGreaterEqual(len(accepted[hog_b]), 2, 'hog B got %d uploads in' % len(accepted[hog_b]))
        dropped = [j for j in accepted[hog_a] if status(j, source=hog_a)['status'] == 'failed']
        self.assertTrue(dropped, 'nothing of A was dropped for B')
        d = status(dropped[-1], source=hog_a)
        self.assertIn('dropped from the queue', d.get('error') or '', d)

        # A newcomer within its share gets its upload in.
        r = submit_upload(newcomer, UPLOAD_MIB)
        self.assertIsNotNone(r, 'the newcomer\'s upload was cut off')
        self.assertEqual(r.status, 202, r)

        # And the victim's result is all there.
        r = request('GET', '/download/' + result, source=victim)
        self.assertEqual(r.status, 200, 'the victim\'s result answered %d: %r' % (r.status, r.body[:200]))


if __name__ == '__main__':
    main()
