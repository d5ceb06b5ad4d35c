/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The manifest part of a batch job: a JSON object saying what to run.
 *
 *   {"entrypoint": "main.py", "interpreter": "python", "args": ["-v"], "stdin": "...",
 *    "outputs": ["*.csv", "plot.png"], "timeout": 60, "env": {"K": "V"},
 *    "tests": [{"stdin": "...", "expected_output": "..."}], "compare": "trim", "seal_to": "age1..."}
 *
 * Every key is optional, but at least one of entrypoint and interpreter must be there; whether an
 * interpreter may run without an entrypoint, and which interpreters exist, is the caller's policy, as
 * is clamping the timeout. Unknown keys are refused, so that a typo does not pass unnoticed.
 */

#include <stddef.h>
#include <stdint.h>

#include "judge.h"
#include "macro.h"
#include "seal-to.h"

#define MANIFEST_SIZE_MAX (4U * 1024 * 1024)    /* bytes of JSON */
#define MANIFEST_DEPTH_MAX 4                    /* the object, arrays or objects in it, a test case in "tests" */
#define MANIFEST_INTERPRETER_MAX 32U            /* bytes of [a-z0-9][a-z0-9._+-]* */
#define MANIFEST_ARGS_MAX 256U
#define MANIFEST_ARG_MAX 4096U                  /* bytes of one argument */
#define MANIFEST_ARGS_TOTAL_MAX (64U * 1024)    /* bytes of all arguments */
#define MANIFEST_OUTPUTS_MAX 64U                /* patterns, each within GLOB_PATTERN_MAX */
#define MANIFEST_STDIN_MAX (1024U * 1024)       /* bytes */
#define MANIFEST_TIMEOUT_MAX 86400U             /* seconds */
#define MANIFEST_ENV_MAX 64U
#define MANIFEST_ENV_NAME_MAX 64U               /* bytes of [A-Z_][A-Z0-9_]* */
#define MANIFEST_ENV_VALUE_MAX 4096U            /* bytes */
#define MANIFEST_ENV_TOTAL_MAX (32U * 1024)     /* bytes of all "NAME=value" strings */

typedef struct Manifest {
        char *entrypoint;       /* a normal upload path (see upload-path.h), or NULL */
        char *interpreter;      /* NULL if not given */
        char **args;            /* argv after the entrypoint, never NULL; no argument contains NUL */
        char *stdin_data;       /* NULL if not given; may contain NUL bytes */
        size_t stdin_size;
        char **outputs;         /* valid glob patterns (see glob-match.h), never NULL */
        uint64_t timeout_sec;   /* 0 if not given, else 1 ... MANIFEST_TIMEOUT_MAX */
        char **env;             /* "NAME=value", names unique and allowed, never NULL */
        JudgeSpec *judge;       /* "tests" and "compare" (see judge.h), or NULL; not with stdin or outputs */
        SealRecipients *seal_to; /* "seal_to" (see seal-to.h), or NULL */
} Manifest;

/*
 * Parses and checks a manifest (len bytes of JSON, need not be NUL-terminated). Returns 0 and a new
 * Manifest in *ret; -EBADMSG for anything wrong with it, with a static reason for the client in
 * *ret_error; -E2BIG if it is over MANIFEST_SIZE_MAX; -ENOMEM.
 */
int manifest_parse(const char *buf, size_t len, Manifest **ret, const char **ret_error);

Manifest *manifest_free(Manifest *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manifest *, manifest_free);

/* Whether name may be set through the manifest's env: [A-Z_][A-Z0-9_]* within MANIFEST_ENV_NAME_MAX,
 * and none that steers the loader, libc, the shell or the service manager (LD_*, PATH, HOME, ...). */
bool manifest_env_name_is_allowed(const char *name);
