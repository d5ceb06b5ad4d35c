/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the API's handler files share. */

#include "api.h"
#include "client-key.h"
#include "fair-scheduler.h"

struct Api {
        JobManager *jobs;
        ApiConfig config;
};

/* Who the request is billed to. */
void request_client(Api *a, HttpRequest *req, ClientKey *ret);
void reply_refusal(HttpRequest *req, const FairRefusal *f);
void reply_method_not_allowed(HttpRequest *req, const char *allow);
/* A sealed memfd holding data, positioned at its start. */
int memfd_with(const char *name, const void *data, size_t len);

/* POST /submit: set up streaming when the headers are in, then make the job once the body is. */
void submit_begin(Api *a, HttpRequest *req);
void submit_finish(Api *a, HttpRequest *req);

/* GET /status/ID, /logs/ID, /outputs/ID, /download/ID. Returns false if path is none of them. */
bool batch_endpoint_handle(Api *a, HttpRequest *req);

/* "/status/<32 hex>[-<node>]" with prefix "/status/": 0 and the id, or -EINVAL. */
int parse_job_path(const char *path, const char *prefix, char ret_id[static JOB_ID_MAX]);
