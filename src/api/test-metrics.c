/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "metrics.h"
#include "tests.h"

static bool has_line(const char *text, const char *line) {
        size_t n = strlen(line);
        for (const char *p = text; (p = strstr(p, line)); p += n)
                if ((p == text || p[-1] == '\n') && p[n] == '\n')
                        return true;
        return false;
}

TEST(empty) {
        _cleanup_(metrics_freep) Metrics *m = NULL;
        _cleanup_free_ char *text = NULL;
        MetricsGauges g = {};

        ASSERT_OK(metrics_new(&m));
        ASSERT_OK(metrics_format(m, &g, &text, NULL));
        ASSERT_TRUE(has_line(text, "sandrun_jobs_finished_total{status=\"completed\",reason=\"none\"} 0"));
        ASSERT_TRUE(has_line(text, "sandrun_job_duration_seconds_bucket{le=\"+Inf\"} 0"));
        ASSERT_TRUE(has_line(text, "sandrun_jobs_running 0"));
        ASSERT_TRUE(has_line(text, "# TYPE sandrun_job_start_latency_seconds histogram"));
        ASSERT_TRUE(!strstr(text, "status=\"completed\",reason=\"timeout\""));
        ASSERT_TRUE(!strstr(text, "status=\"failed\",reason=\"none\""));
}

TEST(counts) {
        _cleanup_(metrics_freep) Metrics *m = NULL;
        _cleanup_free_ char *text = NULL;
        MetricsGauges g = { .running = 2, .busy = 1, .queued = 5, .held_bytes = 12345 };

        ASSERT_OK(metrics_new(&m));
        metrics_job_finished(m, "completed", NULL, 0.003, 0.002, 0.004);
        metrics_job_finished(m, "completed", NULL, 0.7, 0.5, 0.02);
        metrics_job_finished(m, "failed", "timeout", 300, 299, 1.5);
        metrics_job_finished(m, "failed", "launch", 0, 0, -1);
        metrics_job_finished(m, "failed", "something new", 1, -3, -1);
        metrics_refused(m, 429);
        metrics_refused(m, 429);
        metrics_refused(m, 503);
        metrics_refused(m, 400);
        metrics_job_dropped(m);
        ASSERT_OK(metrics_format(m, &g, &text, NULL));
        ASSERT_TRUE(has_line(text, "sandrun_jobs_finished_total{status=\"completed\",reason=\"none\"} 2"));
        ASSERT_TRUE(has_line(text, "sandrun_jobs_finished_total{status=\"failed\",reason=\"timeout\"} 1"));
        ASSERT_TRUE(has_line(text, "sandrun_jobs_finished_total{status=\"failed\",reason=\"other\"} 1"));
        ASSERT_TRUE(has_line(text, "sandrun_scope_start_failures_total 1"));
        /* Cumulative buckets; an observation on a bound falls in that bucket. */
        ASSERT_TRUE(has_line(text, "sandrun_job_duration_seconds_bucket{le=\"0.005\"} 2"));
        ASSERT_TRUE(has_line(text, "sandrun_job_duration_seconds_bucket{le=\"1\"} 4"));
        ASSERT_TRUE(has_line(text, "sandrun_job_duration_seconds_bucket{le=\"300\"} 5"));
        ASSERT_TRUE(has_line(text, "sandrun_job_duration_seconds_bucket{le=\"+Inf\"} 5"));
        ASSERT_TRUE(has_line(text, "sandrun_job_duration_seconds_count 5"));
        ASSERT_TRUE(has_line(text, "sandrun_job_start_latency_seconds_count 3"));
        ASSERT_TRUE(has_line(text, "sandrun_job_start_latency_seconds_bucket{le=\"0.005\"} 1"));
        ASSERT_TRUE(has_line(text, "sandrun_requests_refused_total{code=\"429\"} 2"));
        ASSERT_TRUE(has_line(text, "sandrun_requests_refused_total{code=\"503\"} 1"));
        ASSERT_TRUE(has_line(text, "sandrun_cpu_billed_seconds_total 299.502000"));
        ASSERT_TRUE(has_line(text, "sandrun_jobs_queued 5"));
        ASSERT_TRUE(has_line(text, "sandrun_jobs_busy 1"));
        ASSERT_TRUE(has_line(text, "sandrun_jobs_dropped_total 1"));
        ASSERT_TRUE(has_line(text, "sandrun_jobs_running 2"));
        ASSERT_TRUE(has_line(text, "sandrun_memory_held_bytes 12345"));
}

int main(void) {
        RUN(empty);
        RUN(counts);
        return 0;
}
