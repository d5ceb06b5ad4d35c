/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What a POST /run asks for. Either the body is the program itself (any content type but JSON; the
 * language from ?lang=), or it is a JSON object:
 *     {"code": "...", "interpreter"|"lang": "python", "stdin": "...", "args": ["..."], "timeout": 5,
 *      "tests": [{"stdin": "...", "expected_output": "..."}, ...], "compare": "trim"|"exact",
 *      "seal_to": "age1..." | ["age1...", ...]}
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "judge.h"
#include "macro.h"
#include "seal-to.h"

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
