/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <signal.h>

#include "runner-result.h"
#include "tests.h"

/* Wait statuses as waitpid() makes them. */
#define EXITED(code) ((code) << 8)
#define SIGNALED(sig) (sig)

static const struct {
        const char *name;
        JobReason before;               /* decided earlier by the runner: launch, upload or none */
        RunnerOutcome o;
        bool completed;
        int exit_code, signal;
        JobReason reason;
        bool init_died;
} table[] = {
        { "exit 0", JOB_REASON_NONE, { .entry_exited = true, .entry_status = EXITED(0) }, true, 0, 0, JOB_REASON_NONE },
        { "exit 3", JOB_REASON_NONE, { .entry_exited = true, .entry_status = EXITED(3) }, true, 3, 0, JOB_REASON_NONE },
        { "exit 3 with OOM kills of children", JOB_REASON_NONE,
          { .entry_exited = true, .entry_status = EXITED(3), .oom = true }, true, 3, 0, JOB_REASON_NONE },
        { "timeout, killed", JOB_REASON_NONE,
          { .kill_sent = true, .kill_reason = JOB_REASON_TIMEOUT, .entry_exited = true, .entry_status = SIGNALED(SIGKILL) },
          false, -1, SIGKILL, JOB_REASON_TIMEOUT },
        { "timeout, the program had already exited", JOB_REASON_NONE,
          { .kill_sent = true, .kill_reason = JOB_REASON_TIMEOUT, .entry_exited = true, .entry_status = EXITED(0) },
          false, -1, SIGKILL, JOB_REASON_TIMEOUT },
        { "timeout, init gone first", JOB_REASON_NONE, { .kill_sent = true, .kill_reason = JOB_REASON_TIMEOUT },
          false, -1, SIGKILL, JOB_REASON_TIMEOUT },
        { "killed on request with SIGTERM seen", JOB_REASON_NONE,
          { .kill_sent = true, .kill_reason = JOB_REASON_SIGNAL, .entry_exited = true, .entry_status = SIGNALED(SIGTERM) },
          false, -1, SIGTERM, JOB_REASON_SIGNAL },
        { "timeout wins over OOM", JOB_REASON_NONE,
          { .kill_sent = true, .kill_reason = JOB_REASON_TIMEOUT, .oom = true }, false, -1, SIGKILL,
          JOB_REASON_TIMEOUT },
        { "SIGKILL with OOM kills: memory", JOB_REASON_NONE,
          { .entry_exited = true, .entry_status = SIGNALED(SIGKILL), .oom = true }, false, -1, SIGKILL,
          JOB_REASON_MEMORY },
        { "SIGKILL without OOM kills: signal", JOB_REASON_NONE,
          { .entry_exited = true, .entry_status = SIGNALED(SIGKILL) }, false, -1, SIGKILL, JOB_REASON_SIGNAL },
        { "SIGSEGV with OOM kills: still signal", JOB_REASON_NONE,
          { .entry_exited = true, .entry_status = SIGNALED(SIGSEGV), .oom = true }, false, -1, SIGSEGV,
          JOB_REASON_SIGNAL },
        { "SIGABRT", JOB_REASON_NONE, { .entry_exited = true, .entry_status = SIGNALED(SIGABRT) }, false, -1, SIGABRT,
          JOB_REASON_SIGNAL },
        { "init died, OOM", JOB_REASON_NONE, { .oom = true }, false, -1, SIGKILL, JOB_REASON_MEMORY, true },
        { "init died, no OOM", JOB_REASON_NONE, { 0 }, false, -1, SIGKILL, JOB_REASON_SIGNAL, true },
        { "launch failure stands", JOB_REASON_LAUNCH, { .oom = true }, false, -1, 0, JOB_REASON_LAUNCH },
        { "launch failure stands over a kill", JOB_REASON_LAUNCH,
          { .kill_sent = true, .kill_reason = JOB_REASON_TIMEOUT }, false, -1, 0, JOB_REASON_LAUNCH },
        { "upload failure stands over an exit", JOB_REASON_UPLOAD,
          { .entry_exited = true, .entry_status = EXITED(0) }, false, -1, 0, JOB_REASON_UPLOAD },
        { "compile failed", JOB_REASON_NONE, { .compile_failed = true }, false, -1, 0, JOB_REASON_COMPILE },
        { "compile failed, timer fired meanwhile", JOB_REASON_NONE,
          { .compile_failed = true, .kill_sent = true, .kill_reason = JOB_REASON_TIMEOUT }, false, -1, 0,
          JOB_REASON_COMPILE },
        { "every test case ran", JOB_REASON_NONE, { .cases_done = true, .oom = true }, true, 0, 0, JOB_REASON_NONE },
        { "test cases cut short by the request's cap", JOB_REASON_NONE,
          { .kill_sent = true, .kill_reason = JOB_REASON_TIMEOUT }, false, -1, SIGKILL, JOB_REASON_TIMEOUT },
};

int main(void) {
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                RunnerResult res = { .exit_code = -1, .reason = table[i].before };

                fprintf(stderr, "  %s\n", table[i].name);
                runner_result_decide(&res, &table[i].o);
                ASSERT_EQ(res.completed, table[i].completed);
                ASSERT_EQ(res.exit_code, table[i].exit_code);
                ASSERT_EQ(res.signal, table[i].signal);
                ASSERT_EQ(res.reason, table[i].reason);
                ASSERT_EQ(res.error != NULL, table[i].init_died);
        }

        /* An error said earlier is kept. */
        RunnerResult res = { .exit_code = -1, .error = "earlier" };
        runner_result_decide(&res, &(RunnerOutcome) { 0 });
        ASSERT_STREQ(res.error, "earlier");
        return 0;
}
