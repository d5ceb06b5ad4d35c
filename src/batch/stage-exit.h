/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Exit statuses of sandrun-stage, which the daemon maps to its answer (e.g. 400 and 413). */

typedef enum StageExit {
        STAGE_EXIT_OK = 0,
        STAGE_EXIT_FAILURE = 1,         /* a system call failed, or out of memory */
        STAGE_EXIT_USAGE = 2,           /* called wrongly: a bug in the caller */
        STAGE_EXIT_BAD_INPUT = 3,       /* malformed bundle; refused path, archive entry or pattern */
        STAGE_EXIT_TOO_BIG = 4,         /* a size, count or ratio limit, or the work dir is full */
} StageExit;

/* The exit status for an error returned by unbundle() or pack_outputs(). */
StageExit stage_exit_from_error(int error);
