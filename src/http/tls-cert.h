/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The daemon's TLS identity: a certificate and key in PEM, loaded from files (systemd credentials or
 * --cert/--key) or, when none are configured, made up at start: an ephemeral self-signed ECDSA P-256
 * certificate that lives only in memory. Either way the SHA-256 pin of the public key is computed, in
 * the form curl's --pinnedpubkey takes ("sha256//BASE64").
 */

#include "macro.h"

typedef struct TlsIdentity {
        char *cert_pem;
        char *key_pem;
        char *pin;
        bool ephemeral;
} TlsIdentity;

int tls_identity_load(TlsIdentity **ret, const char *cert_path, const char *key_path);
int tls_identity_generate(TlsIdentity **ret, const char *common_name);
TlsIdentity *tls_identity_free(TlsIdentity *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(TlsIdentity *, tls_identity_free);

/* The pin of the public key in a PEM certificate. */
int tls_pin_from_cert_pem(const char *cert_pem, char **ret);
