/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The runner: the one part of sandrun that talks to systemd and starts jobs. Everything the
 * internet-facing part needs goes through this interface: start a job from a spec, watch its state, read
 * its output and figures, kill it, change its CPU quota, free it. Specs and results are plain data and
 * fds. There are two implementations, built into separate libraries so that no program holds both:
 * runner.c does the work (linked into sandrun-runnerd, which alone talks to PID 1), and runner-client.c
 * speaks the runner protocol (runner-protocol.h) to sandrun-runnerd (linked into sandrund, which has no
 * bus at all).
 *
 * A job's life: the runner execs the sandbox init (which builds the sandbox while systemd works), starts
 * the scope `sandrun-job-<id>.scope` with the init as its process, and once systemd has put it there lets
 * the init run the steps: unpack uploads (batch jobs), the program, pack outputs (batch jobs). When the
 * last step is over the runner reads the final accounting from the scope's cgroup, releases the init,
 * whose exit ends every process of the job and its RAM-only filesystems, and reports the result.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "capped-buffer.h"
#include "macro.h"
#include "sandbox-layout.h"
#include "uid-pool.h"

/* Test cases one request may have. */
#define RUNNER_TESTS_MAX 64

typedef struct Runner Runner;
typedef struct RunnerJob RunnerJob;

typedef struct RunnerConfig {
        SandboxLimits sandbox;
        const char *slice;
        uint64_t memory_max;
        uint64_t compile_memory_max;    /* the scope's MemoryMax while a compile step runs */
        uint64_t tasks_max;
        uint64_t cpu_quota_per_sec_usec;
        uint64_t output_limit;          /* bytes kept of stdout and of stderr, each */
        uint64_t case_output_limit;     /* the same for each test case and for the compile step */
        uint64_t archive_limit;         /* bytes of packed outputs kept */
        uint64_t scope_timeout_usec;    /* how long systemd may take to start a scope */
        const char *cgroup_root;        /* /sys/fs/cgroup */
        const char *stage_path;         /* the sandrun-stage helper, for batch jobs */
        const char *init_path;          /* sandrun-init, every job's PID 1 */
        /* Outer uids for jobs, one each (uid-pool.h), checked by the caller. Used only when we are root,
         * the only way to map another uid; unprivileged, every job maps to our own uid. */
        UidRange job_uids;
        unsigned max_jobs;              /* the most jobs that can exist at once: the range must hold them */
        const char *socket_path;        /* runner-client: sandrun-runnerd's socket */
        unsigned pool_min, pool_max;    /* warm sandboxes kept (warm-pool.h); pool_max 0: none */
} RunnerConfig;

typedef enum RunnerJobState {
        RUNNER_JOB_STARTING,            /* forked, scope being started */
        RUNNER_JOB_RUNNING,
        RUNNER_JOB_FINISHED,
} RunnerJobState;

typedef enum JobReason {
        JOB_REASON_NONE,                /* exited by itself */
        JOB_REASON_TIMEOUT,
        JOB_REASON_MEMORY,
        JOB_REASON_SIGNAL,
        JOB_REASON_LAUNCH,              /* the sandbox or the scope could not be set up */
        JOB_REASON_UPLOAD,              /* unpacking the uploads failed */
        JOB_REASON_COMPILE,             /* the compile step failed; nothing else ran */
} JobReason;

const char *job_reason_to_string(JobReason r);

/* How one step ended: the compile, or a test case's run. */
typedef struct RunnerStepResult {
        bool ran;
        int status;                     /* the wait status */
        bool timed_out;                 /* killed at its wall limit */
        bool oom;                       /* the scope's OOM killer struck while it ran */
        uint64_t cpu_usec;              /* of all its processes (rusage) */
        uint64_t maxrss_kb;             /* its largest process's peak resident set */
        uint64_t wall_usec;
        uint64_t scope_cpu_usec;        /* the scope's CPU counter when it ended */
} RunnerStepResult;

