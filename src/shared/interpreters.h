/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The languages sandrun can run: one table for the daemon (what runs a program, which are installed)
 * and the CLI (what a file is written in). Pure data and lookups; no allocation.
 */

#include <stdbool.h>
#include <stddef.h>

#include "language-version.h"

typedef struct Interpreter {
        const char *name;
        const char *const *aliases;
        const char *extension;          /* of the program file written to the work dir */
        const char *const *extensions;  /* every file extension of the language, `extension` first */
        const char *const *commands;    /* command names in a "#!" line that run it */
        const char *const *candidates;  /* where the interpreter may live; the first executable wins */
        const char *path;               /* set by interpreters_detect(), NULL when not installed */
        /*
         * Compiled languages: `path` is the compiler, run in the work dir with compile_args, then run_args
         * run the result. In both, "{src}" is the program's file name, "{class}" that name without its
         * extension, "{cpus}" the job's CPU quota in whole cores (at least 1), and a run_args[0] of
         * "{run}" the first executable of run_candidates. NULL compile_args: an interpreter.
         */
        const char *const *compile_args;
        const char *const *run_candidates;
        const char *const *run_args;
        const char *run_path;           /* set by interpreters_detect() */
        const char *source_name;        /* the program's file name; NULL: "main" + extension */
        const char *const *env;         /* "NAME=value" for the compile and the run ("{cpus}" too); may be NULL */
        const char *const *version_args; /* what makes `path` print its version; NULL: none does */
        char version[LANGUAGE_VERSION_MAX]; /* set by interpreters_detect_versions(); "" when unknown */
} Interpreter;

#define DEFAULT_INTERPRETER "python"

/* Finds the installed interpreters. `root` prefixes the candidate paths (NULL: "/"), for tests. */
void interpreters_detect(const char *root);
/* Asks each installed toolchain its version (runs each once: for the daemon's start only). */
void interpreters_detect_versions(void);
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
