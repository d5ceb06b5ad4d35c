/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup-stat.h"
#include "list.h"
#include "log-sink.h"
#include "pipe-drain.h"
#include "runner-bus.h"
#include "runner-result.h"
#include "runner.h"
#include "sandbox.h"
#include "slice-path.h"
#include "scope-launcher.h"
#include "seccomp-policy.h"
#include "strv.h"
#include "time-util.h"
#include "warm-pool.h"
#include "warm-sandbox.h"

/* How often a running job's cgroup is read, so figures survive an init that dies unexpectedly. */
#define SAMPLE_INTERVAL_USEC (250 * USEC_PER_MSEC)
/* How long the init may take to obey 'K' before it is killed outright. */
#define KILL_GRACE_USEC (2 * USEC_PER_SEC)
#define STAGE_ERROR_LIMIT 4096
/* Beyond its own wall limit, how long the runner lets a compile step take before it kills the job. */
#define COMPILE_GRACE_USEC (5 * USEC_PER_SEC)
/* A scope of the job's name that still exists: looked at again this often, for up to 2 s. */
#define SCOPE_EXISTS_RETRY_USEC (20 * USEC_PER_MSEC)
#define SCOPE_EXISTS_RETRIES 100U

struct Runner {
        sd_event *event;
        RunnerConfig config;
        char *slice, *cgroup_root, *stage_path, *init_path;
        SandboxLayout *layout;
        SeccompProgram *seccomp;
        ScopeLauncher *launcher;
        UidPool *uids;                  /* NULL: every job maps to our own uid */
        RunnerJob *jobs;
        unsigned n_jobs;
        /* Jobs whose owner let go while their init was still exiting: freed once it has (on_child()). */
        RunnerJob *lingering;
        /* Warm sandboxes (warm-sandbox.h), ready or starting; refilled off the request path. */
        WarmPool pool;
        WarmSandbox **warm;
        size_t n_warm;
        sd_event_source *pool_defer, *pool_timer;
        runner_warm_handler_t warm_handler;     /* told which ids can be taken (runner-server.c) */
        void *warm_userdata;
};

typedef struct PipeReader {
        RunnerJob *job;
        int fd;
        sd_event_source *source;
        CappedBuffer *buffer;
} PipeReader;

enum {
        PIPE_STDOUT,
        PIPE_STDERR,
        PIPE_ARCHIVE,
        PIPE_LISTING,
        PIPE_STAGE_ERR,
        PIPE_COMPILE_OUT,
        PIPE_COMPILE_ERR,
        _PIPE_MAX
};

/* One test case: a run of the program with its own stdin, output and figures. */
typedef struct RunnerCase {
        int step;
        RunnerStepResult result;
        PipeReader out_pipe, err_pipe;
        CappedBuffer out, err;
} RunnerCase;

struct RunnerJob {
        Runner *runner;
        RunnerJob *prev, *next;
        char id[33];
        char unit[64];
        RunnerJobState state;
        runner_job_handler_t handler;
        void *userdata;
        runner_output_handler_t output_handler;
        void *output_userdata;

        SandboxProcess process;
        UidPool *uid_pool;              /* the runner's, while this job holds `outer_uid` from it */
        uid_t outer_uid;
        int entry_step, unpack_step, pack_step, compile_step;
        uint64_t timeout_usec, compile_timeout_usec;
        uint64_t tasks_max, cpu_quota_per_sec_usec;     /* the runner's, or lower as asked */
        RunnerCase *cases;
        size_t n_cases;
        uint64_t oom_base;              /* the scope's OOM kills when the current step started */
        uint64_t memory_max, compile_memory_max;
        bool compile_failed, cases_done;
        sd_bus_slot *memory_slot;
        sd_event_source *child_source, *report_source, *timer_source, *sample_source;
        ScopeStart *scope_start;
        sd_event_source *scope_retry_source;
        unsigned scope_retries;
        SandboxPlan *warm_plan;         /* a warm sandbox's job: the plan it is sent once released */
        sd_bus_slot *limits_slot;       /* lowering a warm scope's limits to the job's */
        sd_event_source *warm_source;   /* releases a warm job once runner_start() has returned */
        sd_bus_slot *quota_slot;
        CgroupJob *cgroup;
        CgroupSample sample;
        bool has_sample;

        PipeReader pipes[_PIPE_MAX];
        CappedBuffer out, err, archive, listing, stage_err, compile_out, compile_err;

        bool sandbox_ready, in_scope;
        bool init_exited, done_reported, kill_sent;
        Runner *lingering_in;           /* on that runner's lingering list */
        JobReason kill_reason;
        RunnerResult result;
        bool entry_exited;
        int entry_status;
        RunnerTimeline timeline;
};

static void pool_schedule(Runner *r);

static void job_unlink(RunnerJob *j) {
        Runner *r = j->runner;

        if (!r)
                return;
        LIST_REMOVE(r->jobs, j);
        j->runner = NULL;
        r->n_jobs--;
        /* A refill held back by the jobs may go now. */
        pool_schedule(r);
}

static void pipe_close(PipeReader *p) {
        p->source = sd_event_source_disable_unref(p->source);
        p->fd = safe_close(p->fd);
}

static void job_stop_sources(RunnerJob *j) {
        j->report_source = sd_event_source_disable_unref(j->report_source);
        j->warm_source = sd_event_source_disable_unref(j->warm_source);
        j->timer_source = sd_event_source_disable_unref(j->timer_source);
        j->sample_source = sd_event_source_disable_unref(j->sample_source);
        j->scope_start = scope_start_free(j->scope_start);
        j->scope_retry_source = sd_event_source_disable_unref(j->scope_retry_source);
        for (size_t i = 0; i < _PIPE_MAX; i++)
                pipe_close(&j->pipes[i]);
        for (size_t i = 0; i < j->n_cases; i++) {
                pipe_close(&j->cases[i].out_pipe);
                pipe_close(&j->cases[i].err_pipe);
        }
}

/* Only once the job's last process is gone: the init is, and it was the PID namespace's last. */
static void job_release_uid(RunnerJob *j) {
        if (!j->uid_pool)
                return;
        uid_pool_release(j->uid_pool, j->outer_uid);
        j->uid_pool = NULL;
}

static void job_stop_scope_starting(RunnerJob *j) {
        int k;

        /* Given up while systemd was still making its scope (a client that left): the scope may come to
         * be around an init killed meanwhile, empty from the start, which systemd would keep; stop it. */
        if (j->scope_start && j->runner) {
                k = scope_launcher_stop(j->runner->launcher, j->unit);
                if (k < 0)
                        log_debug_errno(k, "Cannot stop %s, given up while starting, ignoring", j->unit);
        }
}

/* Everything a job holds but its init's child source (and pidfd) and its uid; may be called twice. */
static void job_drop(RunnerJob *j) {
        job_stop_scope_starting(j);
        job_unlink(j);
        job_stop_sources(j);
        j->handler = NULL;
        j->output_handler = NULL;
        j->quota_slot = sd_bus_slot_unref(j->quota_slot);
        j->memory_slot = sd_bus_slot_unref(j->memory_slot);
        j->limits_slot = sd_bus_slot_unref(j->limits_slot);
        j->warm_plan = sandbox_plan_free(j->warm_plan);
        sandbox_process_release(&j->process);
        j->process.report_fd = safe_close(j->process.report_fd);
        j->cgroup = cgroup_job_free(j->cgroup);
        capped_buffer_done(&j->out);
        capped_buffer_done(&j->err);
        capped_buffer_done(&j->archive);
        capped_buffer_done(&j->listing);
        capped_buffer_done(&j->stage_err);
        capped_buffer_done(&j->compile_out);
        capped_buffer_done(&j->compile_err);
        for (size_t i = 0; i < j->n_cases; i++) {
                capped_buffer_done(&j->cases[i].out);
                capped_buffer_done(&j->cases[i].err);
        }
        free(j->cases);
        j->cases = NULL;
        j->n_cases = 0;
}

