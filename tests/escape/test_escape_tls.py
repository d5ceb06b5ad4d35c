#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The daemon's TLS: a client that offers only CBC ciphers or only static-RSA key exchange is refused at
the handshake; TLS 1.2 with ECDHE and an AEAD cipher, and the default TLS 1.3, still work."""
import ssl

from escape_test import EscapeTestCase, main
from sandrun_test import tcp_socket


def handshake(ciphers=None, tls13=True):
    """The cipher suite the daemon agreed to, or the SSLError that ended the handshake."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if not tls13:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if ciphers:
        # Security level 0 so that our own client offers the weak suites at all.
        ctx.set_ciphers(ciphers + ':@SECLEVEL=0')
    raw = tcp_socket(timeout=10)
    try:
        with ctx.wrap_socket(raw) as s:
            return s.cipher()[0]
    except ssl.SSLError as e:
        return e
    finally:
        raw.close()


class TlsTest(EscapeTestCase):
    def test_cbc_refused(self):
        for suite in ('ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA384', 'ECDHE-ECDSA-AES128-SHA256',
                      'ECDHE-ECDSA-AES256-SHA'):
            with self.subTest(suite=suite):
                self.assertIsInstance(handshake(suite, tls13=False), ssl.SSLError)

    def test_static_rsa_key_exchange_refused(self):
        for suite in ('AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-SHA', 'AES256-SHA256'):
            with self.subTest(suite=suite):
                self.assertIsInstance(handshake(suite, tls13=False), ssl.SSLError)

    def test_forward_secret_aead_works(self):
        got = handshake()
        self.assertNotIsInstance(got, ssl.SSLError)
        self.assertTrue(got.startswith('TLS_'), got)    # TLS 1.3 by default
        got = handshake('ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:'
                        'ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305', tls13=False)
        self.assertNotIsInstance(got, ssl.SSLError)
        self.assertTrue(got.startswith('ECDHE-') and ('GCM' in got or 'CHACHA20' in got), got)
        self.assertDaemonAnswers()


if __name__ == '__main__':
    main()
