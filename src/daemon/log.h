/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The daemon's log: structured journal entries carrying metrics and errors only, never a job's code,
 * input, output, file names or arguments. Run by hand (no journal stream), lines also go to stderr.
 */

#include <syslog.h>

#include "macro.h"

/* Also installs the core library's log sink (log-sink.h): its debug messages are written with
 * SYSTEMD_LOG_LEVEL=debug. */
void log_setup(void);
/* A message about the daemon itself. */
void log_message(int priority, const char *format, ...) _printf_(2, 3);
/* Logs, and returns -abs(error) for `return log_errno(...)`. */
int log_errno(int priority, int error, const char *format, ...) _printf_(3, 4);
/* A fixed sentence with preformatted "NAME=value" fields (NULL-terminated), e.g. a job's metrics. */
void log_struct(int priority, const char *message, const char *const *fields);
