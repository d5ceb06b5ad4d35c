/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-exit.h"
#include "cli-outcome.h"

int job_exit_code(const JobReply *j) {
        if (j->reason && streq(j->reason, "compile"))
                return SANDRUN_EXIT_COMPILE;
        if (j->reason || j->signal)
                return SANDRUN_EXIT_SANDBOX;
        if (j->exit_code >= 0)
                return j->exit_code;
        /* "failed" without a reason or exit code: the server did not say what happened. */
        if (j->status && streq(j->status, "failed"))
                return SANDRUN_EXIT_SANDBOX;
        return SANDRUN_EXIT_SERVER;
}

static void signal_name(const char *signal, char *buf, size_t size) {
        char *end;
        long n = strtol(signal, &end, 10);
        const char *abbrev = *end == 0 && n > 0 && n < NSIG ? sigabbrev_np((int) n) : NULL;
        if (abbrev)
                snprintf(buf, size, "SIG%s", abbrev);
        else
                snprintf(buf, size, "%s", signal);
}

void job_describe_failure(const JobReply *j, char *buf, size_t size) {
        char sig[32] = "";
        if (j->signal)
                signal_name(j->signal, sig, sizeof sig);

        const char *reason = j->reason ?: (j->signal ? "signal" : "");
        if (streq(reason, "timeout"))
                snprintf(buf, size, "timed out");
        else if (streq(reason, "memory"))
                snprintf(buf, size, "ran out of memory");
        else if (streq(reason, "signal"))
                snprintf(buf, size, "killed by signal %s", sig[0] ? sig : "(unknown)");
        else if (streq(reason, "launch"))
                snprintf(buf, size, "could not be started");
        else if (streq(reason, "compile"))
                snprintf(buf, size, "did not compile");
        else if (reason[0])
                snprintf(buf, size, "stopped (%s)", reason);
        else
                snprintf(buf, size, "failed without a reason given");
}

void format_wait(unsigned long long seconds, char *buf, size_t size) {
        unsigned long long h = seconds / 3600, min = seconds / 60 % 60, s = seconds % 60;

        if (seconds < 60)
                snprintf(buf, size, "%llu s", s);
        else if (h == 0 && s == 0)
                snprintf(buf, size, "%llu min", min);
        else if (h == 0)
                snprintf(buf, size, "%llu min %llu s", min, s);
        else if (min == 0)
                snprintf(buf, size, "%llu h", h);
        else
                snprintf(buf, size, "%llu h %llu min", h, min);
}
