/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What a POST /run asks for. Either the body is the program itself (any content type but JSON; the
 * language from ?lang=), or it is a JSON object:
 *     {"code": "...", "interpreter"|"lang": "python", "stdin": "...", "args": ["..."], "timeout": 5,
 *      "tests": [{"stdin": "...", "expected_output": "..."}, ...], "compare": "trim"|"exact",
 *      "name": "prog.py", "files": [{"name": "lib/util.py", "content": "...", "encoding": "base64"}, ...],
 *      "seal_to": "age1..." | ["age1...", ...]}
 * "name" is the program's file name in the work dir (default: the language's); "files" are more files
 * written into the work dir before it runs, as Piston's (piston-request.h).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "judge.h"
#include "piston-request.h"
#include "macro.h"
#include "seal-to.h"

/* The longest "name": a language's source file name must fit SOURCE_NAME_MAX with its NUL. */
#define RUN_SOURCE_NAME_MAX 63U

typedef struct RunLimits {
        size_t max_args;
        size_t max_arg_len;
        size_t max_name_len;
} RunLimits;

typedef struct RunRequest {
        char *interpreter;              /* NULL: the default */
        char *code;
        size_t code_len;
        char *stdin_data;               /* NULL: none */
        size_t stdin_len;
        char **args;                    /* never NULL */
        uint64_t timeout_usec;          /* 0: the server's default */
        bool json;                      /* asked in JSON, so answered in JSON */
        JudgeSpec *judge;               /* "tests" and "compare"; NULL: none */
        char *source_name;              /* "name"; NULL: the language's */
        PistonFile *files;              /* "files", each with a name */
        size_t n_files;
        SealRecipients *seal_to;        /* results leave only sealed to these; NULL: plain */
} RunRequest;

RunRequest *run_request_free(RunRequest *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(RunRequest *, run_request_free);

/*
 * Parses a request. The body's size is the HTTP layer's to cap; everything inside is capped here.
 * On failure ret_error says why, for the client.
 */
int run_request_parse(const char *content_type, const char *lang_query, const char *body, size_t len,
                      const RunLimits *limits, RunRequest **ret, const char **ret_error);

/* Whether a Content-Type header names JSON (application/json, with or without parameters). */
bool content_type_is_json(const char *content_type);
