/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Jobs as the API sees them: queued, running, completed or failed, each with a random 128-bit id, suffixed
 * with "-<node>" when the host has a node name (the scope is named after the hex part only). The
 * JobManager owns every job, starts queued ones through the runner as capacity allows, and expires
 * finished ones. Short jobs (/run) are owned by the request waiting on them; batch jobs (/submit) live
 * on until downloaded or expired.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "client-key.h"
#include "fair-scheduler.h"
#include "judge.h"
#include "seal-to.h"
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
        FairConfig fair;                /* the caps and per-client budgets */
        uint64_t finished_ttl_usec;     /* how long a finished batch job is kept */
        uint64_t default_cpu_quota;     /* a job's own CPUQuotaPerSecUSec, restored after throttling */
        uint64_t memory_max;            /* bytes held for clients, shared between them (job_hold_grow()) */
        uint64_t job_memory_max;        /* a job's MemoryMax unless its spec asks for less */
        uint64_t job_held_reserve;      /* the most a running job's outputs take of our memory, */
        uint64_t job_packed_reserve;    /* and what one that packs output files takes besides */
        const char *node_name;          /* appended to job ids as "-<name>" so a proxy can route; or NULL */
        uint64_t memlock_reserve;       /* refuse new work (503) with less lockable memory left; 0: never */
} JobManagerConfig;

/* 32 hex digits, "-", a node name of up to JOB_NODE_NAME_MAX characters, NUL. */
#define JOB_NODE_NAME_MAX 16
#define JOB_ID_MAX (32 + 1 + JOB_NODE_NAME_MAX + 1)

/* [a-z0-9]{1,16}: safe in URLs, HAProxy server names and unit names. */
bool job_node_name_is_valid(const char *name);

