/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "api-internal.h"

/* POST /submit: set up streaming when the headers are in, then make the job once the body is. */
void submit_begin(Api *a, HttpRequest *req);
void submit_finish(Api *a, HttpRequest *req);
