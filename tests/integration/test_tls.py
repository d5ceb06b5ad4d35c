#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The daemon publishes the pin of its TLS key, and the key it serves matches it."""
import base64
import json
import subprocess

from sandrun_test import URL, PinMismatch, SandrunTestCase, container_out, journal, main, request, server_pin


def published_pin():
    return container_out('cat', '/run/sandrun/tls-pin')


class Tls(SandrunTestCase):
    def test_pin_file_matches_served_key(self):
        pin = published_pin()
        self.assertRegex(pin, r'^sha256//[A-Za-z0-9+/]{43}=$')
        self.assertEqual(server_pin(), pin)

    def test_pin_in_journal(self):
        pins = []
        for line in journal('-u', 'sandrun.service', '-o', 'json').splitlines():
            entry = json.loads(line)
            if 'SANDRUN_TLS_PIN' in entry:
                pins.append(entry['SANDRUN_TLS_PIN'])
        self.assertTrue(pins, 'no SANDRUN_TLS_PIN field in the journal of sandrun.service')
        self.assertEqual(pins[-1], published_pin())

    def test_pinned_request(self):
        pin = published_pin()
        self.assertEqual(request('GET', '/languages', pin=pin).status, 200)
        wrong = 'sha256//' + base64.b64encode(bytes(32)).decode()
        with self.assertRaises(PinMismatch):
            request('GET', '/languages', pin=wrong)

    def test_curl_pinnedpubkey(self):
        # What the daemon tells users to do: curl --pinnedpubkey "$(cat /run/sandrun/tls-pin)".
        pin = published_pin()
        ok = subprocess.run(['curl', '-sS', '-k', '--max-time', '20', '--pinnedpubkey', pin, URL + '/languages'],
                            capture_output=True, text=True)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertIn('python', ok.stdout)
        bad = subprocess.run(['curl', '-sS', '-k', '--max-time', '20', '--pinnedpubkey',
                              'sha256//' + base64.b64encode(bytes(32)).decode(), URL + '/languages'],
                             capture_output=True, text=True)
        self.assertEqual(bad.returncode, 90, 'curl exit for a wrong pin: %d %s' % (bad.returncode, bad.stderr))


if __name__ == '__main__':
    main()
