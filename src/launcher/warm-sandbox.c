/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "log-sink.h"
#include "time-util.h"
#include "warm-sandbox.h"

struct WarmSandbox {
        sd_event *event;
        ScopeLauncher *launcher;
        warm_sandbox_handler_t handler;
        void *userdata;
        char id[33];                    /* 32 hex digits: the id a job takes it with */
        char unit[64];
        SandboxProcess process;
        sd_event_source *child_source, *report_source;
        ScopeStart *scope_start;
        UidPool *uid_pool;              /* while we hold `outer_uid` from it */
        uid_t outer_uid;
        bool sandbox_ready, in_scope, ready, failed, taken;
        uint64_t spawned_usec;
};

static void release_uid(WarmSandbox *w) {
        if (!w->uid_pool)
                return;
        uid_pool_release(w->uid_pool, w->outer_uid);
        w->uid_pool = NULL;
}

WarmSandbox *warm_sandbox_free(WarmSandbox *w) {
        int k;

        if (!w)
                return NULL;
        /*
         * Given up without a job: its scope is stopped explicitly, whatever state it is in. One still being
         * started may come to be around an init killed meanwhile, and systemd keeps a scope whose process
         * died before it was attached everywhere (seen under load on hybrid hosts) as "running" forever.
         */
        if (!w->taken && (w->scope_start || w->in_scope || w->failed)) {
                k = scope_launcher_stop(w->launcher, w->unit);
                if (k < 0)
                        log_debug_errno(k, "Cannot stop %s, given up, ignoring", w->unit);
        }
        w->scope_start = scope_start_free(w->scope_start);
        w->report_source = sd_event_source_disable_unref(w->report_source);
        /* Owned: freeing it SIGKILLs the init if alive (ending its sandbox) and reaps it. */
        w->child_source = sd_event_source_disable_unref(w->child_source);
        release_uid(w);
        sandbox_process_done(&w->process);
        sd_event_unref(w->event);
        free(w);
        return NULL;
}

static void warm_fail(WarmSandbox *w, int error) {
        if (w->failed)
                return;
        w->failed = true;
        if (w->child_source)
                (void) sd_event_source_send_child_signal(w->child_source, SIGKILL, NULL, 0);
        if (w->handler)
                w->handler(w, error, w->userdata);
}

static void maybe_ready(WarmSandbox *w) {
        int k;

        if (!w->sandbox_ready || !w->in_scope || w->ready || w->failed)
                return;
        /* In its scope: on into the cgroup namespace, then it waits for a job's plan. */
        k = sandbox_process_go(&w->process);
        if (k < 0) {
                warm_fail(w, k);
                return;
        }
        w->ready = true;
        w->handler(w, 0, w->userdata);
}

static void on_scope_started(ScopeStart *s, int error, const char *message, void *userdata) {
        WarmSandbox *w = userdata;

        w->scope_start = scope_start_free(w->scope_start);
        if (error < 0) {
                log_debug_errno(-error, "Warm scope %s: %s", w->unit, message ?: "failed");
                warm_fail(w, error);
                return;
        }
        w->in_scope = true;
        maybe_ready(w);
}

static int on_report(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        WarmSandbox *w = userdata;
        char buf[sizeof(SandboxReport)];
        SandboxReport rep;
        ssize_t n;

        n = read(fd, buf, sizeof(buf));
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0 || sandbox_report_parse(buf, n, &rep) < 0) {
                w->report_source = sd_event_source_disable_unref(w->report_source);
                return 0;
        }
        if (rep.kind == SANDBOX_REPORT_READY) {
                w->sandbox_ready = true;
                maybe_ready(w);
        } else
                warm_fail(w, rep.error > 0 ? -rep.error : -EIO);
        return 0;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        WarmSandbox *w = userdata;

        /* A PID namespace's init exits last: nothing of this sandbox is left. */
        w->child_source = sd_event_source_disable_unref(w->child_source);
        release_uid(w);
        warm_fail(w, -ECHILD);
        return 0;
}