/*
 * Let go of while its init still runs: a finished job's init is exiting (its PID namespace, mounts and
 * network going away), a given-up job's is killed here. Either way nobody waits for that: the job leaves
 * the runner's count and its owner now, and is freed, its uid given back, once the init is reaped.
 */
static void job_linger(RunnerJob *j) {
        Runner *r = j->runner;
        int k;

        job_drop(j);
        k = sd_event_source_send_child_signal(j->child_source, SIGKILL, NULL, 0);
        if (k < 0)
                log_debug_errno(k, "Cannot kill job %s's init, ignoring: it is reaped when it exits", j->id);
        j->lingering_in = r;
        LIST_PREPEND(r->lingering, j);
}

/* Waits for every lingering init: they were all killed, so this is short. For when their uids are needed. */
static void reap_lingering(Runner *r) {
        while (r->lingering)
                runner_job_free(r->lingering);
}

RunnerJob *runner_job_free(RunnerJob *j) {
        if (!j)
                return NULL;
        if (j->runner && j->child_source && !j->init_exited) {
                job_linger(j);
                return NULL;
        }
        if (j->lingering_in) {
                LIST_REMOVE(j->lingering_in->lingering, j);
                j->lingering_in = NULL;
        }
        job_drop(j);
        /* Owned: freeing it SIGKILLs the init if still alive, which ends the whole job, and reaps it. */
        j->child_source = sd_event_source_disable_unref(j->child_source);
        /* No init left: it was never started, or it was reaped above or before. */
        job_release_uid(j);
        sandbox_process_done(&j->process);
        free(j);
        return NULL;
}

static void job_notify(RunnerJob *j) {
        if (j->handler)
                j->handler(j, j->userdata);
}

static void job_take_sample(RunnerJob *j) {
        CgroupSample s;

        if (j->cgroup && cgroup_job_sample(j->cgroup, &s) >= 0) {
                /* Counters only grow; a failed partial read must not lose what we knew. */
                if (!s.has_cpu && j->has_sample) {
                        s.has_cpu = j->sample.has_cpu;
                        s.cpu_usec = j->sample.cpu_usec;
                }
                if (!s.has_oom_kills && j->has_sample) {
                        s.has_oom_kills = j->sample.has_oom_kills;
                        s.oom_kills = j->sample.oom_kills;
                }
                j->sample = s;
                j->has_sample = true;
        }
}

/*
 * Everything is known once every pipe is drained and the init said it is done (it reaped every other
 * process of the job first) or is gone. The init's own exit, which takes its namespaces and mounts down,
 * is not waited for: runner_job_free() lets it linger.
 */
static void job_maybe_finish(RunnerJob *j) {
        RunnerResult *res = &j->result;

        if (j->state == RUNNER_JOB_FINISHED || !(j->init_exited || j->done_reported))
                return;
        for (size_t i = 0; i < _PIPE_MAX; i++)
                if (j->pipes[i].fd >= 0)
                        return;
        for (size_t i = 0; i < j->n_cases; i++)
                if (j->cases[i].out_pipe.fd >= 0 || j->cases[i].err_pipe.fd >= 0)
                        return;

        job_stop_sources(j);
        j->timeline.finished = now_usec(CLOCK_MONOTONIC);

        if (j->has_sample) {
                res->has_cpu = j->sample.has_cpu;
                res->cpu_usec = j->sample.cpu_usec;
                res->has_memory = j->sample.has_memory_peak;
                res->memory_peak_bytes = j->sample.memory_peak_bytes;
        }
        if (j->timeline.run_started > 0 && j->timeline.exited >= j->timeline.run_started)
                res->wall_usec = j->timeline.exited - j->timeline.run_started;
        else if (j->timeline.run_started > 0)
                res->wall_usec = j->timeline.finished - j->timeline.run_started;
        res->has_compile = j->compile_step >= 0;

        runner_result_decide(res, &(RunnerOutcome) {
                .kill_sent = j->kill_sent,
                .kill_reason = j->kill_reason,
                .entry_exited = j->entry_exited,
                .entry_status = j->entry_status,
                .oom = j->has_sample && j->sample.oom_kills > j->oom_base,
                .compile_failed = j->compile_failed,
                .cases_done = j->cases_done,
        });

        j->state = RUNNER_JOB_FINISHED;
        job_notify(j);
}

static void job_fail_launch(RunnerJob *j, const char *what, int error) {
        if (j->result.reason == JOB_REASON_NONE) {
                j->result.reason = JOB_REASON_LAUNCH;
                j->result.error = what;
                j->result.error_errno = error;
        }
        /* Killing the init ends the job; the child source then finishes it. */
        if (j->child_source)
                (void) sd_event_source_send_child_signal(j->child_source, SIGKILL, NULL, 0);
}

static int on_pipe_chunk(const void *buf, size_t n, void *userdata) {
        PipeReader *p = userdata;
        RunnerJob *j = p->job;

        /* Past the cap we keep reading and dropping, so a chatty job is never blocked by us. */
        int r = capped_buffer_append(p->buffer, buf, n);
        if (r < 0)
                return r;
        if (j->output_handler && (p == &j->pipes[PIPE_STDOUT] || p == &j->pipes[PIPE_STDERR]))
                j->output_handler(j, p == &j->pipes[PIPE_STDOUT] ? STDOUT_FILENO : STDERR_FILENO, buf, n,
                                  j->output_userdata);
        return 0;
}

static int on_pipe(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        PipeReader *p = userdata;
        RunnerJob *j = p->job;
        bool live = j->output_handler && (p == &j->pipes[PIPE_STDOUT] || p == &j->pipes[PIPE_STDERR]);

        /* A bounded amount per dispatch (pipe-drain.h): the rest waits for the next one. Past the cap, with
         * nobody watching live, dropped without a copy. */
        if ((!live && p->buffer->len >= p->buffer->limit ? pipe_discard(fd, &p->buffer->dropped)
                                                         : pipe_drain(fd, on_pipe_chunk, p)) > 0)
                return 0;
        pipe_close(p);
        job_maybe_finish(p->job);
        return 0;
}

/* The job's limits (its timeout, the kill's grace, the CPU samples) come before reading its pipes. */
static int job_arm_timer(RunnerJob *j, sd_event_source **s, uint64_t usec, sd_event_time_handler_t handler) {
        int r = sd_event_add_time_relative(j->runner->event, s, CLOCK_MONOTONIC, usec, 0, handler, j);
        return r < 0 ? r : sd_event_source_set_priority(*s, JOB_TIMER_PRIORITY);
}

