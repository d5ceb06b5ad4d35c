/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli-progress.h"

void progress_format(const JobReply *status, double elapsed, char *buf, size_t size) {
        const char *state = status->status ?: "waiting";
        int n;

        if (status->queue_position >= 0 && streq(state, "queued"))
                n = snprintf(buf, size, "%s · position %" PRId64 " · %.1f s", state, status->queue_position, elapsed);
        else
                n = snprintf(buf, size, "%s · %.1f s", state, elapsed);
        if (n >= 0 && (size_t) n < size && status->has_metrics && !streq(state, "queued"))
                snprintf(buf + n, size - n, " · cpu %.2f s", status->cpu_seconds);
}

void progress_show(Progress *p, const char *job_id, const JobReply *status, double elapsed) {
        if (p->tty) {
                char line[128];
                progress_format(status, elapsed, line, sizeof line);
                fprintf(stderr, "\r\033[K\033[2msandrun: job %s · %s\033[0m", job_id, line);
                fflush(stderr);
                p->line_shown = true;
                return;
        }

        /* Off a terminal, only changes of state (and queue position) are worth a line. */
        char state[sizeof p->last];
        if (status->queue_position >= 0 && status->status && streq(status->status, "queued"))
                snprintf(state, sizeof state, "queued (position %" PRId64 ")", status->queue_position);
        else
                snprintf(state, sizeof state, "%s", status->status ?: "waiting");
        if (streq(state, p->last))
                return;
        snprintf(p->last, sizeof p->last, "%s", state);
        fprintf(stderr, "sandrun: job %s %s\n", job_id, state);
}

void progress_clear(Progress *p) {
        if (!p->line_shown)
                return;
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
        p->line_shown = false;
}
