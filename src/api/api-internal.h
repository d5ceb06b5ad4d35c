/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the API's handler files share (api-request.c); each handler file has its own header. */

#include "api.h"
#include "client-key.h"
#include "fair-scheduler.h"
#include "json-stream.h"

struct Api {
        JobManager *jobs;
        ApiConfig config;
};

/* Who the request is billed to. */
void request_client(Api *a, HttpRequest *req, ClientKey *ret);
void reply_refusal(Api *a, HttpRequest *req, const FairRefusal *f);
void reply_method_not_allowed(HttpRequest *req, const char *allow);
/* Live output asked for: Accept: text/event-stream, or ?stream=1 where headers are hard to set (EventSource). */
bool request_wants_events(HttpRequest *req);
/* Answers with o, whose holes stream (taken) fills in as the client reads; o stays the caller's. */
int reply_json_stream(HttpRequest *req, unsigned status, JsonStream *stream, json_object *o);
