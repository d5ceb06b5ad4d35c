/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * For the runner daemon only (runner.c implements these, the front's runner-client.c does not).
 */

#include <systemd/sd-bus.h>

#include "runner.h"

/* Replaces the connection to systemd when PID 1 re-executes. NULL while there is none; starts then wait. */
int runner_set_bus(Runner *r, sd_bus *bus);

/* The job's live CPU counter (cpu.stat, or cpuacct.usage on v1), still owned by the job; -ENODATA until RUNNING. */
int runner_job_cpu_fd(const RunnerJob *j, bool *ret_is_v1);
/* What to subtract from that counter: a warm sandbox's own setup, before the job took it; else 0. */
uint64_t runner_job_cpu_base_usec(const RunnerJob *j);

