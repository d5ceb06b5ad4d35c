/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One program in one language as a job: the file it is written to, its compile step if the language has
 * one, and one run, or one run per test case. Shared by POST /run and Piston's /api/v2/execute.
 */

#include "api-internal.h"
#include "interpreters.h"
#include "judge.h"
#include "piston-request.h"

typedef struct ProgramRequest {
        const Interpreter *interp;
        const char *code;
        size_t code_len;
        const char *source_name;        /* NULL: the language's (Java: the public class) */
        const char *stdin_data;         /* NULL: none */
        size_t stdin_len;
        char **args;                    /* may be NULL */
        uint64_t timeout_usec;          /* 0: the server's; only lowers it (per case CPU, with tests) */
        uint64_t compile_timeout_usec;  /* 0: the server's; only lowers it */
        const JudgeSpec *judge;         /* NULL: one run */
        uint64_t memory_max;            /* bytes; 0: the server's; only lowers it */
        uint64_t compile_memory_max;    /* bytes; 0: the server's; only lowers it */
        int bundle_fd;                  /* taken: more files to unpack into /work first (bundle.h), or -EBADF */
} ProgramRequest;

/* The files as a bundle (bundle.h) in a sealed memfd for sandrun-stage to write into /work: 0 with *ret_fd
 * (-EBADF when there are none), or -errno. Every file needs a name. */
int program_files_bundle(const PistonFile *files, size_t n_files, int *ret_fd);

/* Makes the spec run the program once per test case, with stdin fds in fds (owned by the spec after). */
int program_job_set_tests(Api *a, const JudgeSpec *judge, uint64_t timeout_usec, RunnerJobSpec *spec,
                          int fds[static RUNNER_TESTS_MAX]);

/* Like job_submit(): 0 with *ret, 1 with *ret_refusal, or -errno. */
int program_job_submit(Api *a, const ProgramRequest *p, const ClientKey *client, Job **ret,
                       FairRefusal *ret_refusal);
