/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The languages sandrun can run, and which of them this host has installed. */

#include <stdbool.h>
#include <stddef.h>

typedef struct Interpreter {
        const char *name;
        const char *const *aliases;
        const char *extension;          /* of the program file written to the work dir */
        const char *const *candidates;  /* where the interpreter may live; the first executable wins */
        const char *path;               /* set by interpreters_detect(), NULL when not installed */
} Interpreter;

#define DEFAULT_INTERPRETER "python"

/* Finds the installed interpreters. `root` prefixes the candidate paths (NULL: "/"), for tests. */
void interpreters_detect(const char *root);
/* By name or alias, case-insensitively; NULL when unknown or not installed. */
const Interpreter *interpreter_find(const char *name);
/* The installed ones, in a fixed order; returns how many. */
size_t interpreters_available(const Interpreter **ret, size_t max);
/* "python, bash, sh, node, perl" of what is installed, for error messages. */
void interpreters_format_list(char *buf, size_t size);
