/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cli-args.h"
#include "cli-http.h"
#include "cli-tarball.h"

#define SUBMIT_POLL_MSEC 500
#define SUBMIT_TRANSPORT_RETRIES 3

/*
 * Uploads a->paths as one tar.gz with a manifest, follows the job (progress on stderr, logs live as they
 * grow), downloads its output files into a->output_dir (default "sandrun-JOBID") and returns the exit
 * code the CLI should end with: the job's, or one of cli-exit.h.
 */
int cli_submit(HttpClient *c, const CliArgs *a);

/* The steps of cli_submit(), for `sandrun run`, which packs first and then chooses /run or /submit. */
/* Packs a->paths; says on stderr what went wrong, or what was left out. Returns 0 or -errno. */
int cli_submit_pack(const CliArgs *a, Tarball **ret);
/*
 * The file to run, as named inside t: --entrypoint; for `sandrun run` the first path when it is a file;
 * else the only file. Says on stderr when there is none. Returns 0 or -errno.
 */
int cli_submit_entrypoint(const CliArgs *a, const Tarball *t, char **ret);
/* Uploads t and follows the job, as cli_submit(). */
int cli_submit_tarball(HttpClient *c, const CliArgs *a, const Tarball *t, const char *entrypoint);
