/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "cli-exit.h"
#include "cli-project.h"
#include "cli-run.h"
#include "cli-watch.h"
#include "macro.h"

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVE_SELF | IN_DELETE_SELF)

bool watch_event_is_save(uint32_t mask, const char *event_name, const char *target_name) {
        if (!event_name || !target_name || !streq(event_name, target_name))
                return false;
        /* Plain writes (IN_MODIFY) come before the close; waiting for it sees the whole file. */
        return mask & (IN_CLOSE_WRITE | IN_MOVED_TO);
}

static void print_separator(unsigned run, const char *path, bool tty) {
        char when[16] = "";
        time_t now = time(NULL);
        struct tm tm;
        if (localtime_r(&now, &tm))
                strftime(when, sizeof when, "%H:%M:%S", &tm);

        fprintf(stderr, "%s── run %u · %s · %s ──────────%s\n",
                tty ? "\033[1;36m" : "", run, when, path, tty ? "\033[0m" : "");
}

static void print_result(int exit_code, const JobReply *j, bool tty) {
        const char *colour = !tty ? "" : exit_code == 0 ? "\033[32m" : "\033[31m";
        if (j && j->has_metrics)
                fprintf(stderr, "%s── exit %d · cpu %.2f s · %.1f MB · wall %.2f s%s\n", colour, exit_code,
                        j->cpu_seconds, j->memory_mb, j->wall_seconds, tty ? "\033[0m" : "");
        else
                fprintf(stderr, "%s── exit %d%s\n", colour, exit_code, tty ? "\033[0m" : "");
        if (!tty)
                return;
        fprintf(stderr, "\033[2mwatching for changes, Ctrl+C to stop\033[0m\n");
}

/* A watched file: the inotify watch of its directory, and its name there. */
typedef struct WatchTarget {
        int wd;
        char *name;
} WatchTarget;

/* Waits until a save of one of the targets is followed by WATCH_SETTLE_MSEC of quiet. */
static int wait_for_save(int fd, const WatchTarget *targets, size_t n_targets) {
        bool saved = false;

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int n = poll(&p, 1, saved ? WATCH_SETTLE_MSEC : -1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        return 0;       /* saved, then quiet */

                char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
                ssize_t len = read(fd, buf, sizeof buf);
                if (len < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                continue;
                        return negative_errno();
                }
                for (char *q = buf; q < buf + len;) {
                        const struct inotify_event *e = (const struct inotify_event *) q;
                        if (e->mask & IN_IGNORED)
                                return -ENOENT;         /* the directory itself went away */
                        for (size_t i = 0; e->len > 0 && i < n_targets; i++)
                                saved = saved || (e->wd == targets[i].wd &&
                                                  watch_event_is_save(e->mask, e->name, targets[i].name));
                        q += sizeof *e + e->len;
                }
        }
}

static void watch_targets_free(WatchTarget *targets, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(targets[i].name);
        free(targets);
}

/* Editors replace a file on save, so each file's directory is watched, not the file. */
static int watch_files(int fd, char *const *paths, size_t n_paths, WatchTarget **ret) {
        WatchTarget *targets = calloc(n_paths, sizeof *targets);
        if (!targets)
                return SANDRUN_EXIT_SERVER;
        for (size_t i = 0; i < n_paths; i++) {
                _cleanup_free_ char *dir_copy = strdup(paths[i]), *base_copy = strdup(paths[i]);
                if (!dir_copy || !base_copy) {
                        watch_targets_free(targets, i);
                        return SANDRUN_EXIT_SERVER;
                }
                const char *dir = dirname(dir_copy);
                targets[i].wd = inotify_add_watch(fd, dir, WATCH_MASK | IN_ONLYDIR);
                targets[i].name = strdup(basename(base_copy));
                if (targets[i].wd < 0 || !targets[i].name) {
                        fprintf(stderr, "sandrun: cannot watch %s: %m\n", dir);
                        watch_targets_free(targets, i + 1);
                        return SANDRUN_EXIT_USAGE;
                }
        }
        *ret = targets;
        return 0;
}

int cli_watch(HttpClient *c, const CliArgs *a) {
        bool tty = isatty(STDERR_FILENO);
        bool project = a->command == CLI_RUN_PATHS;
        char *const *paths = project ? a->paths : (char *const[]) { (char *) a->program };
        size_t n_paths = project ? a->n_paths : 1;

        _cleanup_close_ int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (fd < 0) {
                fprintf(stderr, "sandrun: cannot watch files: %m\n");
                return SANDRUN_EXIT_USAGE;
        }
        WatchTarget *targets = NULL;
        int r = watch_files(fd, paths, n_paths, &targets);
        if (r != 0)
                return r;

        for (unsigned run = 1;; run++) {
                print_separator(run, paths[0], tty);
                _cleanup_(job_reply_freep) JobReply *j = NULL;
                int exit_code = project ? cli_run_paths(c, a, &j) : cli_run(c, a, a->program, &j);
                print_result(exit_code, j, tty);

                r = wait_for_save(fd, targets, n_paths);
                if (r < 0) {
                        fprintf(stderr, "sandrun: stopped watching %s: %s\n", paths[0], strerror(-r));
                        watch_targets_free(targets, n_paths);
                        return SANDRUN_EXIT_USAGE;
                }
        }
}
