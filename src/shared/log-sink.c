/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <stdio.h>

#include "log-sink.h"

static log_sink_t sink;
static void *sink_userdata;

void log_sink_set(log_sink_t s, void *userdata) {
        sink = s;
        sink_userdata = userdata;
}

int log_core(int priority, int error, const char *format, ...) {
        char msg[512];
        va_list ap;

        error = error < 0 ? -error : error;
        if (sink) {
                int saved = errno;
                va_start(ap, format);
                vsnprintf(msg, sizeof(msg), format, ap);
                va_end(ap);
                sink(priority, error, msg, sink_userdata);
                errno = saved;
        }
        return -error;
}
