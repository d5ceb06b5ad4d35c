/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * `sandrun run FILE...` sends a small project to POST /run, which answers with live output as the program
 * writes it; anything larger, or anything /run cannot carry, goes to POST /submit as a batch job. /run
 * takes the program plus at most 32 more files (its "files"), and its body is capped by the server
 * (--body-max, 1 MiB by default): 256 KiB of files, base64-encoded in JSON, stays well below that.
 * It writes those files with no exec bit and makes only the directories they are in, so a project that
 * needs either runs as a batch job too, where it arrives as packed.
 */
#define RUN_SYNC_FILES_MAX 33U                  /* the program and the 32 "files" /run takes */
#define RUN_SYNC_BYTES_MAX ((uint64_t) 256 << 10)
#define RUN_SYNC_NAME_MAX 63U                   /* the program's "name" */

typedef enum RunMode {
        RUN_MODE_SYNC,                          /* POST /run */
        RUN_MODE_BATCH,                         /* POST /submit */
} RunMode;

/* What decides it, all known before anything is sent. */
typedef struct RunShape {
        size_t n_files;                         /* regular files, the entry point included */
        uint64_t bytes;                         /* their total size */
        bool entry_in_directory;                /* /run writes the program at the top of the work dir */
        size_t entry_name_length;               /* /run takes names up to RUN_SYNC_NAME_MAX */
        bool other_executables;                 /* /run writes its files without exec bits */
        bool empty_dirs;                        /* /run carries files, not directories */
        bool outputs;                           /* --outputs: only batch jobs give files back */
        bool env;                               /* --env: only a manifest sets the environment */
} RunShape;

/* Sync when /run can carry the project, else batch, with a short reason (a static string) why. */
RunMode run_mode_choose(const RunShape *s, const char **ret_reason);
