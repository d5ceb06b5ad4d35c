/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sandrun-stage: runs inside a batch job's sandbox (its namespaces, seccomp filter and unprivileged uid,
 * in the work directory) to unpack the uploads before the entrypoint and to pack the outputs after it.
 * The daemon itself never touches the job's file tree.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "io-util.h"
#include "listing.h"
#include "macro.h"
#include "pack.h"
#include "stage-exit.h"
#include "unbundle.h"
#include "upload-path.h"

#define CHANNEL_FD 3    /* the bundle for unpack, the listing for pack */

typedef struct Options {
        uint64_t max_bytes;
        uint64_t max_entries;
        uint64_t max_ratio;
        const char *executable;
} Options;

static void help(void) {
        printf("Usage: sandrun-stage [OPTIONS] unpack\n"
               "       sandrun-stage [OPTIONS] pack PATTERN...\n"
               "\n"
               "Runs inside a sandrun job's sandbox, in the work directory (the current directory).\n"
               "\n"
               "  unpack   Reads a bundle from fd 3, which must be a regular file or memfd (read with\n"
               "           pread from offset 0), and writes its files into the current directory and\n"
               "           unpacks its archives (tar, tar.gz, zip) there.\n"
               "  pack     Writes the regular files below the current directory whose paths match any\n"
               "           PATTERN (*, ?, [...], ** for any number of directories) to stdout as a\n"
               "           tar.gz, and one JSON line per file packed to fd 3:\n"
               "               {\"path\":\"results/a.csv\",\"size\":123}\n"
               "           Symlinks are never followed nor packed. Every argument after \"pack\" is a\n"
               "           pattern, even one that starts with '-'.\n"
               "\n"
               "Options (before the command):\n"
               "  --max-bytes=N       bytes of file content in all\n"
               "                      (unpack: %" PRIu64 ", pack: %" PRIu64 ")\n"
               "  --max-entries=N     files and archive entries (unpack: %" PRIu64 "),\n"
               "                      files (pack: %" PRIu64 ")\n"
               "  --max-ratio=N       unpack: bytes an archive may expand to per byte read (%" PRIu64 ")\n"
               "  --executable=PATH   unpack: then make the file PATH executable\n"
               "  -h --help           show this help\n"
               "\n"
               "Exit status: 0 done, 1 failed, 2 usage error, 3 bad input (malformed bundle, refused\n"
               "path, archive or pattern), 4 too big (a limit was hit or the work directory is full).\n"
               "On failure one line on stderr says why; it never quotes file contents.\n",
               extract_limits_default.max_bytes, pack_limits_default.max_bytes,
               extract_limits_default.max_entries, pack_limits_default.max_files,
               extract_limits_default.max_ratio);
}

static int parse_count(const char *s, uint64_t *ret) {
        unsigned long long v;
        char *end;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || end == s || *end || v == 0 || s[0] == '-')
                return -EINVAL;
        *ret = v;
        return 0;
}

/* Parses the options; returns the index of the command, or -1 after printing why not. */
static int parse_argv(int argc, char **argv, Options *o) {
        enum { ARG_MAX_BYTES = 0x100, ARG_MAX_ENTRIES, ARG_MAX_RATIO, ARG_EXECUTABLE };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "max-bytes", required_argument, NULL, ARG_MAX_BYTES },
                { "max-entries", required_argument, NULL, ARG_MAX_ENTRIES },
                { "max-ratio", required_argument, NULL, ARG_MAX_RATIO },
                { "executable", required_argument, NULL, ARG_EXECUTABLE },
                {}
        };
        int c;

        /* "+": stop at the command, so that patterns after it are never taken for options. */
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        exit(STAGE_EXIT_OK);
                case ARG_MAX_BYTES:
                case ARG_MAX_ENTRIES:
                case ARG_MAX_RATIO: {
                        uint64_t *v = c == ARG_MAX_BYTES ? &o->max_bytes :
                                      c == ARG_MAX_ENTRIES ? &o->max_entries : &o->max_ratio;

                        if (parse_count(optarg, v) < 0) {
                                fprintf(stderr, "sandrun-stage: invalid number: %s\n", optarg);
                                return -1;
                        }
                        break;
                }
                case ARG_EXECUTABLE:
                        o->executable = optarg;
                        break;
                default:
                        return -1;
                }

        if (optind >= argc) {
                fprintf(stderr, "sandrun-stage: no command given (see --help)\n");
                return -1;
        }
        return optind;
}

