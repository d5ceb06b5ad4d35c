/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The HTTP API: routes each request to its handler and shapes the answers. Runs jobs only through the
 * JobManager, never touching the bus or a job's files.
 */

#include <json-c/json.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "cidr.h"
#include "cors.h"
#include "http-server.h"
#include "job.h"
#include "job-receipt.h"
#include "metrics.h"
#include "macro.h"
#include "run-request.h"

typedef struct Api Api;

typedef struct ApiConfig {
        RunLimits run_limits;
        CidrList trusted_proxies;       /* whose X-Forwarded-For is believed */
        uint64_t default_timeout_usec;
        uint64_t max_timeout_usec;
        uint64_t upload_max;            /* bytes of files a /submit may upload */
        bool debug_timeline;            /* add each job's timeline to JSON answers */
        uint64_t compile_timeout_usec;  /* a compile step's wall clock */
        uint64_t test_cpu_usec;         /* each test case's CPU limit, the most a request may ask */
        uint64_t tests_timeout_usec;    /* all test cases of one request, wall clock */
        unsigned cpus;                  /* a job's CPU quota in whole cores, at least 1: sizes JVM threads */
        CorsPolicy cors;                /* which other origins' pages may call the API (not owned) */
        bool tls;                       /* served over TLS: the page's own origin is https:// */
        ReceiptConfig receipts;         /* how finished jobs' receipts are signed (key not owned) */
        Metrics *metrics;               /* counts refusals, if set (not owned) */
        sd_event *event;                /* for streamed /logs; NULL: /logs answers JSON only */
} ApiConfig;

int api_new(Api **ret, JobManager *jobs, const ApiConfig *config);
Api *api_free(Api *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(Api *, api_free);

/* http_handler_t and http_decorate_t for the server. */
void api_handle_request(HttpRequest *req, void *userdata);
/* The headers hook: takes /submit bodies as a stream. */
void api_handle_headers(HttpRequest *req, void *userdata);
void api_decorate_response(HttpRequest *req, void *response, void *userdata);
/* For the server's unlimited_peer: a trusted proxy carries many clients, so it is not limited as one. */
bool api_peer_is_trusted_proxy(const struct sockaddr *sa, socklen_t len, void *userdata);
/* For the HTTP server's count of requests in flight: the client a request is billed to. */
int api_request_client_key(HttpRequest *req, ClientKey *ret, void *userdata);
