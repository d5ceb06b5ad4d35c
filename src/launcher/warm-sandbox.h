/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One warm sandbox: a sandrun-init started with the runner's layout and no job (sandbox_spawn_warm()),
 * its own transient scope sandrun-job-<id>.scope with the runner's default limits started around it,
 * and its own job uid. Once the init has built the sandbox and sits in the scope, it is told to go on
 * into its cgroup namespace and then waits for a job's plan. It belongs to no client: a job takes it
 * (warm_sandbox_take()) and from then on the job owns the init, the scope and the uid, exactly as if it
 * had started them itself. It serves one job and is never reused.
 */

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "sandbox.h"
#include "scope-launcher.h"
#include "uid-pool.h"

typedef struct WarmSandbox WarmSandbox;

typedef struct WarmSandboxSpec {
        const SandboxLayout *layout;
        const SeccompProgram *seccomp;
        const char *init_path;
        const char *slice;
        uint64_t memory_max, tasks_max, cpu_quota_per_sec_usec;
        UidPool *uids;                  /* NULL: the init maps to our own uid */
} WarmSandboxSpec;

/* Called once the sandbox is ready (error 0), and when it fails or its init dies (error < 0; then it is
 * of no use: free it). The handler may free it. */
typedef void (*warm_sandbox_handler_t)(WarmSandbox *w, int error, void *userdata);

int warm_sandbox_new(WarmSandbox **ret, sd_event *event, ScopeLauncher *launcher, const WarmSandboxSpec *spec,
                     warm_sandbox_handler_t handler, void *userdata);
/* Kills and reaps the init (if not taken), gives its uid back and stops a scope still being started. */
WarmSandbox *warm_sandbox_free(WarmSandbox *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(WarmSandbox *, warm_sandbox_free);

bool warm_sandbox_is_ready(const WarmSandbox *w);
/* Whether it ever was (a failure then ends a ready one, not a start). */
bool warm_sandbox_was_ready(const WarmSandbox *w);
/* The id its scope is named after, sandrun-job-<id>.scope: the job that takes it runs under this id. */
const char *warm_sandbox_id(const WarmSandbox *w);
const char *warm_sandbox_unit(const WarmSandbox *w);
uint64_t warm_sandbox_spawned_usec(const WarmSandbox *w);

/*
 * Hands a ready sandbox over. The caller gets the init (it must watch it with a child source of its own
 * from now on, and send its plan with sandbox_process_send_plan()), and the uid with the pool it goes back
 * to (*ret_uid_pool NULL when none). The WarmSandbox is left empty: free it.
 */
int warm_sandbox_take(WarmSandbox *w, SandboxProcess *ret_process, UidPool **ret_uid_pool, uid_t *ret_uid);
