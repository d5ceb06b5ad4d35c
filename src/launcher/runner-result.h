/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* How a job ended, decided from what the runner saw: a pure function, tested as a table. */

#include <stdbool.h>

#include "runner.h"

typedef struct RunnerOutcome {
        bool kill_sent;                 /* the runner killed it (timeout, or asked to) */
        JobReason kill_reason;
        bool entry_exited;              /* the init reported the program's end */
        int entry_status;               /* its wait status */
        bool oom;                       /* the scope's cgroup counted OOM kills (since the compile, if any) */
        bool compile_failed;            /* the compile step failed: nothing else ran */
        bool cases_done;                /* every test case ran */
} RunnerOutcome;

/* Sets completed, exit_code, signal, reason and, when the init itself died, error. A reason decided
 * earlier (launch, upload) stands. */
void runner_result_decide(RunnerResult *res, const RunnerOutcome *o);
