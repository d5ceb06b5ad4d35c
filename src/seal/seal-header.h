/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The age v1 header: "age-encryption.org/v1\n", one or more stanzas ("-> arg...\n" then a base64 body
 * wrapped at 64 columns whose last line is shorter than 64, possibly empty), "--- " and the base64 MAC.
 * The parser is a pure function of (buf, len): it allocates nothing and points into buf.
 */

#include <stddef.h>
#include <stdint.h>

#include "seal-crypto.h"

#define SEAL_HEADER_MAX (64u * 1024u)
#define SEAL_STANZAS_MAX 64u
#define SEAL_STANZA_ARGS_MAX 16u
#define SEAL_STANZA_BODY_MAX 4096u
#define SEAL_VERSION_LINE "age-encryption.org/v1\n"

typedef struct SealStanza {
        const char *args[SEAL_STANZA_ARGS_MAX];
        size_t arg_len[SEAL_STANZA_ARGS_MAX];
        size_t n_args;
        const char *body;       /* base64 lines, each ending in '\n' */
        size_t body_text_len;
} SealStanza;

typedef struct SealHeader {
        SealStanza stanzas[SEAL_STANZAS_MAX];
        size_t n_stanzas;
        size_t mac_input_len;   /* bytes from the start up to and including "---" */
        uint8_t mac[SEAL_MAC_SIZE];
        size_t len;             /* the whole header, through the MAC line's '\n' */
} SealHeader;

/* -EPROTONOSUPPORT for another age version, -EBADMSG for anything malformed or over the limits. */
int seal_header_parse(const uint8_t *buf, size_t len, SealHeader *ret);

/* Decodes a stanza's body (at most SEAL_STANZA_BODY_MAX bytes). */
int seal_stanza_body(const SealStanza *s, uint8_t *dst, size_t dst_max, size_t *ret_len);

/* True when argument i equals str. */
int seal_stanza_arg_is(const SealStanza *s, size_t i, const char *str);

/* Appends one stanza's text to dst (room for dst_max bytes) and returns its length, or -ENOBUFS. */
int seal_stanza_format(char *dst, size_t dst_max, const char *const *args, size_t n_args, const uint8_t *body,
                       size_t body_len);

/* The MAC key HKDF(file key, "", "header") and the MAC over what the header holds up to "---". */
void seal_header_mac(uint8_t ret_mac[SEAL_MAC_SIZE], const uint8_t file_key[SEAL_FILE_KEY_SIZE],
                     const void *mac_input, size_t len);
