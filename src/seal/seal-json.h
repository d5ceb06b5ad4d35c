/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A sealed JSON answer: the fields that carry what a job produced are taken out of the answer, put in one
 * object, serialized and sealed to the client's recipients as an armored age message. What is left
 * (status, exit code, reason, metrics) stays readable for the client's logic.
 */

#include <json-c/json.h>

#include "seal-to.h"

/* The fields of a /run answer that leave sandrun only sealed. */
extern const char *const seal_run_fields[];

/* Moves the keys present in o into a new object and returns that object sealed (armored, NUL-terminated)
 * in ret. Every string of the moved fields and the serialized plaintext are wiped before they are freed. */
int seal_json_fields(json_object *o, const char *const *keys, const SealRecipients *r, char **ret,
                     size_t *ret_len);

/* Wipes every string inside v (json-c keeps them in its own heap buffers), for plaintext about to be freed. */
void seal_json_wipe(json_object *v);
