/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Operator metrics in the Prometheus text exposition format: counters and histograms fed as jobs end and
 * requests are refused, gauges read at scrape time. Labels are fixed words (status, reason, HTTP code):
 * never a client address, a job id or anything a job produced.
 */

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef struct Metrics Metrics;

int metrics_new(Metrics **ret);
Metrics *metrics_free(Metrics *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Metrics *, metrics_free);

/* A job ended. status: "completed" or "failed"; reason: NULL (exited by itself) or the job's reason word;
 * cpu: what it was billed; latency: seconds from submission to the program's start, negative when it never
 * started. */
void metrics_job_finished(Metrics *m, const char *status, const char *reason, double wall_seconds,
                          double cpu_seconds, double start_latency_seconds);
/* A request refused by the fairness caps: 429 or 503. */
void metrics_refused(Metrics *m, unsigned http_status);
/* A queued job dropped for another client's place in a full queue or memory (not a job that ended). */
void metrics_job_dropped(Metrics *m);

typedef struct MetricsGauges {
        unsigned running;
        unsigned busy;                  /* of the running, those that hold a --max-running slot */
        unsigned queued;
        uint64_t held_bytes;            /* uploads and results held in RAM */
} MetricsGauges;

/* The exposition, text format 0.0.4, as a new NUL-terminated string. */
int metrics_format(const Metrics *m, const MetricsGauges *g, char **ret, size_t *ret_len);
