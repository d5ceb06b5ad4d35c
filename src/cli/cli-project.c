/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli-exit.h"
#include "cli-lang.h"
#include "cli-project.h"
#include "cli-report.h"
#include "cli-run-mode.h"
#include "cli-run.h"
#include "cli-submit.h"

/* The entry point's file as the program, every other one beside it, in one POST /run. */
static int run_sync(HttpClient *c, const CliArgs *a, const Tarball *t, const char *entrypoint,
                    JobReply **ret_reply) {
        TarballFile *files = NULL;
        size_t n_files = 0;
        int r = tarball_read_files(t, NULL, &files, &n_files);
        if (r < 0) {
                fprintf(stderr, "sandrun: cannot read back the packed project: %s\n", strerror(-r));
                return SANDRUN_EXIT_USAGE;
        }

        const TarballFile *entry = NULL;
        RunFile *others = calloc(n_files ?: 1, sizeof *others);
        size_t n_others = 0;
        for (size_t i = 0; others && i < n_files; i++) {
                if (!entry && streq(files[i].name, entrypoint))
                        entry = &files[i];
                else
                        others[n_others++] = (RunFile) { files[i].name, files[i].data, files[i].size };
        }
        if (!others)
                r = report_transport_error(c, -ENOMEM);
        else if (!entry) {
                fprintf(stderr, "sandrun: the entry point %s is not among the packed files\n", entrypoint);
                r = SANDRUN_EXIT_USAGE;
        } else {
                const char *lang = a->lang ?: lang_detect(entry->name, entry->data, entry->size);
                if (!lang) {
                        fprintf(stderr, "sandrun: cannot tell the language of %s from its name or a #! "
                                "line; use --lang (see --list-languages)\n", entry->name);
                        r = SANDRUN_EXIT_USAGE;
                } else {
                        RunRequest req = {
                                .code = entry->data, .code_size = entry->size,
                                .lang = lang,
                                .name = entry->name,
                                .files = others, .n_files = n_others,
                        };
                        r = cli_run_request(c, a, &req, ret_reply);
                }
        }
        free(others);
        tarball_files_free(files, n_files);
        return r;
}

int cli_run_paths(HttpClient *c, const CliArgs *a, JobReply **ret_reply) {
        if (ret_reply)
                *ret_reply = NULL;

        _cleanup_(tarball_freep) Tarball *t = NULL;
        if (cli_submit_pack(a, &t) < 0)
                return SANDRUN_EXIT_USAGE;

        _cleanup_free_ char *entrypoint = NULL;
        int r = cli_submit_entrypoint(a, t, &entrypoint);
        if (r == -ENOMEM)
                return report_transport_error(c, r);
        if (r < 0)
                return SANDRUN_EXIT_USAGE;

        bool other_executables = false;
        for (size_t i = 0; i < t->n_executables; i++)
                other_executables = other_executables || !streq(t->executables[i], entrypoint);
        RunShape shape = {
                .n_files = t->n_files,
                .bytes = t->input_bytes,
                .entry_in_directory = strchr(entrypoint, '/') != NULL,
                .entry_name_length = strlen(entrypoint),
                .other_executables = other_executables,
                .empty_dirs = t->n_dirs_without_files > 0,
                .outputs = a->n_outputs > 0,
                .env = a->n_env > 0,
        };
        const char *why;
        if (run_mode_choose(&shape, &why) == RUN_MODE_SYNC)
                return run_sync(c, a, t, entrypoint, ret_reply);

        /* Only /run judges test cases. */
        if (a->tests_file) {
                fprintf(stderr, "sandrun: --tests needs a run through /run, but this one must be a batch "
                        "job: %s\n", why);
                return SANDRUN_EXIT_USAGE;
        }
        if (!a->quiet)
                fprintf(stderr, "sandrun: running %s as a batch job: %s\n", entrypoint, why);
        return cli_submit_tarball(c, a, t, entrypoint);
}