int warm_sandbox_new(WarmSandbox **ret, sd_event *event, ScopeLauncher *launcher, const WarmSandboxSpec *spec,
                     warm_sandbox_handler_t handler, void *userdata) {
        _cleanup_(warm_sandbox_freep) WarmSandbox *w = NULL;
        _cleanup_(sandbox_plan_freep) SandboxPlan *plan = NULL;
        uint8_t id[16];
        int k;

        w = calloc(1, sizeof(WarmSandbox));
        if (!w)
                return -ENOMEM;
        w->event = sd_event_ref(event);
        w->launcher = launcher;
        w->handler = handler;
        w->userdata = userdata;
        w->process = (SandboxProcess) { .pidfd = -EBADF, .control_fd = -EBADF, .report_fd = -EBADF };

        if (getrandom(id, sizeof(id), 0) != sizeof(id))
                return -errno ?: -EIO;
        for (size_t i = 0; i < sizeof(id); i++)
                snprintf(w->id + 2 * i, sizeof(w->id) - 2 * i, "%02x", id[i]);
        snprintf(w->unit, sizeof(w->unit), "sandrun-job-%s.scope", w->id);

        k = sandbox_plan_new(&plan, spec->layout, spec->seccomp);
        if (k < 0)
                return k;
        if (spec->uids) {
                k = uid_pool_acquire(spec->uids, &w->outer_uid);
                if (k < 0)
                        return k;
                w->uid_pool = spec->uids;
                plan->outer_uid = w->outer_uid;
                plan->outer_gid = (gid_t) w->outer_uid;
        }
        w->spawned_usec = now_usec(CLOCK_MONOTONIC);
        k = sandbox_spawn_warm(plan, spec->init_path, &w->process);
        if (k < 0)
                return k;
        k = sd_event_add_child_pidfd(event, &w->child_source, w->process.pidfd, WEXITED, on_child, w);
        if (k < 0) {
                (void) syscall(SYS_pidfd_send_signal, w->process.pidfd, SIGKILL, NULL, 0);
                (void) waitpid(w->process.pid, NULL, 0);
                return k;
        }
        (void) sd_event_source_set_child_process_own(w->child_source, true);
        (void) fcntl(w->process.report_fd, F_SETFL, O_NONBLOCK);
        k = sd_event_add_io(event, &w->report_source, w->process.report_fd, EPOLLIN, on_report, w);
        if (k < 0)
                return k;

        ScopeSpec scope = {
                .unit = w->unit,
                .slice = spec->slice,
                .description = "sandrun job",
                .pid = w->process.pid,
                .pidfd = w->process.pidfd,
                .memory_max = spec->memory_max,
                .tasks_max = spec->tasks_max,
                .cpu_quota_per_sec_usec = spec->cpu_quota_per_sec_usec,
        };
        k = scope_launcher_start(launcher, &scope, on_scope_started, w, &w->scope_start);
        if (k < 0)
                return k;

        *ret = TAKE_PTR(w);
        return 0;
}

bool warm_sandbox_is_ready(const WarmSandbox *w) {
        return w->ready && !w->failed;
}

bool warm_sandbox_was_ready(const WarmSandbox *w) {
        return w->ready;
}

const char *warm_sandbox_id(const WarmSandbox *w) {
        return w->id;
}

const char *warm_sandbox_unit(const WarmSandbox *w) {
        return w->unit;
}

uint64_t warm_sandbox_spawned_usec(const WarmSandbox *w) {
        return w->spawned_usec;
}

int warm_sandbox_take(WarmSandbox *w, SandboxProcess *ret_process, UidPool **ret_uid_pool, uid_t *ret_uid) {
        if (!warm_sandbox_is_ready(w) || !w->child_source)
                return -ESTALE;
        /* The taker watches and reaps the init from now on. */
        (void) sd_event_source_set_child_process_own(w->child_source, false);
        w->child_source = sd_event_source_disable_unref(w->child_source);
        w->report_source = sd_event_source_disable_unref(w->report_source);
        *ret_process = w->process;
        w->process = (SandboxProcess) { .pidfd = -EBADF, .control_fd = -EBADF, .report_fd = -EBADF };
        *ret_uid_pool = TAKE_PTR(w->uid_pool);
        *ret_uid = w->outer_uid;
        w->ready = false;
        w->taken = true;
        return 0;
}
