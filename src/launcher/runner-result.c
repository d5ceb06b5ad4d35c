/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <signal.h>
#include <sys/wait.h>

#include "runner-result.h"

const char *job_reason_to_string(JobReason r) {
        switch (r) {
        case JOB_REASON_NONE:
                return NULL;
        case JOB_REASON_TIMEOUT:
                return "timeout";
        case JOB_REASON_MEMORY:
                return "memory";
        case JOB_REASON_SIGNAL:
                return "signal";
        case JOB_REASON_LAUNCH:
                return "launch";
        case JOB_REASON_UPLOAD:
                return "upload";
        case JOB_REASON_COMPILE:
                return "compile";
        }
        return NULL;
}

void runner_result_decide(RunnerResult *res, const RunnerOutcome *o) {
        if (res->reason == JOB_REASON_LAUNCH || res->reason == JOB_REASON_UPLOAD) {
                /* Decided already. */
        } else if (o->compile_failed) {
                res->reason = JOB_REASON_COMPILE;
        } else if (o->kill_sent) {
                res->reason = o->kill_reason;
                if (o->entry_exited && WIFSIGNALED(o->entry_status))
                        res->signal = WTERMSIG(o->entry_status);
                else
                        res->signal = SIGKILL;
        } else if (o->cases_done) {
                /* Every case ran; how each went is in its own result. */
                res->completed = true;
                res->exit_code = 0;
        } else if (o->entry_exited && WIFEXITED(o->entry_status)) {
                res->completed = true;
                res->exit_code = WEXITSTATUS(o->entry_status);
        } else if (o->entry_exited && WIFSIGNALED(o->entry_status)) {
                res->signal = WTERMSIG(o->entry_status);
                res->reason = o->oom && res->signal == SIGKILL ? JOB_REASON_MEMORY : JOB_REASON_SIGNAL;
        } else {
                /* The init itself died: the OOM killer may pick it, or something killed the scope. */
                res->reason = o->oom ? JOB_REASON_MEMORY : JOB_REASON_SIGNAL;
                res->signal = SIGKILL;
                if (!res->error)
                        res->error = "the job's init ended unexpectedly";
        }
}
