/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Checking a signed receipt: {"payload": base64(bytes), "signature": base64(Ed25519 over exactly those
 * bytes), "key_id": ...}. Pure functions of their inputs on GnuTLS and json-c, shared by the daemon's
 * tests and the CLI's `sandrun verify` (which does not link the core library).
 */

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define RECEIPT_KEY_ID_LEN 32           /* hex digits: the first 16 bytes of SHA-256 of the key's SPKI */
#define RECEIPT_SIGNATURE_LEN 64        /* Ed25519 */
#define RECEIPT_MAX (256U * 1024)       /* the largest receipt document we read */
#define RECEIPT_KEY_PEM_MAX 4096U

/* SHA-256 as 64 lowercase hex digits and a NUL. */
void receipt_sha256_hex(const void *data, size_t len, char ret[static 65]);
/* The same of a digest already made (32 bytes). */
void receipt_digest_hex(const uint8_t digest[static 32], char ret[static 65]);
/* The same of everything read from fd to its end: 0, or -errno. */
int receipt_sha256_fd(int fd, char ret[static 65]);

/* Base64 (RFC 4648, padded, one line) of data, as a new string; NULL when out of memory. */
char *receipt_base64_encode(const void *data, size_t len);

/* The key id of a public key given as PEM ("-----BEGIN PUBLIC KEY-----"): 0, or -EINVAL. */
int receipt_public_key_id(const char *pem, size_t len, char ret[static RECEIPT_KEY_ID_LEN + 1]);

/*
 * Splits a receipt document (JSON, at most RECEIPT_MAX) into the payload bytes, the signature and the key
 * id, without checking anything but the shape: 0, or -EBADMSG with a reason in *ret_error.
 */
typedef struct Receipt {
        uint8_t *payload;
        size_t payload_len;
        uint8_t signature[RECEIPT_SIGNATURE_LEN];
        char key_id[RECEIPT_KEY_ID_LEN + 1];
} Receipt;
int receipt_parse(const char *json, size_t len, Receipt *ret, const char **ret_error);
void receipt_done(Receipt *r);

/*
 * Whether the receipt's signature verifies under the public key (PEM) and the key's id matches the
 * receipt's: 0 valid, -EBADMSG not (reason in *ret_error), -EINVAL for a key that is not an Ed25519 PEM.
 */
int receipt_verify(const Receipt *r, const char *key_pem, size_t key_len, const char **ret_error);
