/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * runner_start() takes the spec's fds: whether it starts the job or fails, none of them, and none of
 * the pipes it made on the way, may stay open in the daemon. Starts are made to fail at every step
 * that opens an fd by lowering RLIMIT_NOFILE one fd at a time, and the open fds are counted after each.
 * The bus is never connected, so a start that gets through fails at its scope and is killed at once.
 */

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>

#include "memfd-util.h"
#include "test-runner-setup.h"

static unsigned n_open_fds(int *ret_max) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        unsigned n = 0;
        int max = -1;

        ASSERT_TRUE(d);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.') {
                        int fd = atoi(de->d_name);
                        if (fd != dirfd(d)) {
                                n++;
                                max = MAX(max, fd);
                        }
                }
        closedir(d);
        if (ret_max)
                *ret_max = max;
        return n;
}

static void set_nofile(rlim_t soft) {
        struct rlimit rl;

        ASSERT_TRUE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
        rl.rlim_cur = soft;
        ASSERT_TRUE(setrlimit(RLIMIT_NOFILE, &rl) == 0);
}

/* One start with the given number of fds to spare; returns runner_start()'s result. */
static int start_with_spare_fds(Runner *runner, sd_event *event, int spare, unsigned *ret_before, unsigned *ret_after) {
        static const char code[] = "echo hi\n";
        char *argv[] = { (char *) "/bin/sh", (char *) "main.sh", NULL };
        char *outputs[] = { (char *) "*.txt", NULL };
        struct rlimit saved;
        RunnerJob *job = NULL;
        int max, r;

        ASSERT_TRUE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
        unsigned before = n_open_fds(NULL);
        RunnerJobSpec spec = {
                .id = "0123456789abcdef0123456789abcdef",
                .argv = argv,
                .code_fd = memfd_new_sealed("code", code, sizeof(code) - 1),
                .code_name = "main.sh",
                .stdin_fd = memfd_new_sealed("stdin", "x", 1),
                .timeout_usec = USEC_PER_SEC,
                .bundle_fd = memfd_new_sealed("bundle", "", 0),
                .stdout_fd = -EBADF,
                .stderr_fd = -EBADF,
                .output_patterns = outputs,
        };
        ASSERT_TRUE(spec.code_fd >= 0 && spec.stdin_fd >= 0 && spec.bundle_fd >= 0);

        /* New fds get the lowest free number: with the holes below the highest one in use filled, the
         * limit is that one plus what is spared. */
        int holes[256], n_holes = 0;
        (void) n_open_fds(&max);
        for (;;) {
                int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                ASSERT_TRUE(fd >= 0);
                if (fd > max || n_holes == (int) ELEMENTSOF(holes)) {
                        close(fd);
                        break;
                }
                holes[n_holes++] = fd;
        }
        set_nofile((rlim_t) (max + 1 + spare));
        r = runner_start(runner, &spec, test_runner_on_change, NULL, &job);
        ASSERT_TRUE(setrlimit(RLIMIT_NOFILE, &saved) == 0);
        for (int i = 0; i < n_holes; i++)
                close(holes[i]);
        if (r >= 0)
                runner_job_free(job);
        /* A job let go of while its init runs keeps the init's pidfd until it is reaped. */
        unsigned after = n_open_fds(NULL);
        for (int i = 0; i < 500 && after != before; i++) {
                (void) sd_event_run(event, 10 * USEC_PER_MSEC);
                after = n_open_fds(NULL);
        }
        *ret_before = before;
        *ret_after = after;
        return r;
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        _cleanup_(runner_freep) Runner *runner = NULL;
        RunnerConfig config;
        unsigned before, after, n_failed = 0;

        int r = test_runner_setup(argc, argv, &config, &event, &bus);
        if (r != 0)
                return r;
        config.stage_path = "/usr/libexec/sandrun-stage";
        r = runner_new(&runner, event, bus, &config);
        if (r < 0) {
                fprintf(stderr, "cannot set up a runner here (%s), skipping\n", strerror(-r));
                return 77;
        }

        /* Whatever sd-event allocates lazily for the first job is in place before counting. */
        r = start_with_spare_fds(runner, event, 64, &before, &after);
        if (r < 0) {
                fprintf(stderr, "cannot start a job here even with fds to spare (%s), skipping\n", strerror(-r));
                return 77;
        }

        for (int spare = 0; spare <= 64; spare++) {
                r = start_with_spare_fds(runner, event, spare, &before, &after);
                fprintf(stderr, "  %2d fds to spare: %s, %u fds open before, %u after\n", spare,
                        r < 0 ? strerror(-r) : "started", before, after);
                ASSERT_EQ(after, before);
                if (r >= 0)
                        break;
                ASSERT_ERROR(r, EMFILE);
                n_failed++;
        }
        /* The code, stdin, bundle, stdout, stderr, stage, archive and listing fds and the init's pipes. */
        ASSERT_TRUE(n_failed >= 6);
        ASSERT_EQ(runner_n_jobs(runner), 0);
        return 0;
}
