/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cli-args.h"
#include "cli-http.h"

/* What `sandrun verify` exits with when the receipt or a file does not check out. */
#define SANDRUN_EXIT_INVALID 1

/*
 * sandrun verify RECEIPT.json [FILE...]: checks the receipt's signature with the key from --key or from
 * the server (GET /receipt-key/{key_id}), then that each FILE's SHA-256 is one the receipt names. Prints a
 * line per check on stdout. Returns 0 only when everything holds.
 */
int cli_verify(HttpClient *c, const CliArgs *a);

/* Saves a job's receipt (compact JSON) to path, if the answer had one; 0, or SANDRUN_EXIT_USAGE. */
int cli_save_receipt(const char *path, const char *receipt);
