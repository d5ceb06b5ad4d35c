/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The daemon's receipt signing key: Ed25519 on GnuTLS, made at start or loaded from a PEM private key
 * (a systemd credential), so that receipts stay verifiable across restarts and between a cluster's hosts.
 */

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "receipt-verify.h"

typedef struct ReceiptKey ReceiptKey;

int receipt_key_generate(ReceiptKey **ret);
/* A PKCS#8 PEM Ed25519 private key (openssl genpkey -algorithm ed25519): 0, -EINVAL if it is not one. */
int receipt_key_load(ReceiptKey **ret, const char *pem, size_t len);
ReceiptKey *receipt_key_free(ReceiptKey *k);
DEFINE_TRIVIAL_CLEANUP_FUNC(ReceiptKey *, receipt_key_free);

const char *receipt_key_id(const ReceiptKey *k);
/* The public key as PEM ("-----BEGIN PUBLIC KEY-----"), for GET /receipt-key/{key_id}. */
const char *receipt_key_public_pem(const ReceiptKey *k);
bool receipt_key_ephemeral(const ReceiptKey *k);

/*
 * Seals a payload: {"payload": base64(payload bytes), "signature": base64(Ed25519 over exactly those
 * bytes), "key_id": ...}. NULL when out of memory or signing failed.
 */
json_object *receipt_key_seal(const ReceiptKey *k, const void *payload, size_t len);
