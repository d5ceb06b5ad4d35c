/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "cli-reply.h"

/*
 * What a finished job means for the CLI: the program's own exit code when it ran to its end, or
 * SANDRUN_EXIT_SANDBOX when the sandbox stopped it (a reason or a signal is given), or
 * SANDRUN_EXIT_SERVER when the answer says neither.
 */
int job_exit_code(const JobReply *j);

/* Says in words why the sandbox stopped the job ("timed out", "killed by signal SIGSEGV"). */
void job_describe_failure(const JobReply *j, char *buf, size_t size);

/* "45 s", "2 min 5 s", "3 h 10 min": how long to wait, for people. */
void format_wait(unsigned long long seconds, char *buf, size_t size);
