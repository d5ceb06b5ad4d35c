/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "cli-run-mode.h"
#include "tests.h"

TEST(table) {
        static const struct {
                RunShape shape;
                RunMode mode;
                const char *reason_part;
        } cases[] = {
                { { .n_files = 1, .bytes = 10 }, RUN_MODE_SYNC, "small enough" },
                { { .n_files = 2, .bytes = 0 }, RUN_MODE_SYNC, "small enough" },
                /* The edges of the documented threshold. */
                { { .n_files = 33, .bytes = RUN_SYNC_BYTES_MAX }, RUN_MODE_SYNC, "small enough" },
                { { .n_files = 34, .bytes = 100 }, RUN_MODE_BATCH, "33 files" },
                { { .n_files = 2, .bytes = RUN_SYNC_BYTES_MAX + 1 }, RUN_MODE_BATCH, "256 KiB" },
                { { .n_files = 1, .bytes = UINT64_MAX }, RUN_MODE_BATCH, "256 KiB" },
                /* What only a batch job can do, however small. */
                { { .n_files = 1, .bytes = 1, .outputs = true }, RUN_MODE_BATCH, "--outputs" },
                { { .n_files = 1, .bytes = 1, .env = true }, RUN_MODE_BATCH, "--env" },
                { { .n_files = 2, .bytes = 1, .entry_in_directory = true }, RUN_MODE_BATCH,
                  "in a directory" },
                { { .n_files = 1, .entry_name_length = 63 }, RUN_MODE_SYNC, "small enough" },
                { { .n_files = 1, .entry_name_length = 64 }, RUN_MODE_BATCH, "longer than 63" },
                /* What /run would lose: exec bits, directories without files. */
                { { .n_files = 2, .bytes = 9, .other_executables = true }, RUN_MODE_BATCH, "executable" },
                { { .n_files = 1, .bytes = 9, .empty_dirs = true }, RUN_MODE_BATCH, "empty directory" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const char *reason = NULL;
                RunMode m = run_mode_choose(&cases[i].shape, &reason);
                if (m != cases[i].mode || !reason || !strstr(reason, cases[i].reason_part)) {
                        fprintf(stderr, "case %zu: mode %d, reason \"%s\"\n", i, m, reason ?: "(null)");
                        abort();
                }
        }
        /* The reason is optional. */
        ASSERT_EQ(run_mode_choose(&(RunShape) { .n_files = 1 }, NULL), RUN_MODE_SYNC);
}

int main(void) {
        RUN(table);
        return 0;
}