static int on_sample(sd_event_source *s, uint64_t usec, void *userdata) {
        RunnerJob *j = userdata;

        job_take_sample(j);
        /* A time source is one-shot: it fires again only once re-enabled. */
        int r = sd_event_source_set_time_relative(s, SAMPLE_INTERVAL_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        if (r < 0)
                log_debug_errno(r, "Cannot arm job %s's next sample, ignoring: it is sampled at its end", j->id);
        return 0;
}

static int on_kill_grace(sd_event_source *s, uint64_t usec, void *userdata) {
        RunnerJob *j = userdata;

        if (j->child_source)
                (void) sd_event_source_send_child_signal(j->child_source, SIGKILL, NULL, 0);
        return 0;
}

int runner_job_kill(RunnerJob *j, JobReason reason) {
        int r;

        if (j->state == RUNNER_JOB_FINISHED || j->kill_sent)
                return 0;
        j->kill_sent = true;
        j->kill_reason = reason;
        job_take_sample(j);

        if (j->state == RUNNER_JOB_STARTING || sandbox_process_kill(&j->process) < 0) {
                if (j->child_source)
                        (void) sd_event_source_send_child_signal(j->child_source, SIGKILL, NULL, 0);
                return 0;
        }
        j->timer_source = sd_event_source_disable_unref(j->timer_source);
        r = job_arm_timer(j, &j->timer_source, KILL_GRACE_USEC, on_kill_grace);
        return r < 0 ? r : 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        RunnerJob *j = userdata;

        j->timer_source = sd_event_source_disable_unref(j->timer_source);
        (void) runner_job_kill(j, JOB_REASON_TIMEOUT);
        return 0;
}

/*
 * A warm sandbox's job is billed from the moment it takes it: the CPU its init spent building the sandbox
 * is subtracted (the front gets the same base with the counter), and the memory peak restarts where the
 * kernel lets it (v1). On v2 memory.peak cannot be reset: it includes the warm init's own setup, well
 * under a job's smallest memory figure (README).
 */
static void job_warm_baseline(RunnerJob *j) {
        uint64_t cpu;
        int r;

        if (cgroup_job_cpu_usec(j->cgroup, &cpu) >= 0)
                j->cgroup->cpu_base_usec = cpu;
        r = cgroup_job_reset_memory_peak(j->cgroup);
        if (r < 0 && r != -EOPNOTSUPP)
                log_debug_errno(r, "Cannot reset %s's memory peak, ignoring", j->unit);
}

/* The init goes on once it has built the sandbox and systemd has put it in its scope, whichever is last. */
static void job_maybe_release(RunnerJob *j) {
        int r;

        if (!j->sandbox_ready || !j->in_scope || j->limits_slot || j->state != RUNNER_JOB_STARTING)
                return;

        /* Opened now, while our init is in the scope; the files stay readable while it lives. */
        r = cgroup_job_open_pid(&j->cgroup, j->runner->cgroup_root, j->process.pid);
        if (r < 0) {
                job_fail_launch(j, "cannot open the scope's cgroup accounting", -r);
                return;
        }
        if (j->warm_plan)
                job_warm_baseline(j);
        job_take_sample(j);
        if (j->warm_plan)
                j->oom_base = j->has_sample ? j->sample.oom_kills : 0;

        /* A warm init's plan is its go. */
        if (j->warm_plan) {
                r = sandbox_process_send_plan(&j->process, j->warm_plan);
                j->warm_plan = sandbox_plan_free(j->warm_plan);
        } else
                r = sandbox_process_go(&j->process);
        if (r < 0) {
                job_fail_launch(j, "cannot release the job's init", -r);
                return;
        }
        j->timeline.released = now_usec(CLOCK_MONOTONIC);
        j->state = RUNNER_JOB_RUNNING;
        /* A compile has its own wall limit, kept by the init; the run's clock starts once it is over. */
        uint64_t timeout = j->timeout_usec;
        if (j->compile_step >= 0)
                timeout = j->compile_timeout_usec + COMPILE_GRACE_USEC;
        else
                j->timeline.run_started = j->timeline.released;

        r = job_arm_timer(j, &j->timer_source, timeout, on_timeout);
        if (r >= 0)
                r = job_arm_timer(j, &j->sample_source, SAMPLE_INTERVAL_USEC, on_sample);
        if (r < 0) {
                job_fail_launch(j, "cannot arm the job's timers", -r);
                return;
        }
        if (j->kill_sent) {
                j->kill_sent = false;
                (void) runner_job_kill(j, j->kill_reason);
        }
        job_notify(j);
}

static void start_scope(RunnerJob *j);

static int on_scope_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        RunnerJob *j = userdata;

        j->scope_retry_source = sd_event_source_disable_unref(j->scope_retry_source);
        start_scope(j);
        return 0;
}

static void on_scope_started(ScopeStart *s, int error, const char *message, void *userdata) {
        RunnerJob *j = userdata;
        int k;

        j->scope_start = scope_start_free(j->scope_start);
        if (error == -EEXIST && j->scope_retries < SCOPE_EXISTS_RETRIES) {
                /* A warm sandbox of this id was given up (its init died, PID 1 re-executed) just as the
                 * job came for it: its scope goes as soon as systemd sees it empty. */
                j->scope_retries++;
                k = sd_event_add_time_relative(j->runner->event, &j->scope_retry_source, CLOCK_MONOTONIC,
                                               SCOPE_EXISTS_RETRY_USEC, 0, on_scope_retry, j);
                if (k >= 0)
                        return;
        }
        if (error < 0) {
                job_fail_launch(j, "starting the job's scope failed", -error);
                return;
        }
        j->timeline.scope_started = now_usec(CLOCK_MONOTONIC);
        j->in_scope = true;
        job_maybe_release(j);
}

static void start_scope(RunnerJob *j) {
        Runner *r = j->runner;
        ScopeSpec spec = {
                .unit = j->unit,
                .slice = r->slice,
                .description = "sandrun job",
                .pid = j->process.pid,
                .pidfd = j->process.pidfd,
                .memory_max = j->compile_step >= 0 ? MAX(j->compile_memory_max, j->memory_max) : j->memory_max,
                .tasks_max = j->tasks_max,
                .cpu_quota_per_sec_usec = j->cpu_quota_per_sec_usec,
        };
        int k;

        k = scope_launcher_start(r->launcher, &spec, on_scope_started, j, &j->scope_start);
        if (k < 0)
                job_fail_launch(j, "cannot ask systemd for the job's scope", -k);
}

static bool step_succeeded(const SandboxReport *rep) {
        return rep->error == 0 && WIFEXITED(rep->status) && WEXITSTATUS(rep->status) == 0;
}

static void step_result_set(RunnerJob *j, RunnerStepResult *res, const SandboxReport *rep) {
        /* The counters as the step left them; every process of it is gone by now. */
        job_take_sample(j);
        uint64_t oom_kills = j->has_sample ? j->sample.oom_kills : 0;
        *res = (RunnerStepResult) {
                .ran = true,
                .status = rep->status,
                .timed_out = rep->error == ETIME,
                .oom = oom_kills > j->oom_base,
                .cpu_usec = rep->cpu_usec,
                .maxrss_kb = rep->maxrss_kb,
                .wall_usec = rep->wall_usec,
                .scope_cpu_usec = j->has_sample ? j->sample.cpu_usec : 0,
        };
        j->oom_base = oom_kills;
}

/* The init waits after the compile and after each case but the last; this lets it go on. */
static void job_resume(RunnerJob *j) {
        int r;

        if (j->kill_sent || j->state != RUNNER_JOB_RUNNING)
                return;
        r = sandbox_process_go(&j->process);
        if (r < 0)
                job_fail_launch(j, "cannot resume the job's init", -r);
}

/* Runs once the run's memory limit is in place: the run's own clock starts. */
static void job_start_run(RunnerJob *j) {
        int r;

        if (j->kill_sent || j->state != RUNNER_JOB_RUNNING)
                return;
        j->timeline.run_started = now_usec(CLOCK_MONOTONIC);
        j->timer_source = sd_event_source_disable_unref(j->timer_source);
        r = job_arm_timer(j, &j->timer_source, j->timeout_usec, on_timeout);
        if (r < 0) {
                job_fail_launch(j, "cannot arm the job's timers", -r);
                return;
        }
        job_resume(j);
}

/* systemd's answer to a change of the job's limits, awaited on *slot: false (and the job failed) if refused.
 * Running a program under larger limits than its own would break the promise; better not at all. */
static bool limits_reply_ok(RunnerJob *j, sd_bus_slot **slot, sd_bus_message *reply, const char *what) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        *slot = sd_bus_slot_unref(*slot);
        if (e) {
                job_fail_launch(j, what, sd_bus_error_get_errno(e));
                return false;
        }
        return true;
}

