/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A sealed JSON answer: the fields that carry what a job produced are taken out of the answer and put in
 * one object; its JSON text, read piecewise from whatever serializes it (for the daemon a JsonStream that
 * escapes output straight from the job's buffers), is sealed to the client's recipients as an armored age
 * message. What is left (status, exit code, reason, metrics) stays readable for the client's logic.
 */

#include <json-c/json.h>
#include <sys/types.h>

#include "seal-to.h"

/* The fields of a /run answer that leave sandrun only sealed. */
extern const char *const seal_run_fields[];

/* Moves the keys present in o into a new object (*ret_inner, never NULL on success). */
int seal_json_move_fields(json_object *o, const char *const *keys, json_object **ret_inner);

/* The next bytes of a plaintext into buf: how many, 0 at its end, or -errno. */
typedef ssize_t (*seal_read_t)(void *userdata, char *buf, size_t max);

/* Reads a whole plaintext (at most max bytes, else -EFBIG) and seals it to r, armored and NUL-terminated,
 * into *ret. The plaintext is held in buffers that are wiped before they are freed, growth included. */
int seal_read_armored(seal_read_t read, void *userdata, size_t max, const SealRecipients *r, char **ret,
                      size_t *ret_len);

/* Wipes every string inside v (json-c keeps them in its own heap buffers), for plaintext about to be freed. */
void seal_json_wipe(json_object *v);
