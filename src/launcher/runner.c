/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgroup-stat.h"
#include "list.h"
#include "runner-bus.h"
#include "runner-result.h"
#include "runner.h"
#include "sandbox.h"
#include "scope-launcher.h"
#include "seccomp-policy.h"
#include "strv.h"
#include "time-util.h"

/* How often a running job's cgroup is read, so figures survive an init that dies unexpectedly. */
#define SAMPLE_INTERVAL_USEC (250 * USEC_PER_MSEC)
/* How long the init may take to obey 'K' before it is killed outright. */
#define KILL_GRACE_USEC (2 * USEC_PER_SEC)
#define STAGE_ERROR_LIMIT 4096

struct Runner {
        sd_event *event;
        RunnerConfig config;
        char *slice, *cgroup_root, *stage_path, *init_path;
        SandboxLayout *layout;
        SeccompProgram *seccomp;
        ScopeLauncher *launcher;
        RunnerJob *jobs;
        unsigned n_jobs;
};

typedef struct PipeReader {
        RunnerJob *job;
        int fd;
        sd_event_source *source;
        CappedBuffer *buffer;
} PipeReader;

enum { PIPE_STDOUT, PIPE_STDERR, PIPE_ARCHIVE, PIPE_LISTING, PIPE_STAGE_ERR, _PIPE_MAX };

struct RunnerJob {
        Runner *runner;
        RunnerJob *prev, *next;
        char id[33];
        char unit[64];
        RunnerJobState state;
        runner_job_handler_t handler;
        void *userdata;

        SandboxProcess process;
        int entry_step, unpack_step, pack_step;
        uint64_t timeout_usec;
        uint64_t memory_max, tasks_max, cpu_quota_per_sec_usec;
        sd_event_source *child_source, *report_source, *timer_source, *sample_source;
        ScopeStart *scope_start;
        sd_bus_slot *quota_slot;
        CgroupJob *cgroup;
        CgroupSample sample;
        bool has_sample;

        PipeReader pipes[_PIPE_MAX];
        CappedBuffer out, err, archive, listing, stage_err;

        bool sandbox_ready, in_scope;
        bool init_exited, done_reported, kill_sent;
        JobReason kill_reason;
        RunnerResult result;
        bool entry_exited;
        int entry_status;
        RunnerTimeline timeline;
};

static void job_unlink(RunnerJob *j) {
        Runner *r = j->runner;

        if (!r)
                return;
        LIST_REMOVE(r->jobs, j);
        j->runner = NULL;
        r->n_jobs--;
}

static void pipe_close(PipeReader *p) {
        p->source = sd_event_source_disable_unref(p->source);
        p->fd = safe_close(p->fd);
}

static void job_stop_sources(RunnerJob *j) {
        j->report_source = sd_event_source_disable_unref(j->report_source);
        j->timer_source = sd_event_source_disable_unref(j->timer_source);
        j->sample_source = sd_event_source_disable_unref(j->sample_source);
        j->scope_start = scope_start_free(j->scope_start);
        for (size_t i = 0; i < _PIPE_MAX; i++)
                pipe_close(&j->pipes[i]);
}

