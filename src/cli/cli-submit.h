/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cli-args.h"
#include "cli-http.h"

#define SUBMIT_POLL_MSEC 500
#define SUBMIT_TRANSPORT_RETRIES 3

/*
 * Uploads a->paths as one tar.gz with a manifest, follows the job (progress on stderr, logs as they
 * grow), downloads its output files into a->output_dir (default "sandrun-JOBID") and returns the exit
 * code the CLI should end with: the job's, or one of cli-exit.h.
 */
int cli_submit(HttpClient *c, const CliArgs *a);
