/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "log-sink.h"
#include "log.h"

#define FIELDS_MAX 32

static bool to_stderr;
static int max_priority = LOG_INFO;

/* The core library's messages (debug level), when asked for with SYSTEMD_LOG_LEVEL=debug. */
static void core_sink(int priority, int error, const char *message, void *userdata) {
        if (priority > max_priority)
                return;
        if (error > 0)
                (void) log_errno(priority, error, "%s", message);
        else
                log_message(priority, "%s", message);
}

void log_setup(void) {
        const char *level = getenv("SYSTEMD_LOG_LEVEL");

        /* Under systemd our stderr is the journal already; by hand we want to see what happens. */
        to_stderr = !getenv("JOURNAL_STREAM");
        if (level && (streq(level, "debug") || streq(level, "7")))
                max_priority = LOG_DEBUG;
        log_sink_set(core_sink, NULL);
}

void log_struct(int priority, const char *message, const char *const *fields) {
        struct iovec iov[FIELDS_MAX + 2];
        char msg[1024], prio[16];
        size_t n = 0;

        snprintf(msg, sizeof(msg), "MESSAGE=%s", message);
        snprintf(prio, sizeof(prio), "PRIORITY=%d", priority);
        iov[n++] = (struct iovec) { .iov_base = msg, .iov_len = strlen(msg) };
        iov[n++] = (struct iovec) { .iov_base = prio, .iov_len = strlen(prio) };
        for (const char *const *f = fields; f && *f && n < ELEMENTSOF(iov); f++)
                iov[n++] = (struct iovec) { .iov_base = (void *) *f, .iov_len = strlen(*f) };
        (void) sd_journal_sendv(iov, (int) n);

        if (to_stderr) {
                fputs(message, stderr);
                for (const char *const *f = fields; f && *f; f++)
                        fprintf(stderr, " %s", *f);
                fputc('\n', stderr);
        }
}

_printf_(2, 0) static void log_va(int priority, const char *format, va_list ap) {
        char msg[1024];

        vsnprintf(msg, sizeof(msg), format, ap);
        log_struct(priority, msg, NULL);
}

void log_message(int priority, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        log_va(priority, format, ap);
        va_end(ap);
}

int log_errno(int priority, int error, const char *format, ...) {
        char msg[768], full[1024];
        va_list ap;

        error = error < 0 ? -error : error;
        va_start(ap, format);
        vsnprintf(msg, sizeof(msg), format, ap);
        va_end(ap);
        snprintf(full, sizeof(full), "%s: %s", msg, strerror(error));
        log_struct(priority, full, NULL);
        return -error;
}