typedef struct RunnerResult {
        bool completed;                 /* the program exited by itself, with any exit code */
        int exit_code;                  /* -1 when it did not exit */
        int signal;                     /* 0 unless killed by a signal */
        JobReason reason;
        uint64_t cpu_usec;
        uint64_t memory_peak_bytes;
        uint64_t wall_usec;
        bool has_cpu, has_memory;
        int stage_exit_code;            /* of a failed unpack or pack step, else 0 */
        const char *error;              /* static: what failed, for logs and for launch failures */
        int error_errno;
        bool has_compile;
        RunnerStepResult compile;       /* cpu_usec above includes it: the whole job is billed */
        RunnerStepResult run;           /* the program's own figures (rusage), when it exited */
} RunnerResult;

typedef struct RunnerJobSpec {
        const char *id;                 /* 32 lowercase hex digits */
        char **argv;                    /* the program; argv[0] absolute */
        char **envp;                    /* "NAME=value" added to the sandbox's default environment */
        int code_fd;                    /* taken; copied to code_name in the work dir, or -EBADF */
        const char *code_name;
        int stdin_fd;                   /* taken; -EBADF for none */
        uint64_t timeout_usec;
        int bundle_fd;                  /* taken; uploads to unpack first, or -EBADF */
        char **output_patterns;         /* packed after the program ends, if not NULL */
        char **compile_argv;            /* run first, under compile_memory_max; NULL: nothing to compile */
        uint64_t compile_timeout_usec;  /* the compile's wall clock limit */
        int *test_stdin_fds;            /* each taken (-EBADF: none); argv runs once per test case */
        size_t n_tests;                 /* then timeout_usec caps all cases together */
        uint64_t test_cpu_limit_sec;    /* each case's CPU limit (RLIMIT_CPU) */
        uint64_t test_wall_limit_usec;  /* each case's wall clock limit */
        uint64_t memory_max;            /* lowers the run's MemoryMax; 0: the runner's */
        uint64_t compile_memory_max;    /* lowers the compile's; 0: the runner's */
        /* 0: the runner's own. A request may lower them, never raise them. */
        uint64_t tasks_max, cpu_quota_per_sec_usec;
        /* runner.c only (runner-client.c makes its own): where the program's stdout and stderr go,
         * taken; -EBADF for pipes the runner reads itself. */
        int stdout_fd, stderr_fd;
} RunnerJobSpec;

/* Called when a job becomes RUNNING and when it is FINISHED. The handler may free the job. */
typedef void (*runner_job_handler_t)(RunnerJob *j, void *userdata);

