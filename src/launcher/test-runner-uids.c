/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * As root the runner holds an outer uid of its range for each job until the job has no process left: it
 * refuses a job when none is free, and frees a job's uid when its init has been reaped. (Which uid each
 * job's processes get is checked by test-sandbox as root, and against the real root runner by
 * tests/escape/test_escape_memory.py.) Needs root, the only way to map another uid, and this build's
 * sandrun-init. The bus is never connected: each job's scope fails at once and its init is killed, but
 * not reaped until the job is freed, since no event loop runs.
 */

#include <unistd.h>

#include "test-runner-setup.h"

#define FIRST (UID_POOL_DEFAULT_FIRST + 4000)

static int start(Runner *runner, const char *id, RunnerJob **ret) {
        char *argv[] = { (char *) "/bin/true", NULL };
        RunnerJobSpec spec = {
                .id = id, .argv = argv, .code_fd = -EBADF, .stdin_fd = -EBADF, .bundle_fd = -EBADF,
                .timeout_usec = USEC_PER_SEC,
        };
        return runner_start(runner, &spec, test_runner_on_change, NULL, ret);
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        _cleanup_(runner_freep) Runner *runner = NULL;
        RunnerConfig config;
        RunnerJob *a = NULL, *b = NULL, *c = NULL;

        int r = test_runner_setup(argc, argv, &config, &event, &bus);
        if (r != 0)
                return r;
        if (geteuid() != 0) {
                fprintf(stderr, "not root: jobs can only map to our own uid, skipping\n");
                return 77;
        }
        config.job_uids = (UidRange) { .first = FIRST, .count = 2 };
        config.max_jobs = 2;

        /* A range smaller than the jobs that can exist at once is refused. */
        config.max_jobs = 3;
        ASSERT_ERROR(runner_new(&runner, event, bus, &config), ERANGE);
        config.max_jobs = 2;
        ASSERT_OK(runner_new(&runner, event, bus, &config));

        ASSERT_OK(start(runner, "000000000000000000000000000000a1", &a));
        ASSERT_OK(start(runner, "000000000000000000000000000000b2", &b));
        /* Both uids are taken while their jobs have a process, even a dead one not yet reaped. */
        ASSERT_ERROR(start(runner, "000000000000000000000000000000c3", &c), EBUSY);
        ASSERT_ERROR(start(runner, "000000000000000000000000000000c3", &c), EBUSY);

        /* Freeing A reaps its init, the last of its processes; then its uid serves the next job. */
        runner_job_free(a);
        ASSERT_OK(start(runner, "000000000000000000000000000000c3", &c));
        ASSERT_ERROR(start(runner, "000000000000000000000000000000d4", &a), EBUSY);
        runner_job_free(b);
        runner_job_free(c);
        ASSERT_EQ(runner_n_jobs(runner), 0);
        return 0;
}