int job_manager_new(JobManager **ret, sd_event *event, Runner *runner, const JobManagerConfig *config);
/* Kills and frees every job. */
JobManager *job_manager_free(JobManager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(JobManager *, job_manager_free);

/* Starts no more jobs: the daemon is going away. */
void job_manager_shutdown(JobManager *m);
/* A draining manager refuses new jobs with 503 and keeps serving the ones it holds. */
void job_manager_set_draining(JobManager *m, bool draining);
bool job_manager_is_draining(const JobManager *m);
/* Whether jobs can be started at all (the runner is reachable). */
bool job_manager_can_run(JobManager *m);
/* Called for every job that finishes, for the daemon's log. */
void job_manager_set_finished_hook(JobManager *m, job_handler_t hook, void *userdata);
Job *job_manager_find(JobManager *m, const char *id);
unsigned job_manager_n_running(const JobManager *m);
unsigned job_manager_n_queued(const JobManager *m);
/* Running jobs that use the CPU: those --max-running counts. */
unsigned job_manager_n_busy(const JobManager *m);

/* Fills ret with 32 random lowercase hex digits and a NUL. */
int job_id_generate(char ret[static 33]);

/*
 * Creates a job from a spec (argv, envp and patterns are copied, fds taken) for `client` and queues it,
 * starting it at once if the client's turn, budget and the caps allow. `kept`: a batch job that stays in
 * the manager after it finished; otherwise the caller frees it. Returns 0 with *ret set, or 1 when the
 * fairness policy refuses the job (*ret_refusal says why and when to retry), or -errno.
 */
int job_submit(JobManager *m, const RunnerJobSpec *spec, const char *interpreter, const ClientKey *client,
               bool kept, Job **ret, FairRefusal *ret_refusal);
/* Whether a job from client would be queued now (0), or why not (1, *ret_refusal); changes nothing. */
int job_manager_admit(JobManager *m, const ClientKey *client, FairRefusal *ret_refusal);
/* The CPU budget left to a client, in usec (negative: debt). */
int64_t job_manager_budget_remaining(JobManager *m, const ClientKey *client);
/* Kills the job if it runs and forgets it. */
Job *job_free(Job *j);
DEFINE_TRIVIAL_CLEANUP_FUNC(Job *, job_free);

/* Keeps the test cases' expectations (taken) with the job, for judging its answers later. */
void job_set_judge(Job *j, JudgeSpec *judge);
const JudgeSpec *job_judge(const Job *j);       /* NULL: no test cases */

/* Keeps the recipients (taken) a batch job's results are sealed to. */
void job_set_seal_to(Job *j, SealRecipients *seal_to);
const SealRecipients *job_seal_to(const Job *j);        /* NULL: not sealed */

/* Called once when the job finishes; may free the job. */
void job_set_done_handler(Job *j, job_handler_t handler, void *userdata);

const char *job_id(const Job *j);
const char *job_interpreter(const Job *j);
JobStatus job_status(const Job *j);
/* While queued: how many jobs start before this one, and when it is expected to start (realtime usec). */
int job_queue_status(Job *j, unsigned *ret_position, uint64_t *ret_eta_realtime_usec);
const ClientKey *job_client(const Job *j);
/* A batch job, kept after it finished until downloaded or expired. */
bool job_is_kept(const Job *j);
/* Failed while queued: dropped for another client's room (its result says why). */
bool job_was_dropped(const Job *j);
/* CPU used so far: live while running, final once finished. */
uint64_t job_cpu_usec(Job *j);
RunnerJob *job_runner_job(Job *j);              /* NULL while queued, or when it could not start */
const RunnerResult *job_result(const Job *j);   /* once COMPLETED or FAILED */
uint64_t job_finished_usec(const Job *j);      /* CLOCK_MONOTONIC */
uint64_t job_submitted_usec(const Job *j);     /* CLOCK_MONOTONIC */
/* Bytes of uploads and results the manager holds in RAM for its jobs. */
uint64_t job_manager_held_bytes(JobManager *m);

/*
 * Memory the daemon holds for a client outside of its jobs (an upload on its way in, an answer waiting
 * to be read), counted with its jobs' uploads, outputs and results against its share of memory_max:
 * a client may hold more than an equal share only while there is room; when there is none, the client
 * most beyond its share loses its newest queued job, and a client within its share is refused only if
 * nothing can be taken back that way. Finished results are never taken. Embedded in the holder's
 * object, zeroed; released before the holder goes.
 */
typedef struct JobHold JobHold;
struct JobHold {
        JobManager *manager;            /* NULL until first grown */
        ClientKey client;
        uint64_t bytes;                 /* counted for the client, in steps */
        uint64_t used;                  /* of those, taken */
        JobHold *prev, *next;
};

/* Takes `bytes` more for client. 0: held; 1: refused, *ret_refusal says why (429: the client is past
 * its share; 503: full); -errno. */
int job_hold_grow(JobManager *m, JobHold *h, const ClientKey *client, uint64_t bytes, FairRefusal *ret_refusal);
/* Lets go of all of it; a hold never grown is left alone. */
void job_hold_release(JobHold *h);
/* Live output: what the job writes to stdout (fd 1) or stderr (fd 2), as it arrives once it runs. The
 * handler must not free the job. */
typedef void (*job_output_handler_t)(Job *j, int fd, const void *data, size_t len, void *userdata);
void job_set_output_handler(Job *j, job_output_handler_t handler, void *userdata);
/* Data the API keeps with a job (e.g. what its receipt needs), freed with the job by free_func. */
void job_set_attachment(Job *j, void *data, void (*free_func)(void *data));
void *job_attachment(const Job *j);

/* A completed batch job's packed outputs, kept encrypted (NULL if the job has none, or they could not be
 * encrypted: then runner_job_archive() still holds them); taking them leaves the job without. The digest
 * is of their plaintext, taken before they were encrypted. */
typedef struct HeldBox HeldBox;
HeldBox *job_archive(Job *j);
HeldBox *job_take_archive(Job *j);
const char *job_archive_sha256(const Job *j);

/* Reads a job's stdout (fd 1) or stderr (2) at offset, whether it is still in the runner's buffers or kept
 * encrypted since the batch job finished: how many bytes (0 past the end), or -errno; *ret_size (may be
 * NULL) gets its whole length. The digest is of the plaintext, taken before it was encrypted (NULL while
 * it is not). */
ssize_t job_stream_read(Job *j, int fd, uint64_t offset, void *buf, size_t max, uint64_t *ret_size);
const char *job_stream_sha256(const Job *j, int fd);