static int fail(StageExit status, const char *why) {
        fprintf(stderr, "sandrun-stage: %s\n", why);
        return status;
}

static int fail_errno(int error, const char *why) {
        if (error == -ENOMEM)
                why = "out of memory";
        return fail(stage_exit_from_error(error), why ?: strerror(-error));
}

static int make_executable(int dirfd, const char *path) {
        _cleanup_free_ char *normal = NULL;
        _cleanup_close_ int dir = -EBADF, fd = -EBADF;
        const char *base;
        struct stat st;
        int r;

        r = upload_path_normalize(path, strlen(path), &normal, NULL);
        if (r < 0)
                return r;
        r = beneath_open_parent(dirfd, normal, false, 0, &dir, &base);
        if (r < 0)
                return r;
        fd = openat(dir, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        if (fchmod(fd, (st.st_mode & 0777) | 0111) < 0)
                return -errno;
        return 0;
}

static int run_unpack(int dirfd, const Options *o) {
        ExtractLimits limits = {
                .max_bytes = o->max_bytes,
                .max_entries = o->max_entries,
                .max_ratio = o->max_ratio,
        };
        ExtractUsage usage = {};
        const char *why = NULL;
        int r;

        umask(022);
        r = unbundle(CHANNEL_FD, dirfd, &limits, &usage, &why);
        if (r < 0)
                return fail_errno(r, why);

        if (o->executable) {
                r = make_executable(dirfd, o->executable);
                if (r < 0)
                        return fail(STAGE_EXIT_BAD_INPUT,
                                    "the file to make executable is not an uploaded file");
        }
        return STAGE_EXIT_OK;
}

/* Writes one line of the listing to fd 3. */
static int list_file(const char *path, uint64_t size, void *userdata) {
        _cleanup_free_ char *line = NULL;
        int r;

        r = listing_format_line(path, size, &line);
        if (r < 0)
                return r;
        return loop_write(CHANNEL_FD, line, strlen(line));
}

static int run_pack(int dirfd, char **patterns, const Options *o) {
        PackLimits limits = {
                .max_bytes = o->max_bytes,
                .max_files = o->max_entries,
        };
        const char *why = NULL;
        int r;

        if (o->max_ratio || o->executable)
                return fail(STAGE_EXIT_USAGE, "--max-ratio and --executable are for unpack only");

        r = pack_outputs(dirfd, patterns, &limits, STDOUT_FILENO, list_file, NULL, NULL, &why);
        if (r < 0)
                return fail_errno(r, why);
        return STAGE_EXIT_OK;
}

int main(int argc, char **argv) {
        _cleanup_close_ int dirfd = -EBADF;
        Options o = {};
        int cmd;

        cmd = parse_argv(argc, argv, &o);
        if (cmd < 0)
                return STAGE_EXIT_USAGE;

        /* A reader that goes away should give an error to report, not a silent death. */
        (void) signal(SIGPIPE, SIG_IGN);

        if (fcntl(CHANNEL_FD, F_GETFD) < 0)
                return fail(STAGE_EXIT_USAGE, "fd 3 is not open");
        dirfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return fail_errno(-errno, "cannot open the work directory");

        if (streq(argv[cmd], "unpack")) {
                if (cmd + 1 != argc)
                        return fail(STAGE_EXIT_USAGE, "unpack takes no arguments");
                return run_unpack(dirfd, &o);
        }
        if (streq(argv[cmd], "pack"))
                return run_pack(dirfd, argv + cmd + 1, &o);

        return fail(STAGE_EXIT_USAGE, "unknown command (see --help)");
}
