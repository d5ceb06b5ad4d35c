/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "api-internal.h"

/* GET /status/ID, /logs/ID, /outputs/ID, /download/ID. Returns false if path is none of them. */
bool batch_endpoint_handle(Api *a, HttpRequest *req);

/* "/status/<32 hex>[-<node>]" with prefix "/status/": 0 and the id, or -EINVAL. */
int parse_job_path(const char *path, const char *prefix, char ret_id[static JOB_ID_MAX]);
