/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The languages sandrun can run: one table for the daemon (what runs a program, which are installed)
 * and the CLI (what a file is written in). Pure data and lookups; no allocation.
 */

#include <stdbool.h>
#include <stddef.h>

typedef struct Interpreter {
        const char *name;
        const char *const *aliases;
        const char *extension;          /* of the program file written to the work dir */
        const char *const *extensions;  /* every file extension of the language, `extension` first */
        const char *const *commands;    /* command names in a "#!" line that run it */
        const char *const *candidates;  /* where the interpreter may live; the first executable wins */
        const char *path;               /* set by interpreters_detect(), NULL when not installed */
} Interpreter;

#define DEFAULT_INTERPRETER "python"

/* Finds the installed interpreters. `root` prefixes the candidate paths (NULL: "/"), for tests. */
void interpreters_detect(const char *root);
/* By name or alias, case-insensitively; NULL when unknown or not installed. */
const Interpreter *interpreter_find(const char *name);
/* The whole table, installed or not, in a fixed order; *ret_n is its length. */
const Interpreter *interpreters_all(size_t *ret_n);
/*
 * The language of a file extension (".sh", with its dot), case-insensitively, whether installed or not;
 * NULL when none. An extension several languages share (".sh") names the first of them in the table, or
 * with `last` the last, the plainest one ("sh": what a .sh file is written in; bash runs it too).
 */
const Interpreter *interpreter_from_extension(const char *extension, bool last);
/* A "#!" command name ("python3", "dash"), exactly; NULL when none. */
const Interpreter *interpreter_from_command(const char *name, size_t len);
/* The installed ones, in a fixed order; returns how many. */
size_t interpreters_available(const Interpreter **ret, size_t max);
/* "python, bash, sh, node, perl" of what is installed, for error messages. */
void interpreters_format_list(char *buf, size_t size);