static int on_memory_set(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        RunnerJob *j = userdata;

        /* The compile ran under its larger limit; the program must not. */
        if (limits_reply_ok(j, &j->memory_slot, reply, "systemd refused the run's memory limit"))
                job_start_run(j);
        return 0;
}

/*
 * Between the compile and the run the scope's MemoryMax goes from the compile's limit down to the run's,
 * through systemd (SetUnitProperties), while the init waits with no process of the job left: the run then
 * starts under the run's limit, in the same scope, with the same accounting.
 */
static void job_after_compile(RunnerJob *j) {
        Runner *r = j->runner;
        int k;

        if (j->compile_memory_max <= j->memory_max) {
                job_start_run(j);
                return;
        }
        j->memory_slot = sd_bus_slot_unref(j->memory_slot);
        k = scope_launcher_set_memory_max(r->launcher, j->unit, j->memory_max, on_memory_set, j,
                                          &j->memory_slot);
        if (k < 0)
                job_fail_launch(j, "cannot set the run's memory limit", -k);
}

static RunnerCase *find_case(RunnerJob *j, int step) {
        for (size_t i = 0; i < j->n_cases; i++)
                if (j->cases[i].step == step)
                        return &j->cases[i];
        return NULL;
}

static void handle_case_exited(RunnerJob *j, RunnerCase *c, const SandboxReport *rep) {
        step_result_set(j, &c->result, rep);
        if (c == &j->cases[j->n_cases - 1]) {
                j->cases_done = true;
                j->timeline.exited = now_usec(CLOCK_MONOTONIC);
                return;
        }
        job_resume(j);
}

static void handle_report(RunnerJob *j, const SandboxReport *rep) {
        RunnerCase *c;

        switch (rep->kind) {
        case SANDBOX_REPORT_READY:
                j->timeline.ready = now_usec(CLOCK_MONOTONIC);
                j->sandbox_ready = true;
                job_maybe_release(j);
                break;
        case SANDBOX_REPORT_SETUP_FAILED:
                job_fail_launch(j, sandbox_stage_to_string(rep->stage), rep->error);
                break;
        case SANDBOX_REPORT_STEP_FAILED:
                job_fail_launch(j, sandbox_stage_to_string(rep->stage), rep->error);
                break;
        case SANDBOX_REPORT_STEP_EXITED:
                if (rep->step == j->compile_step) {
                        step_result_set(j, &j->result.compile, rep);
                        if (step_succeeded(rep))
                                job_after_compile(j);
                        else
                                j->compile_failed = true;
                } else if ((c = find_case(j, rep->step)))
                        handle_case_exited(j, c, rep);
                else if (rep->step == j->entry_step) {
                        j->result.run = (RunnerStepResult) {
                                .ran = true,
                                .status = rep->status,
                                .cpu_usec = rep->cpu_usec,
                                .maxrss_kb = rep->maxrss_kb,
                                .wall_usec = rep->wall_usec,
                        };
                        j->entry_exited = true;
                        j->entry_status = rep->status;
                        j->timeline.exited = now_usec(CLOCK_MONOTONIC);
                        /* The figures as the program left them; the pack step must not be billed to it. */
                        job_take_sample(j);
                } else if (rep->step == j->unpack_step && !(WIFEXITED(rep->status) && WEXITSTATUS(rep->status) == 0)) {
                        j->result.reason = JOB_REASON_UPLOAD;
                        j->result.error = "unpacking the upload failed";
                        j->result.stage_exit_code = WIFEXITED(rep->status) ? WEXITSTATUS(rep->status) : 128;
                } else if (rep->step == j->pack_step && !(WIFEXITED(rep->status) && WEXITSTATUS(rep->status) == 0))
                        j->result.stage_exit_code = WIFEXITED(rep->status) ? WEXITSTATUS(rep->status) : 128;
                break;
        case SANDBOX_REPORT_KILLED:
                break;
        case SANDBOX_REPORT_DONE:
                j->done_reported = true;
                if (!j->entry_exited)
                        job_take_sample(j);
                j->timeline.accounted = now_usec(CLOCK_MONOTONIC);
                /* Letting the init go ends the job's last process; the scope empties and is collected. */
                sandbox_process_release(&j->process);
                j->timer_source = sd_event_source_disable_unref(j->timer_source);
                job_maybe_finish(j);
                break;
        }
}

static int on_report(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        RunnerJob *j = userdata;
        SandboxReport rep;
        char buf[sizeof(SandboxReport)];
        ssize_t n;

        n = read(fd, buf, sizeof(buf));
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0 || sandbox_report_parse(buf, n, &rep) < 0) {
                /* The init is gone (or talks nonsense); the child source tells the rest. */
                j->report_source = sd_event_source_disable_unref(j->report_source);
                return 0;
        }
        handle_report(j, &rep);
        return 0;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        RunnerJob *j = userdata;

        j->init_exited = true;
        /* A PID namespace's init exits last: every process of the job is gone now. */
        job_release_uid(j);
        if (j->lingering_in) {
                runner_job_free(j);
                return 0;
        }
        if (!j->timeline.exited)
                j->timeline.exited = now_usec(CLOCK_MONOTONIC);
        sandbox_process_release(&j->process);
        job_maybe_finish(j);
        return 0;
}

static int add_pipe_reader(RunnerJob *j, PipeReader *p, CappedBuffer *buffer, int *ret_child_end) {
        int fds[2];
        int r;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
                r = -errno;
                safe_close(fds[0]);
                safe_close(fds[1]);
                return r;
        }
        p->job = j;
        p->fd = fds[0];
        p->buffer = buffer;
        r = sd_event_add_io(j->runner->event, &p->source, p->fd, EPOLLIN, on_pipe, p);
        if (r >= 0)
                r = pipe_source_setup(p->source);
        if (r < 0) {
                safe_close(fds[1]);
                return r;
        }
        *ret_child_end = fds[1];
        return 0;
}

static int add_pipe(RunnerJob *j, size_t which, CappedBuffer *buffer, int *ret_child_end) {
        return add_pipe_reader(j, &j->pipes[which], buffer, ret_child_end);
}

/* Adds a step writing to two new pipes read into out and err; stdin_fd is taken. Returns the index. */
static int add_captured_step(RunnerJob *j, SandboxPlan *plan, char **argv, int stdin_fd, PipeReader *out_pipe,
                             CappedBuffer *out, PipeReader *err_pipe, CappedBuffer *err,
                             const SandboxStepOptions *options) {
        _cleanup_close_ int in = stdin_fd;
        int out_fd, err_fd, k;

        k = add_pipe_reader(j, out_pipe, out, &out_fd);
        if (k < 0)
                return k;
        k = add_pipe_reader(j, err_pipe, err, &err_fd);
        if (k < 0) {
                safe_close(out_fd);
                return k;
        }
        k = sandbox_plan_add_step(plan, argv, TAKE_FD(in), out_fd, err_fd, -EBADF, true);
        if (k < 0)
                return k;
        return sandbox_plan_set_step_options(plan, k, options) < 0 ? -EINVAL : k;
}

/* The compile step, then a run per test case: each case starts from /work as the compile left it. */
static int add_cases(RunnerJob *j, SandboxPlan *plan, const RunnerJobSpec *spec) {
        Runner *r = j->runner;
        int k;

        j->cases = calloc(spec->n_tests, sizeof(RunnerCase));
        if (!j->cases)
                return -ENOMEM;
        for (size_t i = 0; i < spec->n_tests; i++) {
                RunnerCase *c = &j->cases[i];
                c->out_pipe.fd = c->err_pipe.fd = -EBADF;
                capped_buffer_init(&c->out, r->config.case_output_limit);
                capped_buffer_init(&c->err, r->config.case_output_limit);
        }
        j->n_cases = spec->n_tests;

        for (size_t i = 0; i < spec->n_tests; i++) {
                RunnerCase *c = &j->cases[i];
                SandboxStepOptions o = {
                        .pause_after = true,
                        .fresh_fs = true,
                        .keep_going = true,
                        .wall_limit_usec = spec->test_wall_limit_usec,
                        .cpu_limit_sec = spec->test_cpu_limit_sec,
                };
                k = add_captured_step(j, plan, spec->argv, TAKE_FD(spec->test_stdin_fds[i]), &c->out_pipe, &c->out,
                                      &c->err_pipe, &c->err, &o);
                if (k < 0)
                        return k;
                c->step = k;
        }
        return 0;
}

