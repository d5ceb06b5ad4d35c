/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Jobs as the API sees them: queued, running, completed or failed, each with a random 128-bit id. The
 * JobManager owns every job, starts queued ones through the runner as capacity allows, and expires
 * finished ones. Short jobs (/run) are owned by the request waiting on them; batch jobs (/submit) live
 * on until downloaded or expired.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "macro.h"
#include "runner.h"

typedef struct Job Job;
typedef struct JobManager JobManager;

typedef enum JobStatus {
        JOB_QUEUED,
        JOB_RUNNING,
        JOB_COMPLETED,
        JOB_FAILED,
} JobStatus;

const char *job_status_to_string(JobStatus s);

typedef void (*job_handler_t)(Job *j, void *userdata);

typedef struct JobManagerConfig {
        unsigned max_running;
        unsigned max_queued;
        uint64_t finished_ttl_usec;     /* how long a finished batch job is kept */
} JobManagerConfig;

int job_manager_new(JobManager **ret, sd_event *event, Runner *runner, const JobManagerConfig *config);
/* Kills and frees every job. */
JobManager *job_manager_free(JobManager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(JobManager *, job_manager_free);

/* Called for every job that finishes, for the daemon's log. */
void job_manager_set_finished_hook(JobManager *m, job_handler_t hook, void *userdata);
Job *job_manager_find(JobManager *m, const char *id);
unsigned job_manager_n_running(const JobManager *m);
unsigned job_manager_n_queued(const JobManager *m);

/* Fills ret with 32 random lowercase hex digits and a NUL. */
int job_id_generate(char ret[static 33]);

/*
 * Creates a job from a spec (argv, envp and patterns are copied, fds taken) and queues it. `kept`: a
 * batch job that stays in the manager after it finished; otherwise the caller frees it.
 */
int job_submit(JobManager *m, const RunnerJobSpec *spec, const char *interpreter, bool kept, Job **ret);
/* Kills the job if it runs and forgets it. */
Job *job_free(Job *j);
DEFINE_TRIVIAL_CLEANUP_FUNC(Job *, job_free);

/* Called once when the job finishes; may free the job. */
void job_set_done_handler(Job *j, job_handler_t handler, void *userdata);

const char *job_id(const Job *j);
const char *job_interpreter(const Job *j);
JobStatus job_status(const Job *j);
unsigned job_queue_position(const Job *j);      /* 1-based while queued, else 0 */
RunnerJob *job_runner_job(Job *j);              /* NULL while queued, or when it could not start */
const RunnerResult *job_result(const Job *j);   /* once COMPLETED or FAILED */
uint64_t job_finished_usec(const Job *j);
