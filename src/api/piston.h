/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Piston v2's API, so that clients written for Piston work by changing their base URL:
 * GET /api/v2/runtimes and POST /api/v2/execute, with Piston's request and answer shapes. The jobs are
 * sandrun's like any other: same sandbox, limits and per-client fairness.
 */

#include "api-internal.h"

/* Answers the request if its path is one of Piston's; returns false otherwise. */
bool piston_handle(Api *a, HttpRequest *req);
