/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include <json-c/json.h>

#include "cli-args.h"
#include "cli-http.h"
#include "cli-reply.h"

typedef struct RunRequest {
        const char *code;
        size_t code_size;
        const char *lang;               /* NULL: the server's default */
        const char *stdin_data;         /* NULL: no input */
        size_t stdin_size;
        struct json_object *tests;      /* borrowed; NULL: no test cases */
        char *const *args;
        size_t n_args;
        unsigned timeout;               /* 0: the server's default */
} RunRequest;

/* The JSON body of POST /run. Returns 0 or -ENOMEM. */
int run_request_to_json(const RunRequest *req, char **ret);

/*
 * Runs the program in `path` ("-" or NULL: stdin) with the options of the command line and a->input
 * (read by the caller, once, so that --watch reuses it) as its stdin, copies its
 * stdout and stderr to ours, and returns the exit code the CLI should end with. When ret_reply is
 * given it receives the job's answer, or NULL if there was none.
 */
int cli_run(HttpClient *c, const CliArgs *a, const char *path, JobReply **ret_reply);
