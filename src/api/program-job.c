/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "bundle.h"
#include "language-command.h"
#include "memfd-util.h"
#include "program-job.h"
#include "strv.h"
#include "wipe.h"

/*
 * A test case's wall-clock limit against its CPU limit. Generous on purpose: fairness may throttle a
 * client's job to a twelfth of a CPU, and a correct program must not become a time_limit because of that;
 * the limit is only there to stop programs that sleep or wait for input that never comes.
 */
#define CASE_WALL_FACTOR 12
#define CASE_WALL_EXTRA_USEC (2 * USEC_PER_SEC)

static uint64_t lowered(uint64_t asked, uint64_t server) {
        return asked > 0 ? MIN(asked, server) : server;
}

int program_job_set_tests(Api *a, const JudgeSpec *judge, uint64_t timeout_usec, RunnerJobSpec *spec,
                          int fds[static RUNNER_TESTS_MAX]) {
        if (judge->n_cases > RUNNER_TESTS_MAX)
                return -EINVAL;
        for (size_t i = 0; i < judge->n_cases; i++) {
                const JudgeCase *c = &judge->cases[i];
                fds[i] = c->stdin_data ? memfd_new_sealed("stdin", c->stdin_data, c->stdin_len) : -EBADF;
                if (c->stdin_data && fds[i] < 0) {
                        int r = fds[i];
                        for (size_t k = 0; k < i; k++)
                                fds[k] = safe_close(fds[k]);
                        return r;
                }
        }
        /* With tests the request's timeout is each case's CPU limit, in whole seconds as rlimits go. */
        uint64_t cpu = lowered(timeout_usec, a->config.test_cpu_usec);
        spec->test_cpu_limit_sec = MAX((cpu + USEC_PER_SEC - 1) / USEC_PER_SEC, (uint64_t) 1);
        spec->test_wall_limit_usec = spec->test_cpu_limit_sec * USEC_PER_SEC * CASE_WALL_FACTOR + CASE_WALL_EXTRA_USEC;
        spec->timeout_usec = a->config.tests_timeout_usec;
        spec->test_stdin_fds = fds;
        spec->n_tests = judge->n_cases;
        return 0;
}

int program_files_bundle(const PistonFile *files, size_t n_files, int *ret_fd) {
        _cleanup_(wipe_freep) char *buf = NULL;
        size_t len = BUNDLE_MAGIC_SIZE, off;

        *ret_fd = -EBADF;
        if (n_files == 0)
                return 0;
        for (size_t i = 0; i < n_files; i++)
                len += BUNDLE_HEADER_MAX + files[i].size;
        buf = malloc(len);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, BUNDLE_MAGIC, BUNDLE_MAGIC_SIZE);
        off = BUNDLE_MAGIC_SIZE;
        for (size_t i = 0; i < n_files; i++) {
                const PistonFile *f = &files[i];
                assert(f->name);
                off += snprintf(buf + off, len - off, "F %0*zu %s\n", (int) BUNDLE_SIZE_DIGITS, f->size, f->name);
                memcpy(buf + off, f->content, f->size);
                off += f->size;
        }
        int fd = memfd_new_sealed("bundle", buf, off);
        if (fd < 0)
                return fd;
        *ret_fd = fd;
        return 0;
}

int program_job_submit(Api *a, const ProgramRequest *p, const ClientKey *client, Job **ret,
                       FairRefusal *ret_refusal) {
        _cleanup_strv_free_ char **compile = NULL, **run = NULL, **env = NULL;
        _cleanup_close_ int code_fd = -EBADF, stdin_fd = -EBADF, bundle_fd = p->bundle_fd;
        int test_fds[RUNNER_TESTS_MAX];
        char source[SOURCE_NAME_MAX];
        size_t n_tests = p->judge ? p->judge->n_cases : 0;
        int r;

        if (n_tests > RUNNER_TESTS_MAX)
                return -EINVAL;
        if (p->source_name)
                snprintf(source, sizeof(source), "%s", p->source_name);
        else
                language_source_name(p->interp, p->code, p->code_len, source);
        r = language_commands(p->interp, source, a->config.cpus, p->args, &compile, &run);
        if (r < 0)
                return r;
        r = language_env(p->interp, a->config.cpus, &env);
        if (r < 0)
                return r;

        code_fd = memfd_new_sealed("code", p->code, p->code_len);
        if (code_fd < 0)
                return code_fd;
        if (p->stdin_data && n_tests == 0) {
                stdin_fd = memfd_new_sealed("stdin", p->stdin_data, p->stdin_len);
                if (stdin_fd < 0)
                        return stdin_fd;
        }

        RunnerJobSpec spec = {
                .argv = run,
                .envp = env,
                .code_fd = TAKE_FD(code_fd),
                .code_name = source,
                .stdin_fd = TAKE_FD(stdin_fd),
                .timeout_usec = lowered(p->timeout_usec, a->config.max_timeout_usec),
                .bundle_fd = TAKE_FD(bundle_fd),
                .compile_argv = compile,
                .memory_max = p->memory_max,
                .compile_memory_max = p->compile_memory_max,
                .compile_timeout_usec = lowered(p->compile_timeout_usec, a->config.compile_timeout_usec),
        };
        if (n_tests > 0) {
                r = program_job_set_tests(a, p->judge, p->timeout_usec, &spec, test_fds);
                if (r < 0) {
                        safe_close(spec.code_fd);
                        safe_close(spec.stdin_fd);
                        safe_close(spec.bundle_fd);
                        return r;
                }
        } else if (p->timeout_usec == 0)
                spec.timeout_usec = MIN(a->config.default_timeout_usec, a->config.max_timeout_usec);

        return job_submit(a->jobs, &spec, p->interp->name, client, false, ret, ret_refusal);
}