/* Takes the spec's fds (left -EBADF there): each ends up in the plan or is closed, on every path. */
static int build_plan(RunnerJob *j, RunnerJobSpec *spec, SandboxPlan **ret) {
        Runner *r = j->runner;
        _cleanup_(sandbox_plan_freep) SandboxPlan *plan = NULL;
        _cleanup_close_ int code_fd = TAKE_FD(spec->code_fd), stdin_fd = TAKE_FD(spec->stdin_fd),
                            bundle_fd = TAKE_FD(spec->bundle_fd);
        _cleanup_close_ int out = -EBADF, err = -EBADF, archive = -EBADF, listing = -EBADF;
        _cleanup_close_ int prog_out = TAKE_FD(spec->stdout_fd), prog_err = TAKE_FD(spec->stderr_fd);
        int k;

        k = sandbox_plan_new(&plan, r->layout, r->seccomp);
        if (k < 0)
                return k;
        if (spec->envp && spec->envp[0]) {
                _cleanup_strv_free_ char **env = strv_copy(r->layout->envp);
                if (!env)
                        return -ENOMEM;
                for (char **e = spec->envp; *e; e++)
                        if (strv_extend(&env, *e) < 0)
                                return -ENOMEM;
                k = sandbox_plan_set_env(plan, env);
                if (k < 0)
                        return k;
        }
        if (code_fd >= 0) {
                k = sandbox_plan_set_code(plan, TAKE_FD(code_fd), spec->code_name);
                if (k < 0)
                        return k;
        }

        /* sandbox_plan_add_step() takes the fds it is given, failing or not. */
        if (bundle_fd >= 0) {
                char *argv[] = { r->stage_path, (char *) "unpack", NULL };
                k = add_pipe(j, PIPE_STAGE_ERR, &j->stage_err, &err);
                if (k < 0)
                        return k;
                k = sandbox_plan_add_step(plan, argv, -EBADF, -EBADF, TAKE_FD(err), TAKE_FD(bundle_fd), false);
                if (k < 0)
                        return k;
                j->unpack_step = k;
        }

        if (spec->compile_argv) {
                SandboxStepOptions o = {
                        .pause_after = true,
                        .wall_limit_usec = spec->compile_timeout_usec,
                };
                k = add_captured_step(j, plan, spec->compile_argv, -EBADF, &j->pipes[PIPE_COMPILE_OUT],
                                      &j->compile_out, &j->pipes[PIPE_COMPILE_ERR], &j->compile_err, &o);
                if (k < 0)
                        return k;
                /* A compiler's one "is_entrypoint" trait is not wanted: any failure ends the plan. */
                plan->steps[k].is_entrypoint = false;
                j->compile_step = k;
        }

        if (spec->n_tests > 0) {
                k = add_cases(j, plan, spec);
                if (k < 0)
                        return k;
        } else if (prog_out >= 0 && prog_err >= 0) {
                /* The caller reads the program's output itself, as it comes (the front, live). */
                k = sandbox_plan_add_step(plan, spec->argv, TAKE_FD(stdin_fd), TAKE_FD(prog_out), TAKE_FD(prog_err),
                                          -EBADF, true);
                if (k < 0)
                        return k;
                j->entry_step = k;
        } else {
                SandboxStepOptions o = {};
                k = add_captured_step(j, plan, spec->argv, TAKE_FD(stdin_fd), &j->pipes[PIPE_STDOUT], &j->out,
                                      &j->pipes[PIPE_STDERR], &j->err, &o);
                if (k < 0)
                        return k;
                j->entry_step = k;
        }

        if (spec->output_patterns) {
                _cleanup_strv_free_ char **argv = strv_new(r->stage_path, "pack", NULL);
                if (!argv)
                        return -ENOMEM;
                for (char **p = spec->output_patterns; *p; p++)
                        if (strv_extend(&argv, *p) < 0)
                                return -ENOMEM;
                k = add_pipe(j, PIPE_ARCHIVE, &j->archive, &archive);
                if (k < 0)
                        return k;
                k = add_pipe(j, PIPE_LISTING, &j->listing, &listing);
                if (k < 0)
                        return k;
                /* The pack step's own complaints share the stage-error buffer with unpack's. */
                if (j->pipes[PIPE_STAGE_ERR].fd < 0) {
                        k = add_pipe(j, PIPE_STAGE_ERR, &j->stage_err, &err);
                        if (k < 0)
                                return k;
                }
                k = sandbox_plan_add_step(plan, argv, -EBADF, TAKE_FD(archive), TAKE_FD(err), TAKE_FD(listing),
                                          false);
                if (k < 0)
                        return k;
                j->pack_step = k;
        }

        *ret = TAKE_PTR(plan);
        return 0;
}

static void pool_schedule(Runner *r) {
        if (r->pool_defer)
                (void) sd_event_source_set_enabled(r->pool_defer, SD_EVENT_ONESHOT);
}

static void pool_notify(Runner *r, WarmSandbox *w, bool ready) {
        if (r->warm_handler)
                r->warm_handler(warm_sandbox_id(w), ready, r->warm_userdata);
}

/* Takes `w` out of the pool; whoever could take it by its id (it was ready once, and is not taken yet)
 * hears that it no longer can. */
static void pool_remove(Runner *r, WarmSandbox *w) {
        for (size_t i = 0; i < r->n_warm; i++)
                if (r->warm[i] == w) {
                        r->warm[i] = r->warm[--r->n_warm];
                        break;
                }
        if (warm_sandbox_was_ready(w))
                pool_notify(r, w, false);
}

static WarmSandbox *pool_find(Runner *r, const char *id) {
        for (size_t i = 0; i < r->n_warm; i++)
                if (streq(warm_sandbox_id(r->warm[i]), id))
                        return r->warm[i];
        return NULL;
}

static void on_warm(WarmSandbox *w, int error, void *userdata) {
        Runner *r = userdata;

        if (error >= 0) {
                warm_pool_start_done(&r->pool, true, now_usec(CLOCK_MONOTONIC));
                pool_notify(r, w, true);
                pool_schedule(r);
                return;
        }
        log_debug_errno(-error, "Warm sandbox %s is gone, ignoring", warm_sandbox_unit(w));
        pool_remove(r, w);
        /* It was counted as starting until it first reported, as ready after. */
        if (warm_sandbox_was_ready(w))
                warm_pool_discarded(&r->pool);
        else
                warm_pool_start_done(&r->pool, false, now_usec(CLOCK_MONOTONIC));
        warm_sandbox_free(w);
        /* Only scheduled: a refill never runs inside a path that frees. */
        pool_schedule(r);
}

static int pool_start_one(Runner *r) {
        _cleanup_(warm_sandbox_freep) WarmSandbox *w = NULL;
        WarmSandboxSpec spec = {
                .layout = r->layout,
                .seccomp = r->seccomp,
                .init_path = r->init_path,
                .slice = r->slice,
                .memory_max = r->config.memory_max,
                .tasks_max = r->config.tasks_max,
                .cpu_quota_per_sec_usec = r->config.cpu_quota_per_sec_usec,
                .uids = r->uids,
        };
        int k;

        if (!scope_launcher_is_connected(r->launcher))
                return -ENOTCONN;
        /* Warm sandboxes count against the jobs the host allows at once, and leave room for real ones. */
        if (r->n_warm + r->n_jobs >= r->config.max_jobs)
                return -EBUSY;
        k = warm_sandbox_new(&w, r->event, r->launcher, &spec, on_warm, r);
        if (k < 0)
                return k;
        r->warm[r->n_warm++] = TAKE_PTR(w);
        return 0;
}

