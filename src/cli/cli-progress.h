/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cli-reply.h"

/*
 * The state of a batch job on stderr: on a terminal one line redrawn in place, elsewhere a terse line
 * whenever the state changes, so that logs stay readable.
 */
typedef struct Progress {
        bool tty;
        bool line_shown;                /* a live line is on screen and must be erased before output */
        char last[REPLY_WORD_MAX + 32]; /* the state last printed, off a terminal */
} Progress;

/* "queued · position 3 · 2.1 s", "running · 4.3 s · cpu 1.20 s". */
void progress_format(const JobReply *status, double elapsed, char *buf, size_t size);

void progress_show(Progress *p, const char *job_id, const JobReply *status, double elapsed);

/* Erases the live line, if any, before something else is printed. */
void progress_clear(Progress *p);
