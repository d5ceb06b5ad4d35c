/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * How the core library logs: at debug level, through a sink the program installs. The daemons install
 * one that writes to the journal; a test may install one that captures; without a sink nothing is
 * written. Messages carry what failed and why, never a job's content or a client's address.
 */

#include <syslog.h>

#include "macro.h"

/* `error` is a positive errno or 0. */
typedef void (*log_sink_t)(int priority, int error, const char *message, void *userdata);

void log_sink_set(log_sink_t sink, void *userdata);

/* Hands the message to the sink; returns -abs(error) (or 0 without one) for `return log_debug_errno(...)`. */
int log_core(int priority, int error, const char *format, ...) _printf_(3, 4);

#define log_debug(...) log_core(LOG_DEBUG, 0, __VA_ARGS__)
#define log_debug_errno(error, ...) log_core(LOG_DEBUG, (error), __VA_ARGS__)
