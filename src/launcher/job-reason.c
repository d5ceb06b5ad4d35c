/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Shared by both implementations of runner.h. */

#include "runner.h"

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
        }
        return NULL;
}
