/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the tests of runner_start() share: a runner with small limits in a test slice that runs this
 * build's sandrun-init (argv[1]), SIGCHLD blocked as the daemon has it (sd-event watches children only
 * then), an event loop that never runs and a bus that is never connected, so that each job's scope fails
 * at once and its init is killed.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "runner.h"
#include "tests.h"

static inline void test_runner_on_change(RunnerJob *j, void *userdata) {
}

/* Fills *ret_config, *ret_event and *ret_bus: 0, or the exit status of a test run without the init. */
static inline int test_runner_setup(int argc, char *argv[], RunnerConfig *ret_config, sd_event **ret_event,
                                    sd_bus **ret_bus) {
        sigset_t mask;

        if (argc < 2) {
                fprintf(stderr, "usage: %s PATH-TO-SANDRUN-INIT\n", argv[0]);
                return EXIT_FAILURE;
        }
        *ret_config = (RunnerConfig) {
                .sandbox = { .work_size = 1 << 20, .tmp_size = 1 << 20, .max_open_files = 64,
                             .max_file_size = 1 << 20 },
                .slice = "sandrun-test.slice",
                .memory_max = 64 << 20,
                .tasks_max = 8,
                .cpu_quota_per_sec_usec = USEC_PER_SEC,
                .output_limit = 4096,
                .archive_limit = 4096,
                .scope_timeout_usec = USEC_PER_SEC,
                .init_path = argv[1],
        };
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        ASSERT_TRUE(sigprocmask(SIG_BLOCK, &mask, NULL) == 0);
        ASSERT_OK(sd_event_new(ret_event));
        ASSERT_OK(sd_bus_new(ret_bus));
        return 0;
}
