/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include <json-c/json.h>

/* Small helpers for building the JSON request bodies. */

static inline void json_putp(struct json_object **o) {
        if (*o)
                json_object_put(*o);
}

/* Adds v (taking it, even on failure; NULL counts as out of memory) under key. Returns 0 or -ENOMEM. */
int json_add(struct json_object *o, const char *key, struct json_object *v);

/* Adds an array of the n strings under key. Returns 0 or -ENOMEM. */
int json_add_strings(struct json_object *o, const char *key, char *const *v, size_t n);

/* The compact text of o, newly allocated. Returns 0 or -ENOMEM. */
int json_to_string(struct json_object *o, char **ret);