int runner_new(Runner **ret, sd_event *event, sd_bus *bus, const RunnerConfig *config);
/* Kills every job still running. */
Runner *runner_free(Runner *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(Runner *, runner_free);

int runner_start(Runner *r, const RunnerJobSpec *spec, runner_job_handler_t handler, void *userdata,
                 RunnerJob **ret);

/*
 * Warm sandboxes (README, "Warm sandboxes"): each sits in a scope already named sandrun-job-<id>.scope, so
 * a job runs in one only if it takes that id. A caller making a job whose id nobody has seen yet asks for
 * a ready warm sandbox's id here, names the job after it and starts it at once; a job started under any
 * other id runs cold. A job fits a warm sandbox unless it has a compile step (whose memory limit is larger
 * than the default one the warm scope was started with); lower limits are set on the scope before it goes.
 */
static inline bool runner_job_spec_fits_warm(const RunnerJobSpec *spec) {
        return !spec->compile_argv;
}
/* Warm sandboxes ready for a job now: in the front, those offered to it. */
unsigned runner_n_warm_ready(const Runner *r);
/* 1 and the id (32 hex digits), or 0 when no warm sandbox is ready for this spec. */
int runner_take_warm_id(Runner *r, const RunnerJobSpec *spec, char ret_id[static 33]);
/* runner.c only: told when a warm sandbox becomes ready to be taken by its id, and when it no longer is
 * (taken, or given up). The handler must not call back into the runner. */
typedef void (*runner_warm_handler_t)(const char *id, bool ready, void *userdata);
void runner_set_warm_handler(Runner *r, runner_warm_handler_t handler, void *userdata);
/* runner.c only: the ids of the warm sandboxes ready now, at most n of them; returns how many. */
size_t runner_warm_ids(const Runner *r, char (*ret_ids)[33], size_t n);
unsigned runner_n_jobs(const Runner *r);
/*
 * Whether jobs can be started now: in the runner daemon, whether its connection to systemd is up; in the
 * front, whether sandrun-runnerd is (when not, it is restarting: retry in a few seconds). Health checks
 * ask this.
 */
bool runner_is_usable(Runner *r);
#define RUNNER_RETRY_AFTER_SEC 2

/* Kills and forgets the job; no more callbacks. */
RunnerJob *runner_job_free(RunnerJob *j);
DEFINE_TRIVIAL_CLEANUP_FUNC(RunnerJob *, runner_job_free);

RunnerJobState runner_job_state(const RunnerJob *j);
const char *runner_job_id(const RunnerJob *j);
/* Valid once FINISHED. */
const RunnerResult *runner_job_result(const RunnerJob *j);
const CappedBuffer *runner_job_stdout(const RunnerJob *j);
const CappedBuffer *runner_job_stderr(const RunnerJob *j);
/* Batch jobs: the packed outputs (tar.gz) and their listing (JSON lines), once FINISHED. */
const CappedBuffer *runner_job_archive(const RunnerJob *j);
const CappedBuffer *runner_job_listing(const RunnerJob *j);
/* Wipes the packed outputs and their listing once the caller keeps them (encrypted) itself; their
 * truncation still shows. */
void runner_job_discard_archive(RunnerJob *j);
void runner_job_discard_streams(RunnerJob *j);
/* The compile step's output, once FINISHED. */
const CappedBuffer *runner_job_compile_stdout(const RunnerJob *j);
const CappedBuffer *runner_job_compile_stderr(const RunnerJob *j);
/* Test cases, once FINISHED: how each ended (ran is false for one never reached) and its output. */
size_t runner_job_n_cases(const RunnerJob *j);
const RunnerStepResult *runner_job_case(const RunnerJob *j, size_t i);
const CappedBuffer *runner_job_case_stdout(const RunnerJob *j, size_t i);
const CappedBuffer *runner_job_case_stderr(const RunnerJob *j, size_t i);
/* What sandrun-stage said when unpacking or packing failed (one line, never file contents). */
const CappedBuffer *runner_job_stage_error(const RunnerJob *j);
/* CPU used so far, read live from the scope's cgroup; and wall time since the program started. */
int runner_job_cpu_usec(RunnerJob *j, uint64_t *ret);
uint64_t runner_job_wall_usec(const RunnerJob *j);
/* Ends the job now; it finishes with reason `reason` (timeout or signal). */
int runner_job_kill(RunnerJob *j, JobReason reason);
int runner_job_set_cpu_quota(RunnerJob *j, uint64_t cpu_quota_per_sec_usec);

/* Live output: called with what the job writes to stdout (fd 1) or stderr (fd 2) as it arrives, also past
 * output_limit (the buffers above stop there; the handler sees everything). The handler must not free the
 * job. NULL stops it. */
typedef void (*runner_output_handler_t)(RunnerJob *j, int fd, const void *data, size_t len, void *userdata);
void runner_job_set_output_handler(RunnerJob *j, runner_output_handler_t handler, void *userdata);

/* Monotonic timestamps of a job's milestones, for the debug timeline. */
typedef struct RunnerTimeline {
        uint64_t spawned, ready, scope_started, released, run_started, exited, accounted, finished;
} RunnerTimeline;
const RunnerTimeline *runner_job_timeline(const RunnerJob *j);
