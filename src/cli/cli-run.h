/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include <json-c/json.h>

#include "cli-args.h"
#include "cli-http.h"
#include "cli-reply.h"

/* One more file for the work dir, under a relative path. */
typedef struct RunFile {
        const char *name;
        const void *data;
        size_t size;
} RunFile;

typedef struct RunRequest {
        const char *code;
        size_t code_size;
        const char *name;               /* the program's file name; NULL: the server's default */
        const RunFile *files;           /* more files, sent base64-encoded */
        size_t n_files;
        const char *lang;               /* NULL: the server's default */
        const char *stdin_data;         /* NULL: no input */
        size_t stdin_size;
        struct json_object *tests;      /* borrowed; NULL: no test cases */
        char *const *args;
        size_t n_args;
        unsigned timeout;               /* 0: the server's default */
        struct json_object *seal_to;    /* borrowed; NULL: the answer comes back readable */
} RunRequest;

/*
 * Prints the text of a "stdout" or "stderr" event ({"text": ...}) on ours, adding its length to printed[0]
 * or [1]. Returns 1, 0 for another event, -EBADMSG for a malformed one, or -ENOMEM.
 */
int cli_print_output_event(const char *name, const char *data, size_t len, size_t printed[static 2]);

/* The JSON body of POST /run. Returns 0 or -ENOMEM. */
int run_request_to_json(const RunRequest *req, char **ret);

/*
 * Sends req (with a->input as its stdin, a->args, a->timeout and the test cases of a->tests_file; the
 * caller fills in the code, its language, name and files) to POST /run, prints the output live as it
 * comes, and returns the exit code the CLI should end with; ret_reply as for cli_run().
 */
int cli_run_request(HttpClient *c, const CliArgs *a, const RunRequest *req, JobReply **ret_reply);

/*
 * Runs the program in `path` ("-" or NULL: stdin) with the options of the command line and a->input
 * (read by the caller, once, so that --watch reuses it) as its stdin, copies its
 * stdout and stderr to ours, and returns the exit code the CLI should end with. When ret_reply is
 * given it receives the job's answer, or NULL if there was none.
 */
int cli_run(HttpClient *c, const CliArgs *a, const char *path, JobReply **ret_reply);
