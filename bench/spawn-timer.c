/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * spawn-timer: the baseline side of bench/run. Runs one command RUNS times in a row (after WARMUP
 * untimed runs), each with fork() + execvp(), its stdout and stderr read from one pipe to EOF, then
 * waitpid(); prints each successful run's wall time in microseconds, one a line, on stdout. A run
 * succeeds when the command exits 0 and printed exactly EXPECT. Stops early after MAX_SECONDS.
 * The last line on stderr is "spawn-timer: ok N failed M". With SPAWN_TIMER_GAP_USEC set, it pauses that
 * long before each run, as bench/run's spaced jobs do. Built and copied into the container by bench/run;
 * not part of the project's build.
 *
 *   spawn-timer RUNS WARMUP MAX_SECONDS EXPECT CMD [ARGS...]
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* One run: 0 when it exited 0 and printed expect; the output goes to out (NUL-terminated, capped). */
static int run_once(char **argv, const char *expect, char *out, size_t out_size) {
        int p[2], status;
        size_t len = 0;
        pid_t pid;

        if (pipe(p) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                int e = errno;
                close(p[0]);
                close(p[1]);
                return -e;
        }
        if (pid == 0) {
                close(p[0]);
                if (dup2(p[1], STDOUT_FILENO) < 0 || dup2(p[1], STDERR_FILENO) < 0)
                        _exit(126);
                if (p[1] > STDERR_FILENO)
                        close(p[1]);
                execvp(argv[0], argv);
                _exit(127);
        }
        close(p[1]);
        for (;;) {
                char buf[4096];
                ssize_t n = read(p[0], buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                size_t take = (size_t) n;
                if (take > out_size - 1 - len)
                        take = out_size - 1 - len;
                memcpy(out + len, buf, take);
                len += take;
        }
        out[len] = 0;
        close(p[0]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return 1;
        return strcmp(out, expect) == 0 ? 0 : 2;
}

int main(int argc, char **argv) {
        char out[4096], *end;
        long runs, warmup, max_seconds;
        long ok = 0, failed = 0;

        if (argc < 6) {
                fprintf(stderr, "usage: spawn-timer RUNS WARMUP MAX_SECONDS EXPECT CMD [ARGS...]\n");
                return 2;
        }
        runs = strtol(argv[1], &end, 10);
        if (*end || runs < 1 || runs > 100000)
                return fprintf(stderr, "spawn-timer: bad RUNS %s\n", argv[1]), 2;
        warmup = strtol(argv[2], &end, 10);
        if (*end || warmup < 0 || warmup > 10000)
                return fprintf(stderr, "spawn-timer: bad WARMUP %s\n", argv[2]), 2;
        max_seconds = strtol(argv[3], &end, 10);
        if (*end || max_seconds < 1 || max_seconds > 3600)
                return fprintf(stderr, "spawn-timer: bad MAX_SECONDS %s\n", argv[3]), 2;
        /* The expected output is given with C escapes for newlines: "hi\n". */
        char expect[256];
        size_t e = 0;
        for (const char *s = argv[4]; *s && e < sizeof(expect) - 1; s++) {
                if (s[0] == '\\' && s[1] == 'n') {
                        expect[e++] = '\n';
                        s++;
                } else
                        expect[e++] = *s;
        }
        expect[e] = 0;

        const char *gap_env = getenv("SPAWN_TIMER_GAP_USEC");
        long gap_usec = gap_env ? strtol(gap_env, NULL, 10) : 0;
        double deadline = now_us() + max_seconds * 1e6;
        for (long i = 0; i < warmup + runs && now_us() < deadline; i++) {
                if (gap_usec > 0)
                        nanosleep(&(struct timespec) { gap_usec / 1000000, gap_usec % 1000000 * 1000 }, NULL);
                double t0 = now_us();
                int r = run_once(argv + 5, expect, out, sizeof(out));
                double t1 = now_us();
                if (r != 0) {
                        if (failed++ == 0)
                                fprintf(stderr, "spawn-timer: first failure (%s): %.300s\n",
                                        r < 0 ? strerror(-r) : r == 1 ? "nonzero exit" : "unexpected output", out);
                        continue;
                }
                if (i < warmup)
                        continue;
                ok++;
                printf("%.1f\n", t1 - t0);
        }
        fflush(stdout);
        fprintf(stderr, "spawn-timer: ok %ld failed %ld\n", ok, failed);
        return 0;
}
