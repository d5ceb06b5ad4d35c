/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>

#include "stage-exit.h"

StageExit stage_exit_from_error(int error) {
        switch (error) {
        case 0:
                return STAGE_EXIT_OK;
        case -EBADMSG:
        case -EINVAL:
                return STAGE_EXIT_BAD_INPUT;
        case -E2BIG:
        case -ENOSPC:
        case -EDQUOT:
        case -EFBIG:
                return STAGE_EXIT_TOO_BIG;
        default:
                return STAGE_EXIT_FAILURE;
        }
}