static int on_pool_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        pool_schedule(userdata);
        return 0;
}

static int on_pool_defer(sd_event_source *s, void *userdata) {
        Runner *r = userdata;
        uint64_t now = now_usec(CLOCK_MONOTONIC), wake;
        int k;

        warm_pool_tick(&r->pool, now);
        warm_pool_set_running(&r->pool, r->n_jobs, now);
        switch (warm_pool_next(&r->pool, now, &wake)) {
        case WARM_POOL_START:
                k = pool_start_one(r);
                if (k < 0) {
                        /* Counted as a start that failed at once: retried after a while. */
                        log_debug_errno(k, "Cannot start a warm sandbox, ignoring");
                        warm_pool_started(&r->pool, now);
                        warm_pool_start_done(&r->pool, false, now);
                        (void) warm_pool_next(&r->pool, now, &wake);
                        break;
                }
                warm_pool_started(&r->pool, now);
                return 0;
        case WARM_POOL_DISCARD:
                for (size_t i = 0; i < r->n_warm; i++)
                        if (warm_sandbox_is_ready(r->warm[i])) {
                                WarmSandbox *w = r->warm[i];
                                pool_remove(r, w);
                                warm_pool_discarded(&r->pool);
                                warm_sandbox_free(w);
                                break;
                        }
                pool_schedule(r);
                return 0;
        case WARM_POOL_WAIT:
                break;
        }
        if (wake > 0 && r->pool_timer) {
                (void) sd_event_source_set_time(r->pool_timer, wake);
                (void) sd_event_source_set_enabled(r->pool_timer, SD_EVENT_ONESHOT);
        }
        return 0;
}

/* Frees every warm sandbox: their inits die, systemd collects their empty scopes, the uids come back. */
static void pool_clear(Runner *r) {
        while (r->n_warm > 0) {
                WarmSandbox *w = r->warm[r->n_warm - 1];
                pool_remove(r, w);
                warm_sandbox_free(w);
        }
        warm_pool_reset(&r->pool);
}

/* A plan carries at most a job's own fds plus the test cases' three each: always one message's worth. */
_Static_assert(2 + 2 + 3 * RUNNER_TESTS_MAX + 4 < SANDBOX_SEND_FDS_MAX, "a plan fits one message");

size_t runner_warm_ids(const Runner *r, char (*ret_ids)[33], size_t n) {
        size_t k = 0;

        for (size_t i = 0; i < r->n_warm && k < n; i++)
                if (warm_sandbox_is_ready(r->warm[i]))
                        memcpy(ret_ids[k++], warm_sandbox_id(r->warm[i]), 33);
        return k;
}

int runner_take_warm_id(Runner *r, const RunnerJobSpec *spec, char ret_id[static 33]) {
        return runner_job_spec_fits_warm(spec) && runner_warm_ids(r, (char (*)[33]) ret_id, 1) == 1;
}

void runner_set_warm_handler(Runner *r, runner_warm_handler_t handler, void *userdata) {
        r->warm_handler = handler;
        r->warm_userdata = userdata;
}

/*
 * The warm sandbox a job named after it takes (a hit); NULL for a job that runs cold. A job that could
 * have taken one and came with an id of its own counts as a miss: the caller had none ready. -EBUSY: the
 * id is a warm sandbox's that cannot take this job (still starting, failed, or the job does not fit); its
 * scope exists, so the job cannot have a scope of that name either.
 */
static int pool_take(Runner *r, const RunnerJobSpec *spec, WarmSandbox **ret) {
        WarmSandbox *w = pool_find(r, spec->id);
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        *ret = NULL;
        if (!w) {
                if (warm_pool_enabled(&r->pool) && runner_job_spec_fits_warm(spec)) {
                        warm_pool_took(&r->pool, false, now);
                        pool_schedule(r);
                }
                return 0;
        }
        if (!warm_sandbox_is_ready(w) || !runner_job_spec_fits_warm(spec))
                return -EBUSY;
        pool_remove(r, w);
        warm_pool_took(&r->pool, true, now);
        pool_schedule(r);
        *ret = w;
        return 0;
}

static int on_warm_limits_set(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        RunnerJob *j = userdata;

        /* The warm scope's default limits are larger than the job's own. */
        if (!limits_reply_ok(j, &j->limits_slot, reply, "systemd refused the job's limits"))
                return 0;
        j->timeline.scope_started = now_usec(CLOCK_MONOTONIC);
        job_maybe_release(j);
        return 0;
}

static int on_warm_release(sd_event_source *s, void *userdata) {
        RunnerJob *j = userdata;

        j->warm_source = sd_event_source_disable_unref(j->warm_source);
        job_maybe_release(j);
        return 0;
}

/* Watches the job's init, cold or warm: its exit and its reports. */
static int job_watch_init(RunnerJob *j) {
        Runner *r = j->runner;
        int k;

        k = sd_event_add_child_pidfd(r->event, &j->child_source, j->process.pidfd, WEXITED, on_child, j);
        if (k < 0) {
                (void) syscall(SYS_pidfd_send_signal, j->process.pidfd, SIGKILL, NULL, 0);
                (void) waitpid(j->process.pid, NULL, 0);
                return k;
        }
        /* From here on the source owns the process: freeing it kills and reaps the init. */
        (void) sd_event_source_set_child_process_own(j->child_source, true);

        (void) fcntl(j->process.report_fd, F_SETFL, O_NONBLOCK);
        return sd_event_add_io(r->event, &j->report_source, j->process.report_fd, EPOLLIN, on_report, j);
}

/* The job takes the warm sandbox `w` (freed here) with its plan (taken). */
static int job_adopt_warm(RunnerJob *j, WarmSandbox *w, SandboxPlan *plan) {
        _cleanup_(warm_sandbox_freep) WarmSandbox *warm = w;
        _cleanup_(sandbox_plan_freep) SandboxPlan *p = plan;
        Runner *r = j->runner;
        int k;

        snprintf(j->unit, sizeof(j->unit), "%s", warm_sandbox_unit(warm));
        k = warm_sandbox_take(warm, &j->process, &j->uid_pool, &j->outer_uid);
        if (k < 0)
                return k;
        k = job_watch_init(j);
        if (k < 0)
                return k;

        j->warm_plan = TAKE_PTR(p);
        j->sandbox_ready = j->in_scope = true;
        j->timeline.spawned = j->timeline.ready = j->timeline.scope_started = now_usec(CLOCK_MONOTONIC);
        if (j->memory_max < r->config.memory_max || j->tasks_max < r->config.tasks_max ||
            j->cpu_quota_per_sec_usec < r->config.cpu_quota_per_sec_usec) {
                k = scope_launcher_set_limits(r->launcher, j->unit, j->memory_max, j->tasks_max,
                                              j->cpu_quota_per_sec_usec, on_warm_limits_set, j, &j->limits_slot);
                if (k < 0)
                        return k;
                return 0;
        }
        /* Not from here: the caller hears of RUNNING only once it holds the job. */
        return sd_event_add_defer(r->event, &j->warm_source, on_warm_release, j);
}

/* Closes the test cases' stdin fds the plan did not take. */
static void spec_close_test_fds(const RunnerJobSpec **spec) {
        for (size_t i = 0; i < (*spec)->n_tests; i++)
                (*spec)->test_stdin_fds[i] = safe_close((*spec)->test_stdin_fds[i]);
}

