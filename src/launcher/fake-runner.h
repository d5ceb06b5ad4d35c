/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A fake of the runner.h interface for unit tests of what sits on top of it (the job manager, the API):
 * link fake-runner.c into the test instead of the real runner. Jobs start without any process; the
 * test decides when each becomes RUNNING and how it finishes. The fake checks what the real runner
 * promises its callers: it closes every fd a spec hands it, failing or not.
 */

#include "runner.h"

/* A runner whose event loop and bus are ignored (both may be NULL). */
int fake_runner_new(Runner **ret);
/* The next n starts fail with error (a negative errno) after closing the spec's fds. */
void fake_runner_fail_starts(Runner *r, unsigned n, int error);
/* Jobs started so far (including freed ones), and the most recent one alive, or NULL. */
unsigned fake_runner_n_started(const Runner *r);
RunnerJob *fake_runner_last(Runner *r);
RunnerJob *fake_runner_find(Runner *r, const char *id);
void fake_runner_set_usable(Runner *r, bool usable);
/* A warm sandbox's id the next job that may take one gets (runner_take_warm_id()); how many are left. */
void fake_runner_add_warm(Runner *r, const char *id);
size_t fake_runner_n_warm(const Runner *r);

/* Moves a job to RUNNING and notifies its handler. */
void fake_runner_job_run(RunnerJob *j);
/* Finishes a job with this result, output and CPU figure, and notifies its handler (which may free it). */
void fake_runner_job_finish(RunnerJob *j, const RunnerResult *result, const char *out, const char *err);
/* Whether and how the job was killed; the CPU quota last set (0: never). */
bool fake_runner_job_killed(const RunnerJob *j, JobReason *ret_reason);
uint64_t fake_runner_job_quota(const RunnerJob *j);
void fake_runner_job_set_cpu(RunnerJob *j, uint64_t cpu_usec);
/* The argv[0] and code file name the job was started with. */
const char *fake_runner_job_program(const RunnerJob *j);
const char *fake_runner_job_code_name(const RunnerJob *j);
