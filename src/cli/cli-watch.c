/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "cli-exit.h"
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

/* Waits until a save of target_name is followed by WATCH_SETTLE_MSEC of quiet. */
static int wait_for_save(int fd, const char *target_name) {
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
                        if (e->len > 0 && watch_event_is_save(e->mask, e->name, target_name))
                                saved = true;
                        q += sizeof *e + e->len;
                }
        }
}

int cli_watch(HttpClient *c, const CliArgs *a) {
        bool tty = isatty(STDERR_FILENO);

        /* Editors replace the file on save, so the directory is watched, not the file. */
        _cleanup_free_ char *dir_copy = strdup(a->program), *base_copy = strdup(a->program);
        if (!dir_copy || !base_copy)
                return SANDRUN_EXIT_SERVER;
        const char *dir = dirname(dir_copy), *target = basename(base_copy);

        _cleanup_close_ int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (fd < 0 || inotify_add_watch(fd, dir, WATCH_MASK | IN_ONLYDIR) < 0) {
                fprintf(stderr, "sandrun: cannot watch %s: %m\n", dir);
                return SANDRUN_EXIT_USAGE;
        }

        for (unsigned run = 1;; run++) {
                print_separator(run, a->program, tty);
                _cleanup_(job_reply_freep) JobReply *j = NULL;
                int exit_code = cli_run(c, a, a->program, &j);
                print_result(exit_code, j, tty);

                int r = wait_for_save(fd, target);
                if (r < 0) {
                        fprintf(stderr, "sandrun: stopped watching %s: %s\n", a->program, strerror(-r));
                        return SANDRUN_EXIT_USAGE;
                }
        }
}
