/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Sealed runs from the command line: --seal makes an X25519 key pair for this run only (the secret never
 * leaves memory), --seal-to adds the user's own age recipients, --identity opens answers with the user's
 * own age identity file. The server then answers with "sealed", an age message, which is opened here and
 * put back together into the answer the rest of the CLI reads as usual.
 */

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "cli-args.h"
#include "seal-key.h"

typedef struct CliSeal {
        bool enabled;                   /* seal_to goes into the request */
        bool can_open;                  /* an identity (made, or from --identity) opens the answer */
        SealIdentity identity;
        struct json_object *recipients; /* the "seal_to" array */
} CliSeal;

/* From --seal, --seal-to and --identity. Prints what is wrong and returns an exit code, or 0. */
int cli_seal_setup(const CliArgs *a, CliSeal *ret);
void cli_seal_done(CliSeal *s);

/* Opens the "sealed" field of a /run answer and returns the answer with the fields it held put back
 * (stdout, stderr, output, receipt, ...), as JSON text in *ret. -ENOKEY without an identity, -EBADMSG when
 * the answer or the message is not what it should be. An answer without "sealed" is returned as it is. */
int cli_seal_open_answer(const CliSeal *s, const char *body, size_t len, char **ret, size_t *ret_len);

/* sandrun unseal --identity KEY [FILE]: an age file (binary or armored) opened to stdout. */
int cli_unseal(const CliArgs *a);
