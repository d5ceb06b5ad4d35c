/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Starts a job's transient scope over D-Bus, asynchronously, the race-free way: the JobRemoved match is
 * installed once up front, the scope is started with the job's (blocked) init as its only process, and
 * the caller hears back only when systemd's start job has finished, i.e. when the process is in the
 * scope. Only then may the init go on.
 */

#include <stdint.h>
#include <sys/types.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "macro.h"

typedef struct ScopeLauncher ScopeLauncher;
typedef struct ScopeStart ScopeStart;

typedef struct ScopeSpec {
        const char *unit;               /* sandrun-job-<id>.scope */
        const char *slice;
        const char *description;
        pid_t pid;
        int pidfd;                      /* used where systemd supports PIDFDs=, else pid */
        uint64_t memory_max;            /* bytes */
        uint64_t tasks_max;
        uint64_t cpu_quota_per_sec_usec;
} ScopeSpec;

/* error is 0 on success, else -errno; message is systemd's or ours, for the log. */
typedef void (*scope_start_handler_t)(ScopeStart *s, int error, const char *message, void *userdata);

int scope_launcher_new(ScopeLauncher **ret, sd_event *event, sd_bus *bus, uint64_t timeout_usec);
ScopeLauncher *scope_launcher_free(ScopeLauncher *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(ScopeLauncher *, scope_launcher_free);

/* The handler is called exactly once, unless the ScopeStart is freed before (which cancels it). */
int scope_launcher_start(ScopeLauncher *l, const ScopeSpec *spec, scope_start_handler_t handler, void *userdata,
                         ScopeStart **ret);
ScopeStart *scope_start_free(ScopeStart *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(ScopeStart *, scope_start_free);

/*
 * Replaces the connection to systemd: NULL when it was lost (starts then wait, and new ones are queued),
 * a new one once reconnected, which finds out what became of every start still waiting.
 */
int scope_launcher_set_bus(ScopeLauncher *l, sd_bus *bus);

/* Changes a running scope's CPUQuota; the reply is awaited on *ret_slot, which the caller owns. */
int scope_launcher_set_cpu_quota(ScopeLauncher *l, const char *unit, uint64_t cpu_quota_per_sec_usec,
                                 sd_bus_slot **ret_slot);

/* Changes a running scope's MemoryMax (between a job's compile and its run); handler gets systemd's reply. */
int scope_launcher_set_memory_max(ScopeLauncher *l, const char *unit, uint64_t memory_max,
                                  sd_bus_message_handler_t handler, void *userdata, sd_bus_slot **ret_slot);

/* Changes a running scope's MemoryMax, TasksMax and CPUQuota at once (a warm sandbox taken by a job that
 * asked for less); handler gets systemd's reply. */
int scope_launcher_set_limits(ScopeLauncher *l, const char *unit, uint64_t memory_max, uint64_t tasks_max,
                              uint64_t cpu_quota_per_sec_usec, sd_bus_message_handler_t handler, void *userdata,
                              sd_bus_slot **ret_slot);

/* Stops a scope, without waiting for systemd's answer: for a job given up while its scope was being
 * started, whose scope would otherwise be made around a process already gone and never be collected. */
int scope_launcher_stop(ScopeLauncher *l, const char *unit);

/* Whether spec's process is in its scope: 1 yes, 0 not (yet), else -errno. */
typedef int (*scope_membership_check_t)(const ScopeSpec *spec, void *userdata);

/* Replaces how a start tells that its process is in its scope (by default: its cgroup in every hierarchy);
 * for tests against a fake systemd. */
void scope_launcher_set_membership_check(ScopeLauncher *l, scope_membership_check_t check, void *userdata);

/* Whether the bus connection is still open. */
bool scope_launcher_is_connected(ScopeLauncher *l);

/* Scope unit names: [A-Za-z0-9:_.-], at most 255 bytes, ending in ".scope". */
bool scope_unit_name_is_valid(const char *name);
