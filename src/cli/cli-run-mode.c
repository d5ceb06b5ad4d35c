/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "cli-run-mode.h"

RunMode run_mode_choose(const RunShape *s, const char **ret_reason) {
        const char *reason = NULL;

        assert(s);
        if (s->outputs)
                reason = "--outputs asks for files back";
        else if (s->env)
                reason = "--env sets the environment";
        else if (s->entry_in_directory)
                reason = "the entry point is in a directory";
        else if (s->entry_name_length > RUN_SYNC_NAME_MAX)
                reason = "the entry point's name is longer than 63 bytes";
        else if (s->other_executables)
                reason = "a file beside the entry point is executable";
        else if (s->empty_dirs)
                reason = "an empty directory";
        else if (s->n_files > RUN_SYNC_FILES_MAX)
                reason = "more than 33 files";
        else if (s->bytes > RUN_SYNC_BYTES_MAX)
                reason = "more than 256 KiB of files";

        if (ret_reason)
                *ret_reason = reason ?: "small enough for /run";
        return reason ? RUN_MODE_BATCH : RUN_MODE_SYNC;
}
