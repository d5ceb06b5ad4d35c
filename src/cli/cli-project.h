/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cli-args.h"
#include "cli-http.h"
#include "cli-reply.h"

/*
 * sandrun run FILE|DIR... [-- ARGS...]: packs the paths as submit does and runs the entry point (the
 * first path when it is a file, else --entrypoint) through POST /run with the other files beside it, or,
 * past what /run takes (cli-run-mode.h), as a batch job. Prints the program's output and returns the exit
 * code the CLI should end with, the same either way; ret_reply as for cli_run().
 */
int cli_run_paths(HttpClient *c, const CliArgs *a, JobReply **ret_reply);
