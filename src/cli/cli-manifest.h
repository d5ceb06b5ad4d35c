/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include <json-c/json.h>

/* What a batch job runs, sent as the "manifest" part of POST /submit. */
typedef struct Manifest {
        const char *entrypoint;         /* a path inside the uploaded archive */
        const char *interpreter;        /* NULL: the server infers it */
        char *const *args;
        size_t n_args;
        const char *stdin_data;         /* NULL: no input */
        size_t stdin_size;
        char *const *outputs;           /* globs of the files to keep */
        size_t n_outputs;
        char *const *env;               /* NAME=VALUE */
        size_t n_env;
        unsigned timeout;               /* 0: the server's default */
        struct json_object *seal_to;    /* borrowed: the "seal_to" array, or NULL */
} Manifest;

/* Returns 0, -EINVAL for an env entry without '=', or -ENOMEM. */
int manifest_to_json(const Manifest *m, char **ret);
