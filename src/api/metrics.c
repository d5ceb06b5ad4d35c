/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

static const char *const statuses[] = { "completed", "failed" };
static const char *const reasons[] = { "none", "timeout", "memory", "signal", "launch", "upload", "compile", "other" };
static const double duration_buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300 };
static const double latency_buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60 };

#define N_BUCKETS ELEMENTSOF(duration_buckets)

typedef struct Histogram {
        const double *bounds;
        uint64_t counts[N_BUCKETS];     /* per bucket, not cumulative */
        uint64_t count;
        double sum;
} Histogram;

struct Metrics {
        uint64_t finished[ELEMENTSOF(statuses)][ELEMENTSOF(reasons)];
        uint64_t refused_429, refused_503;
        uint64_t dropped;
        double cpu_billed;
        Histogram duration, latency;
};

int metrics_new(Metrics **ret) {
        Metrics *m = calloc(1, sizeof(Metrics));

        if (!m)
                return -ENOMEM;
        m->duration.bounds = duration_buckets;
        m->latency.bounds = latency_buckets;
        *ret = m;
        return 0;
}

Metrics *metrics_free(Metrics *m) {
        free(m);
        return NULL;
}

static void observe(Histogram *h, double v) {
        size_t i = 0;

        while (i < N_BUCKETS && v > h->bounds[i])
                i++;
        if (i < N_BUCKETS)
                h->counts[i]++;
        h->count++;
        h->sum += v;
}

static size_t index_of(const char *const *words, size_t n, const char *w, size_t fallback) {
        for (size_t i = 0; i < n; i++)
                if (w && streq(words[i], w))
                        return i;
        return fallback;
}

void metrics_job_finished(Metrics *m, const char *status, const char *reason, double wall_seconds,
                          double cpu_seconds, double start_latency_seconds) {
        size_t s = index_of(statuses, ELEMENTSOF(statuses), status, 1);
        size_t r = reason ? index_of(reasons, ELEMENTSOF(reasons), reason, ELEMENTSOF(reasons) - 1) : 0;

        assert(m);
        m->finished[s][r]++;
        if (cpu_seconds > 0)
                m->cpu_billed += cpu_seconds;
        observe(&m->duration, wall_seconds >= 0 ? wall_seconds : 0);
        if (start_latency_seconds >= 0)
                observe(&m->latency, start_latency_seconds);
}

void metrics_refused(Metrics *m, unsigned http_status) {
        assert(m);
        if (http_status == 429)
                m->refused_429++;
        else if (http_status == 503)
                m->refused_503++;
}

void metrics_job_dropped(Metrics *m) {
        assert(m);
        m->dropped++;
}

static void format_histogram(FILE *f, const char *name, const char *help, const Histogram *h) {
        uint64_t cumulative = 0;

        fprintf(f, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
        for (size_t i = 0; i < N_BUCKETS; i++) {
                cumulative += h->counts[i];
                fprintf(f, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name, h->bounds[i], cumulative);
        }
        fprintf(f, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n%s_sum %.6f\n%s_count %" PRIu64 "\n", name, h->count, name,
                h->sum, name, h->count);
}

int metrics_format(const Metrics *m, const MetricsGauges *g, char **ret, size_t *ret_len) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f;

        assert(m);
        assert(g);

        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        fputs("# HELP sandrun_jobs_finished_total Jobs that ended, by status and why.\n"
              "# TYPE sandrun_jobs_finished_total counter\n", f);
        /* A completed job exited by itself; a failed one always has a reason. */
        for (size_t s = 0; s < ELEMENTSOF(statuses); s++)
                for (size_t r = 0; r < ELEMENTSOF(reasons); r++)
                        if ((s == 0) == (r == 0))
                                        fprintf(f,
                                        "sandrun_jobs_finished_total{status=\"%s\",reason=\"%s\"} %" PRIu64 "\n",
                                        statuses[s], reasons[r], m->finished[s][r]);
        format_histogram(f, "sandrun_job_duration_seconds", "Wall-clock time jobs ran.", &m->duration);
        format_histogram(f, "sandrun_job_start_latency_seconds",
                         "Time from a job's submission to its program's start, queueing included.", &m->latency);
        fprintf(f,
                "# HELP sandrun_jobs_queued Jobs waiting to start.\n# TYPE sandrun_jobs_queued gauge\n"
                "sandrun_jobs_queued %u\n"
                "# HELP sandrun_jobs_running Jobs running now.\n# TYPE sandrun_jobs_running gauge\n"
                "sandrun_jobs_running %u\n"
                "# HELP sandrun_jobs_busy Running jobs that use the CPU and so hold a --max-running slot.\n"
                "# TYPE sandrun_jobs_busy gauge\n"
                "sandrun_jobs_busy %u\n"
                "# HELP sandrun_jobs_dropped_total Queued jobs dropped for another client's share of a full queue "
                "or memory.\n"
                "# TYPE sandrun_jobs_dropped_total counter\n"
                "sandrun_jobs_dropped_total %" PRIu64 "\n"
                "# HELP sandrun_requests_refused_total Requests refused by the fairness caps, by HTTP status.\n"
                "# TYPE sandrun_requests_refused_total counter\n"
                "sandrun_requests_refused_total{code=\"429\"} %" PRIu64 "\n"
                "sandrun_requests_refused_total{code=\"503\"} %" PRIu64 "\n"
                "# HELP sandrun_cpu_billed_seconds_total CPU time billed to clients, from the jobs' cgroups.\n"
                "# TYPE sandrun_cpu_billed_seconds_total counter\n"
                "sandrun_cpu_billed_seconds_total %.6f\n"
                "# HELP sandrun_memory_held_bytes Uploads and results held in RAM for jobs.\n"
                "# TYPE sandrun_memory_held_bytes gauge\n"
                "sandrun_memory_held_bytes %" PRIu64 "\n"
                "# HELP sandrun_scope_start_failures_total Jobs whose scope or sandbox could not be started.\n"
                "# TYPE sandrun_scope_start_failures_total counter\n"
                "sandrun_scope_start_failures_total %" PRIu64 "\n",
                g->queued, g->running, g->busy, m->dropped, m->refused_429, m->refused_503, m->cpu_billed, g->held_bytes,
                m->finished[1][4]);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        if (ret_len)
                *ret_len = len;
        return 0;
}