RunnerJob *runner_job_free(RunnerJob *j) {
        if (!j)
                return NULL;
        job_unlink(j);
        job_stop_sources(j);
        j->quota_slot = sd_bus_slot_unref(j->quota_slot);
        if (j->child_source) {
                /* Owned: freeing it SIGKILLs the init if still alive, which ends the whole job, and reaps it. */
                j->child_source = sd_event_source_disable_unref(j->child_source);
        }
        sandbox_process_done(&j->process);
        cgroup_job_free(j->cgroup);
        capped_buffer_done(&j->out);
        capped_buffer_done(&j->err);
        capped_buffer_done(&j->archive);
        capped_buffer_done(&j->listing);
        capped_buffer_done(&j->stage_err);
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

/* Everything is known once the init is gone and every pipe is drained. */
static void job_maybe_finish(RunnerJob *j) {
        RunnerResult *res = &j->result;

        if (j->state == RUNNER_JOB_FINISHED || !j->init_exited)
                return;
        for (size_t i = 0; i < _PIPE_MAX; i++)
                if (j->pipes[i].fd >= 0)
                        return;

        job_stop_sources(j);
        j->timeline.finished = now_usec(CLOCK_MONOTONIC);

        if (j->has_sample) {
                res->has_cpu = j->sample.has_cpu;
                res->cpu_usec = j->sample.cpu_usec;
                res->has_memory = j->sample.has_memory_peak;
                res->memory_peak_bytes = j->sample.memory_peak_bytes;
        }
        if (j->timeline.released > 0)
                res->wall_usec = (j->timeline.exited ?: j->timeline.finished) - j->timeline.released;

        runner_result_decide(res, &(RunnerOutcome) {
                .kill_sent = j->kill_sent,
                .kill_reason = j->kill_reason,
                .entry_exited = j->entry_exited,
                .entry_status = j->entry_status,
                .oom = j->has_sample && j->sample.oom_kills > 0,
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

static int on_pipe(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        PipeReader *p = userdata;
        char buf[65536];

        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return 0;
                if (n <= 0)
                        break;
                /* Past the cap we keep reading and dropping, so a chatty job is never blocked by us. */
                if (capped_buffer_append(p->buffer, buf, n) < 0)
                        break;
                if ((size_t) n < sizeof(buf))
                        return 0;
        }
        pipe_close(p);
        job_maybe_finish(p->job);
        return 0;
}

static int on_sample(sd_event_source *s, uint64_t usec, void *userdata) {
        RunnerJob *j = userdata;

        job_take_sample(j);
        return sd_event_source_set_time_relative(s, SAMPLE_INTERVAL_USEC);
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
        r = sd_event_add_time_relative(j->runner->event, &j->timer_source, CLOCK_MONOTONIC, KILL_GRACE_USEC, 0,
                                       on_kill_grace, j);
        return r < 0 ? r : 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        RunnerJob *j = userdata;

        j->timer_source = sd_event_source_disable_unref(j->timer_source);
        (void) runner_job_kill(j, JOB_REASON_TIMEOUT);
        return 0;
}

/* The init goes on once it has built the sandbox and systemd has put it in its scope, whichever is last. */
static void job_maybe_release(RunnerJob *j) {
        int r;

        if (!j->sandbox_ready || !j->in_scope || j->state != RUNNER_JOB_STARTING)
                return;

        /* Opened now, while our init is in the scope; the files stay readable while it lives. */
        r = cgroup_job_open_pid(&j->cgroup, j->runner->cgroup_root, j->process.pid);
        if (r < 0) {
                job_fail_launch(j, "cannot open the scope's cgroup accounting", -r);
                return;
        }
        job_take_sample(j);

        r = sandbox_process_go(&j->process);
        if (r < 0) {
                job_fail_launch(j, "cannot release the job's init", -r);
                return;
        }
        j->timeline.released = now_usec(CLOCK_MONOTONIC);
        j->state = RUNNER_JOB_RUNNING;

        r = sd_event_add_time_relative(j->runner->event, &j->timer_source, CLOCK_MONOTONIC, j->timeout_usec, 0,
                                       on_timeout, j);
        if (r >= 0)
                r = sd_event_add_time_relative(j->runner->event, &j->sample_source, CLOCK_MONOTONIC,
                                               SAMPLE_INTERVAL_USEC, 0, on_sample, j);
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

static void on_scope_started(ScopeStart *s, int error, const char *message, void *userdata) {
        RunnerJob *j = userdata;

        j->scope_start = scope_start_free(j->scope_start);
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
                .memory_max = j->memory_max,
                .tasks_max = j->tasks_max,
                .cpu_quota_per_sec_usec = j->cpu_quota_per_sec_usec,
        };
        int k;

        k = scope_launcher_start(r->launcher, &spec, on_scope_started, j, &j->scope_start);
        if (k < 0)
                job_fail_launch(j, "cannot ask systemd for the job's scope", -k);
}

static void handle_report(RunnerJob *j, const SandboxReport *rep) {
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
                if (rep->step == j->entry_step) {
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
        if (!j->timeline.exited)
                j->timeline.exited = now_usec(CLOCK_MONOTONIC);
        sandbox_process_release(&j->process);
        job_maybe_finish(j);
        return 0;
}

static int add_pipe(RunnerJob *j, size_t which, CappedBuffer *buffer, int *ret_child_end) {
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
        PipeReader *p = &j->pipes[which];
        p->job = j;
        p->fd = fds[0];
        p->buffer = buffer;
        r = sd_event_add_io(j->runner->event, &p->source, p->fd, EPOLLIN, on_pipe, p);
        if (r < 0) {
                safe_close(fds[1]);
                return r;
        }
        *ret_child_end = fds[1];
        return 0;
}

/* Takes the spec's fds (left -EBADF there): each ends up in the plan or is closed, on every path. */
static int build_plan(RunnerJob *j, RunnerJobSpec *spec, SandboxPlan **ret) {
        Runner *r = j->runner;
        _cleanup_(sandbox_plan_freep) SandboxPlan *plan = NULL;
        _cleanup_close_ int code_fd = TAKE_FD(spec->code_fd), stdin_fd = TAKE_FD(spec->stdin_fd),
                            bundle_fd = TAKE_FD(spec->bundle_fd);
        _cleanup_close_ int out = TAKE_FD(spec->stdout_fd), err = -EBADF, archive = -EBADF, listing = -EBADF,
                            prog_err = TAKE_FD(spec->stderr_fd);
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

        /* The output goes where the caller says (the front reads it live), else into pipes of ours. */
        if (out < 0) {
                k = add_pipe(j, PIPE_STDOUT, &j->out, &out);
                if (k < 0)
                        return k;
        }
        if (prog_err < 0) {
                k = add_pipe(j, PIPE_STDERR, &j->err, &prog_err);
                if (k < 0)
                        return k;
        }
        k = sandbox_plan_add_step(plan, spec->argv, TAKE_FD(stdin_fd), TAKE_FD(out), TAKE_FD(prog_err), -EBADF,
                                  true);
        if (k < 0)
                return k;
        j->entry_step = k;

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

int runner_start(Runner *r, const RunnerJobSpec *spec, runner_job_handler_t handler, void *userdata,
                 RunnerJob **ret) {
        _cleanup_(runner_job_freep) RunnerJob *j = NULL;
        _cleanup_(sandbox_plan_freep) SandboxPlan *plan = NULL;
        _cleanup_close_ int code_fd = spec->code_fd, stdin_fd = spec->stdin_fd, bundle_fd = spec->bundle_fd,
                            stdout_fd = spec->stdout_fd, stderr_fd = spec->stderr_fd;
        RunnerJobSpec s = *spec;
        int k;

        if (strlen(spec->id) != 32 || strspn(spec->id, "0123456789abcdef") != 32)
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
        j->memory_max = MIN(spec->memory_max ?: UINT64_MAX, r->config.memory_max);
        j->tasks_max = MIN(spec->tasks_max ?: UINT64_MAX, r->config.tasks_max);
        j->cpu_quota_per_sec_usec = MIN(spec->cpu_quota_per_sec_usec ?: UINT64_MAX, r->config.cpu_quota_per_sec_usec);
        j->entry_step = j->unpack_step = j->pack_step = -1;
        j->result.exit_code = -1;
        j->process = (SandboxProcess) { .pid = 0, .pidfd = -EBADF, .control_fd = -EBADF, .report_fd = -EBADF };
        for (size_t i = 0; i < _PIPE_MAX; i++)
                j->pipes[i].fd = -EBADF;
        capped_buffer_init(&j->out, r->config.output_limit);
        capped_buffer_init(&j->err, r->config.output_limit);
        capped_buffer_init(&j->archive, r->config.archive_limit);
        capped_buffer_init(&j->listing, r->config.archive_limit);
        capped_buffer_init(&j->stage_err, STAGE_ERROR_LIMIT);

        s.code_fd = TAKE_FD(code_fd);
        s.stdin_fd = TAKE_FD(stdin_fd);
        s.bundle_fd = TAKE_FD(bundle_fd);
        s.stdout_fd = TAKE_FD(stdout_fd);
        s.stderr_fd = TAKE_FD(stderr_fd);
        k = build_plan(j, &s, &plan);
        if (k < 0)
                return k;

        j->timeline.spawned = now_usec(CLOCK_MONOTONIC);
        k = sandbox_spawn(plan, r->init_path, &j->process);
        if (k < 0)
                return k;

        k = sd_event_add_child_pidfd(r->event, &j->child_source, j->process.pidfd, WEXITED, on_child, j);
        if (k < 0) {
                (void) syscall(SYS_pidfd_send_signal, j->process.pidfd, SIGKILL, NULL, 0);
                (void) waitpid(j->process.pid, NULL, 0);
                return k;
        }
        /* From here on the source owns the process: freeing it kills and reaps the init. */
        (void) sd_event_source_set_child_process_own(j->child_source, true);

        (void) fcntl(j->process.report_fd, F_SETFL, O_NONBLOCK);
        k = sd_event_add_io(r->event, &j->report_source, j->process.report_fd, EPOLLIN, on_report, j);
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

int runner_set_bus(Runner *r, sd_bus *bus) {
        return scope_launcher_set_bus(r->launcher, bus);
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
        scope_launcher_free(r->launcher);
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
        k = scope_launcher_new(&r->launcher, event, bus, config->scope_timeout_usec);
        if (k < 0)
                return k;

        *ret = TAKE_PTR(r);
        return 0;
}