int runner_start(Runner *r, const RunnerJobSpec *spec, runner_job_handler_t handler, void *userdata,
                 RunnerJob **ret) {
        _cleanup_(spec_close_test_fds) const RunnerJobSpec *tests_owner = spec;
        _cleanup_(runner_job_freep) RunnerJob *j = NULL;
        _cleanup_(sandbox_plan_freep) SandboxPlan *plan = NULL;
        _cleanup_close_ int code_fd = spec->code_fd, stdin_fd = spec->stdin_fd, bundle_fd = spec->bundle_fd,
                            stdout_fd = spec->stdout_fd, stderr_fd = spec->stderr_fd;
        RunnerJobSpec s = *spec;
        int k;

        if (strlen(spec->id) != 32 || strspn(spec->id, "0123456789abcdef") != 32)
                return -EINVAL;
        if (spec->n_tests > RUNNER_TESTS_MAX || (spec->n_tests > 0 && spec->output_patterns))
                return -EINVAL;

        j = calloc(1, sizeof(RunnerJob));
        if (!j)
                return -ENOMEM;
        j->runner = r;
        LIST_PREPEND(r->jobs, j);
        r->n_jobs++;

        memcpy(j->id, spec->id, 33);
        snprintf(j->unit, sizeof(j->unit), "sandrun-job-%s.scope", spec->id);
        j->handler = handler;
        j->userdata = userdata;
        j->timeout_usec = spec->timeout_usec;
        j->tasks_max = MIN(spec->tasks_max ?: UINT64_MAX, r->config.tasks_max);
        j->cpu_quota_per_sec_usec = MIN(spec->cpu_quota_per_sec_usec ?: UINT64_MAX, r->config.cpu_quota_per_sec_usec);
        j->compile_timeout_usec = spec->compile_timeout_usec;
        /* A job may ask for less memory than the server gives, never more. */
        j->memory_max = spec->memory_max > 0 ? MIN(spec->memory_max, r->config.memory_max) : r->config.memory_max;
        j->compile_memory_max = spec->compile_memory_max > 0 ? MIN(spec->compile_memory_max, r->config.compile_memory_max)
                                                             : r->config.compile_memory_max;
        j->entry_step = j->unpack_step = j->pack_step = j->compile_step = -1;
        j->result.exit_code = -1;
        j->process = (SandboxProcess) { .pid = 0, .pidfd = -EBADF, .control_fd = -EBADF, .report_fd = -EBADF };
        for (size_t i = 0; i < _PIPE_MAX; i++)
                j->pipes[i].fd = -EBADF;
        capped_buffer_init(&j->out, r->config.output_limit);
        capped_buffer_init(&j->err, r->config.output_limit);
        capped_buffer_init(&j->archive, r->config.archive_limit);
        capped_buffer_init(&j->listing, r->config.archive_limit);
        capped_buffer_init(&j->stage_err, STAGE_ERROR_LIMIT);
        capped_buffer_init(&j->compile_out, r->config.case_output_limit);
        capped_buffer_init(&j->compile_err, r->config.case_output_limit);

        s.code_fd = TAKE_FD(code_fd);
        /* Test cases each have their own stdin. */
        s.stdin_fd = spec->n_tests > 0 ? -EBADF : TAKE_FD(stdin_fd);
        s.bundle_fd = TAKE_FD(bundle_fd);
        s.stdout_fd = TAKE_FD(stdout_fd);
        s.stderr_fd = TAKE_FD(stderr_fd);
        k = build_plan(j, &s, &plan);
        if (k < 0)
                return k;

        WarmSandbox *warm;
        k = pool_take(r, spec, &warm);
        if (k < 0)
                return k;
        if (warm) {
                k = job_adopt_warm(j, warm, TAKE_PTR(plan));
                if (k < 0)
                        return k;
                *ret = TAKE_PTR(j);
                return 0;
        }

        if (r->uids) {
                k = uid_pool_acquire(r->uids, &j->outer_uid);
                if (k == -EBUSY && r->lingering) {
                        /* The last free uids may be held by inits that are exiting: wait for those. */
                        reap_lingering(r);
                        k = uid_pool_acquire(r->uids, &j->outer_uid);
                }
                if (k < 0)
                        return log_debug_errno(-k, "No job uid is free (%u in use)", uid_pool_n_used(r->uids));
                j->uid_pool = r->uids;
                plan->outer_uid = j->outer_uid;
                plan->outer_gid = (gid_t) j->outer_uid;
        }

        j->timeline.spawned = now_usec(CLOCK_MONOTONIC);
        k = sandbox_spawn(plan, r->init_path, &j->process);
        if (k < 0)
                return k;

        k = job_watch_init(j);
        if (k < 0)
                return k;

        /*
         * The scope is asked for at once, so that systemd's work overlaps the init's building of the
         * sandbox. The init runs no job code until both are done, so nothing of the job ever runs
         * outside its scope; the sandbox setup (about a millisecond of CPU) is billed to the job.
         */
        start_scope(j);

        *ret = TAKE_PTR(j);
        return 0;
}

RunnerJobState runner_job_state(const RunnerJob *j) {
        return j->state;
}

const char *runner_job_id(const RunnerJob *j) {
        return j->id;
}

const RunnerResult *runner_job_result(const RunnerJob *j) {
        return j->state == RUNNER_JOB_FINISHED ? &j->result : NULL;
}

void runner_job_set_output_handler(RunnerJob *j, runner_output_handler_t handler, void *userdata) {
        j->output_handler = handler;
        j->output_userdata = userdata;
}

const CappedBuffer *runner_job_stdout(const RunnerJob *j) {
        return &j->out;
}

const CappedBuffer *runner_job_stderr(const RunnerJob *j) {
        return &j->err;
}

const CappedBuffer *runner_job_archive(const RunnerJob *j) {
        return &j->archive;
}

const CappedBuffer *runner_job_listing(const RunnerJob *j) {
        return &j->listing;
}

const CappedBuffer *runner_job_compile_stdout(const RunnerJob *j) {
        return &j->compile_out;
}

const CappedBuffer *runner_job_compile_stderr(const RunnerJob *j) {
        return &j->compile_err;
}

size_t runner_job_n_cases(const RunnerJob *j) {
        return j->n_cases;
}

const RunnerStepResult *runner_job_case(const RunnerJob *j, size_t i) {
        return i < j->n_cases ? &j->cases[i].result : NULL;
}

const CappedBuffer *runner_job_case_stdout(const RunnerJob *j, size_t i) {
        return i < j->n_cases ? &j->cases[i].out : NULL;
}

const CappedBuffer *runner_job_case_stderr(const RunnerJob *j, size_t i) {
        return i < j->n_cases ? &j->cases[i].err : NULL;
}

const CappedBuffer *runner_job_stage_error(const RunnerJob *j) {
        return &j->stage_err;
}

const RunnerTimeline *runner_job_timeline(const RunnerJob *j) {
        return &j->timeline;
}

int runner_job_cpu_usec(RunnerJob *j, uint64_t *ret) {
        if (j->state == RUNNER_JOB_RUNNING)
                job_take_sample(j);
        if (!j->has_sample || !j->sample.has_cpu)
                return -ENODATA;
        *ret = j->sample.cpu_usec;
        return 0;
}

uint64_t runner_job_wall_usec(const RunnerJob *j) {
        if (j->timeline.released == 0)
                return 0;
        return (j->timeline.exited ?: now_usec(CLOCK_MONOTONIC)) - j->timeline.released;
}

int runner_job_set_cpu_quota(RunnerJob *j, uint64_t cpu_quota_per_sec_usec) {
        if (j->state != RUNNER_JOB_RUNNING)
                return -ESRCH;
        /* A newer quota supersedes one still in flight. */
        j->quota_slot = sd_bus_slot_unref(j->quota_slot);
        return scope_launcher_set_cpu_quota(j->runner->launcher, j->unit, cpu_quota_per_sec_usec, &j->quota_slot);
}

