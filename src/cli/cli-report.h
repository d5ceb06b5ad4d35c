/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "cli-http.h"
#include "cli-reply.h"

/*
 * The CLI's messages on stderr for what went wrong; each returns the exit code the CLI should end with
 * (see cli-exit.h).
 */

/* A request that got no HTTP answer: `error` as returned by the http_*() calls. */
int report_transport_error(const HttpClient *c, int error);

/* A non-2xx answer: the server's error text, and for 429/503 how long to wait (from Retry-After). */
int report_http_error(const HttpResponse *r);

/* A 2xx answer whose body could not be understood. */
int report_bad_answer(const HttpClient *c, const char *what);

/* Any of the above for the result r of an http_*() call (made before, not as an argument): returns 0
 * when the answer is a usable 2xx. */
int report_request(const HttpClient *c, int r, const HttpResponse *response);

/* The notes after a finished job: why the sandbox stopped it, truncated output, metrics if asked. */
void report_job_end(const JobReply *j, const HttpResponse *r, bool metrics);
