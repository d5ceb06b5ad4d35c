/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "language-version.h"
#include "macro.h"

#define OUTPUT_MAX 4096
#define DETECT_TIMEOUT_MSEC 5000

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

int language_version_parse(const char *buf, size_t len, char ret[static LANGUAGE_VERSION_MAX]) {
        for (size_t i = 0; i < len; i++) {
                /* A version starts at a digit not glued to a word or another number ("x86_64", "v5" is fine). */
                if (!is_digit(buf[i]) || (i > 0 && (is_digit(buf[i - 1]) || buf[i - 1] == '.' || buf[i - 1] == '_')))
                        continue;
                size_t end = i, dots = 0;
                while (end < len && (is_digit(buf[end]) || (buf[end] == '.' && end + 1 < len && is_digit(buf[end + 1])))) {
                        if (buf[end] == '.')
                                dots++;
                        end++;
                }
                if (dots == 0 || end - i >= LANGUAGE_VERSION_MAX)
                        continue;
                memcpy(ret, buf + i, end - i);
                ret[end - i] = 0;
                return 0;
        }
        return -ENOENT;
}

extern char **environ;

int language_version_detect(const char *path, const char *const *args, char ret[static LANGUAGE_VERSION_MAX]) {
        _cleanup_close_pair_ int p[2] = { -EBADF, -EBADF };
        posix_spawn_file_actions_t fa;
        char *argv[8] = { (char *) path };
        char buf[OUTPUT_MAX];
        size_t n = 1, len = 0;
        pid_t pid;
        int r;

        for (const char *const *a = args; a && *a && n < ELEMENTSOF(argv) - 1; a++)
                argv[n++] = (char *) *a;
        argv[n] = NULL;
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        /* Exec'd, never a forked copy of the daemon: posix_spawn uses vfork semantics. */
        r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return -r;
        (void) posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        (void) posix_spawn_file_actions_adddup2(&fa, p[1], 1);
        (void) posix_spawn_file_actions_adddup2(&fa, p[1], 2);
        char *envp[] = { (char *) "PATH=/usr/bin:/bin", (char *) "LANG=C", NULL };
        r = posix_spawn(&pid, path, &fa, NULL, argv, envp);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return -r;
        p[1] = safe_close(p[1]);

        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                long spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
                struct pollfd pfd = { .fd = p[0], .events = POLLIN };
                if (spent >= DETECT_TIMEOUT_MSEC || poll(&pfd, 1, DETECT_TIMEOUT_MSEC - spent) <= 0)
                        break;
                ssize_t k = read(p[0], buf + len, sizeof(buf) - len);
                if (k <= 0)
                        break;
                len += k;
                if (len == sizeof(buf))
                        break;
        }
        (void) kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
        return language_version_parse(buf, len, ret);
}