int runner_job_cpu_fd(const RunnerJob *j, bool *ret_is_v1) {
        if (!j->cgroup || j->cgroup->cpu_fd < 0)
                return -ENODATA;
        *ret_is_v1 = j->cgroup->cpu_is_v1;
        return j->cgroup->cpu_fd;
}

uint64_t runner_job_cpu_base_usec(const RunnerJob *j) {
        return j->cgroup ? j->cgroup->cpu_base_usec : 0;
}

int runner_set_bus(Runner *r, sd_bus *bus) {
        /* PID 1 re-executed or went away: warm sandboxes are rebuilt with the new connection, and none is
         * handed out meanwhile (their scopes are stopped or collected as their inits die). */
        pool_clear(r);
        pool_schedule(r);
        return scope_launcher_set_bus(r->launcher, bus);
}

unsigned runner_n_warm_ready(const Runner *r) {
        return r->pool.ready;
}

unsigned runner_n_jobs(const Runner *r) {
        return r->n_jobs;
}

bool runner_is_usable(Runner *r) {
        return scope_launcher_is_connected(r->launcher);
}

Runner *runner_free(Runner *r) {
        if (!r)
                return NULL;
        while (r->jobs) {
                RunnerJob *j = r->jobs;
                job_unlink(j);
                j->handler = NULL;
                runner_job_free(j);
        }
        reap_lingering(r);
        pool_clear(r);
        free(r->warm);
        sd_event_source_disable_unref(r->pool_defer);
        sd_event_source_disable_unref(r->pool_timer);
        scope_launcher_free(r->launcher);
        uid_pool_free(r->uids);
        seccomp_program_free(r->seccomp);
        sandbox_layout_free(r->layout);
        sd_event_unref(r->event);
        free(r->slice);
        free(r->cgroup_root);
        free(r->stage_path);
        free(r->init_path);
        free(r);
        return NULL;
}

/*
 * A runner that was killed leaves nothing running: every job's init and every warm init died with it
 * (their parent-death signal). But a scope systemd was still starting when it died can come to be around
 * an init already gone: empty from the start, such a scope is never seen to empty, and stays. So at start,
 * before anything of ours exists, every sandrun-job scope in our slice is a previous runner's: stop them
 * all. Read from the slice's cgroup directory, which holds exactly our slice's scopes.
 */
static void stop_leftover_scopes(Runner *r) {
        static const char *const hierarchies[] = { "unified", "systemd", "" };
        _cleanup_free_ char *slice_path = NULL;
        unsigned n = 0;
        int k;

        k = slice_cgroup_path(r->slice, &slice_path);
        if (k < 0) {
                log_debug_errno(-k, "Cannot find the cgroup of slice %s, ignoring", r->slice);
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(hierarchies); i++) {
                _cleanup_free_ char *dir = NULL;
                if (asprintf(&dir, "%s/%s/%s", r->cgroup_root, hierarchies[i], slice_path) < 0)
                        return;
                DIR *d = opendir(dir);
                if (!d)
                        continue;
                for (struct dirent *de; (de = readdir(d));) {
                        const char *id = de->d_name + strlen("sandrun-job-");
                        if (strlen(de->d_name) != strlen("sandrun-job-.scope") + 32 ||
                            strncmp(de->d_name, "sandrun-job-", strlen("sandrun-job-")) != 0 ||
                            strspn(id, "0123456789abcdef") != 32 || !streq(id + 32, ".scope"))
                                continue;
                        k = scope_launcher_stop(r->launcher, de->d_name);
                        if (k < 0)
                                log_debug_errno(-k, "Cannot stop %s, left by a previous runner, ignoring", de->d_name);
                        else
                                n++;
                }
                closedir(d);
                break;  /* one hierarchy lists them all */
        }
        if (n > 0)
                log_debug("Stopping %u job scopes a previous runner left", n);
}

int runner_new(Runner **ret, sd_event *event, sd_bus *bus, const RunnerConfig *config) {
        _cleanup_(runner_freep) Runner *r = NULL;
        int k;

        r = calloc(1, sizeof(Runner));
        if (!r)
                return -ENOMEM;
        r->event = sd_event_ref(event);
        r->config = *config;
        r->slice = strdup(config->slice);
        r->cgroup_root = strdup(config->cgroup_root ?: "/sys/fs/cgroup");
        r->stage_path = strdup(config->stage_path ?: "/usr/libexec/sandrun-stage");
        r->init_path = strdup(config->init_path ?: "/usr/libexec/sandrun-init");
        if (!r->slice || !r->cgroup_root || !r->stage_path || !r->init_path)
                return -ENOMEM;

        /*
         * Compiled and laid out once, here: each job's init only replays them. Compiling the filter in
         * the init instead would cost every job libseccomp's work (about as much as the rest of the
         * sandbox setup) and map libseccomp into it; the compiled program is plain data it gets in its plan.
         */
        k = seccomp_program_compile(&r->seccomp);
        if (k < 0)
                return k;
        k = sandbox_layout_new(&r->layout, &config->sandbox, getuid(), getgid());
        if (k < 0)
                return k;
        /* Only root can map a job to a uid other than its own. */
        if (geteuid() == 0 && config->job_uids.count > 0) {
                const char *what;
                uid_t at;
                k = uid_range_check_for_jobs(&config->job_uids, config->max_jobs + config->pool_max, &what, &at);
                if (k < 0)
                        return log_debug_errno(-k, "The job uid range collides with %s at %u", what, (unsigned) at);
                k = uid_pool_new(&r->uids, &config->job_uids);
                if (k < 0)
                        return k;
        }
        k = scope_launcher_new(&r->launcher, event, bus, config->scope_timeout_usec);
        if (k < 0)
                return k;
        stop_leftover_scopes(r);

        WarmPoolConfig pool = {
                .min = MIN(config->pool_min, config->pool_max),
                .max = config->pool_max,
                .max_starting = WARM_POOL_STARTS_MAX,
                .refill_interval_usec = WARM_POOL_REFILL_INTERVAL_USEC,
                .shrink_after_usec = WARM_POOL_SHRINK_AFTER_USEC,
                .retry_after_usec = WARM_POOL_RETRY_AFTER_USEC,
                .refill_delay_usec = WARM_POOL_REFILL_DELAY_USEC,
                .refill_settle_usec = WARM_POOL_REFILL_SETTLE_USEC,
                /* As many running jobs as cores keep the CPUs busy: a refill beside them slows them down. */
                .busy_max = (unsigned) MAX(sysconf(_SC_NPROCESSORS_ONLN), 1L),
                .load_recheck_usec = WARM_POOL_LOAD_RECHECK_USEC,
        };
        warm_pool_init(&r->pool, &pool, now_usec(CLOCK_MONOTONIC));
        if (warm_pool_enabled(&r->pool)) {
                r->warm = calloc(pool.max, sizeof(WarmSandbox *));
                if (!r->warm)
                        return -ENOMEM;
                /* Refills run from a deferred source of their own, after whatever asked for them. */
                k = sd_event_add_defer(event, &r->pool_defer, on_pool_defer, r);
                if (k >= 0)
                        k = sd_event_add_time(event, &r->pool_timer, CLOCK_MONOTONIC, 0, 0, on_pool_timer, r);
                if (k < 0)
                        return k;
                (void) sd_event_source_set_priority(r->pool_defer, SD_EVENT_PRIORITY_IDLE);
                (void) sd_event_source_set_enabled(r->pool_timer, SD_EVENT_OFF);
                pool_schedule(r);
        }

        *ret = TAKE_PTR(r);
        return 0;
}
