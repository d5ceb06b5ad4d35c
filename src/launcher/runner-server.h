/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The runner daemon's side of the runner protocol: accepts connections from the front's user only
 * (SO_PEERCRED), and turns their messages into runner.h calls on the one Runner, which alone starts
 * scopes. Whatever a connection asks, only its own jobs are touched, no limit above the configured ones
 * is accepted, and a refusal is an answer, never the end of the daemon. A connection that closes takes
 * its jobs with it.
 */

#include <sys/types.h>
#include <systemd/sd-event.h>

#include "macro.h"
#include "runner.h"

typedef struct RunnerServer RunnerServer;

typedef struct RunnerServerConfig {
        uid_t front_uid;                /* the only peer let in */
        unsigned max_connections;
        unsigned max_jobs;              /* over all connections */
        uint64_t memory_max, compile_memory_max, tasks_max, cpu_quota_per_sec_usec, timeout_max_usec;
} RunnerServerConfig;

typedef struct RunnerServerStats {
        uint64_t accepted, rejected_peers, refused, jobs_started, jobs_finished;
} RunnerServerStats;

/* Takes listen_fd (a listening AF_UNIX SOCK_SEQPACKET socket). */
int runner_server_new(RunnerServer **ret, sd_event *event, Runner *runner, int listen_fd,
                      const RunnerServerConfig *config);
RunnerServer *runner_server_free(RunnerServer *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(RunnerServer *, runner_server_free);

/* After a new connection to systemd: applies CPU quotas asked for while there was none. */
void runner_server_resync(RunnerServer *s);

const RunnerServerStats *runner_server_stats(const RunnerServer *s);
unsigned runner_server_n_connections(const RunnerServer *s);
