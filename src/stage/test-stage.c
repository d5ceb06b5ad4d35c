/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bundle.h"
#include "macro.h"
#include "seccomp-policy.h"
#include "stage-exit.h"
#include "test-archive-util.h"
#include "tests.h"

#define UNPRIVILEGED 65534

static const char *stage;
static char *top_path;
static int top_fd = -EBADF;
static SeccompProgram *seccomp;

typedef struct Run {
        int dir;                /* the work directory */
        int channel;            /* fd 3, or -EBADF for none */
        int out;                /* stdout, or -EBADF for /dev/null */
        bool confined;          /* as an unprivileged uid, under the jobs' seccomp policy */
        char err[4096];         /* what it said on stderr */
} Run;

static _noreturn_ void child(Run *run, char **argv, int err_fd) {
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);

        if (null < 0 || fchdir(run->dir) < 0)
                _exit(100);
        if (dup2(run->out >= 0 ? run->out : null, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
                _exit(101);
        if (run->channel >= 0 ? dup2(run->channel, 3) < 0 : (close(3), false))
                _exit(102);
        if (run->confined) {
                if (setgroups(0, NULL) < 0 || setresgid(UNPRIVILEGED, UNPRIVILEGED, UNPRIVILEGED) < 0 ||
                    setresuid(UNPRIVILEGED, UNPRIVILEGED, UNPRIVILEGED) < 0)
                        _exit(103);
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_program_install(seccomp) < 0)
                        _exit(104);
        }
        execv(stage, argv);
        _exit(105);
}

/* Runs sandrun-stage with the NULL-terminated arguments and returns its exit status. */
static int run_stage(Run *run, ...) {
        char *argv[32] = { (char *) stage };
        _cleanup_close_pair_ int err[2] = { -EBADF, -EBADF };
        size_t n = 1, len = 0;
        va_list ap;
        pid_t pid;
        int status;

        va_start(ap, run);
        for (char *a; (a = va_arg(ap, char *)); )
                argv[n++] = a;
        va_end(ap);

        ASSERT_OK(pipe2(err, O_CLOEXEC));
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0)
                child(run, argv, err[1]);
        err[1] = safe_close(err[1]);

        for (;;) {
                ssize_t k = read(err[0], run->err + len, sizeof(run->err) - 1 - len);

                ASSERT_TRUE(k >= 0);
                if (k == 0)
                        break;
                len += k;
        }
        run->err[len] = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        ASSERT_TRUE(WEXITSTATUS(status) < 100);         /* not a failure to set the child up */

        /* Failures say one line on stderr; success says nothing. */
        if (WEXITSTATUS(status) == 0)
                ASSERT_STREQ(run->err, "");
        else if (!strstr(run->err, "Usage"))
                ASSERT_TRUE(len > 0 && run->err[len - 1] == '\n' && !memchr(run->err, '\n', len - 1));
        return WEXITSTATUS(status);
}

static int work_dir(bool confined) {
        int fd = test_subdir_new(top_fd);

        if (confined)
                ASSERT_OK(fchown(fd, UNPRIVILEGED, UNPRIVILEGED));
        return fd;
}

static int new_memfd(void) {
        int fd = memfd_create("stage-test", MFD_CLOEXEC);

        ASSERT_TRUE(fd >= 0);
        return fd;
}

static int make_bundle(const TestEntry *archive_entries, size_t n) {
        _cleanup_(bundle_writer_freep) BundleWriter *w = NULL;
        _cleanup_free_ void *archive = NULL;
        int fd = new_memfd();
        const char *why;
        size_t len;

        ASSERT_OK(bundle_writer_new(&w, fd, UINT64_C(1) << 30));
        ASSERT_OK(bundle_writer_begin_file(w, "main.py", &why));
        ASSERT_OK(bundle_writer_write(w, "print(1)\n", 9));
        ASSERT_OK(bundle_writer_end(w));
        ASSERT_OK(bundle_writer_begin_file(w, "run.sh", &why));
        ASSERT_OK(bundle_writer_write(w, "#!/bin/sh\n", 10));
        ASSERT_OK(bundle_writer_end(w));
        if (n > 0) {
                archive = test_archive_build(TEST_TAR_GZ, archive_entries, n, &len);
                ASSERT_OK(bundle_writer_begin_archive(w));
                ASSERT_OK(bundle_writer_write(w, archive, len));
                ASSERT_OK(bundle_writer_end(w));
        }
        return fd;
}

static char *read_all(int fd) {
        struct stat st;
        char *buf;

        ASSERT_OK(fstat(fd, &st));
        buf = malloc(st.st_size + 1);
        ASSERT_TRUE(buf);
        ASSERT_EQ(pread(fd, buf, st.st_size, 0), st.st_size);
        buf[st.st_size] = 0;
        return buf;
}

static void unpack_and_pack(bool confined) {
        static const TestEntry entries[] = {
                { .path = "data/in.csv", .data = "1,2\n" },
                { .path = "data/more.csv", .data = "3,4\n" },
                { .path = "data/link.csv", .type = AE_IFLNK, .link = "in.csv" },
        };
        _cleanup_close_ int dir = work_dir(confined), bundle = make_bundle(entries, ELEMENTSOF(entries));
        _cleanup_close_ int out = new_memfd(), listing = new_memfd();
        _cleanup_free_ char *text = NULL, *main_py = NULL;
        Run run = { .dir = dir, .channel = bundle, .out = -EBADF, .confined = confined };
        struct archive *a;
        struct archive_entry *e;
        char names[256] = "";
        struct stat st;

        ASSERT_EQ(run_stage(&run, "--executable=run.sh", "unpack", NULL), STAGE_EXIT_OK);
        main_py = test_read_file(dir, "main.py");
        ASSERT_STREQ(main_py, "print(1)\n");
        ASSERT_OK(fstatat(dir, "run.sh", &st, 0));
        ASSERT_EQ(st.st_mode & 0777, 0755);
        ASSERT_OK(fstatat(dir, "data/in.csv", &st, 0));
        ASSERT_EQ(st.st_uid, confined ? UNPRIVILEGED : 0);

        run = (Run) { .dir = dir, .channel = listing, .out = out, .confined = confined };
        ASSERT_EQ(run_stage(&run, "pack", "data/*.csv", "-nothing-*", "main.py", NULL), STAGE_EXIT_OK);

        text = read_all(listing);
        ASSERT_STREQ(text,
                     "{\"path\":\"data/in.csv\",\"size\":4}\n"
                     "{\"path\":\"data/more.csv\",\"size\":4}\n"
                     "{\"path\":\"main.py\",\"size\":9}\n");

        a = archive_read_new();
        ASSERT_EQ(archive_read_support_filter_gzip(a), ARCHIVE_OK);
        ASSERT_EQ(archive_read_support_format_tar(a), ARCHIVE_OK);
        ASSERT_EQ(lseek(out, 0, SEEK_SET), 0);
        ASSERT_EQ(archive_read_open_fd(a, out, 4096), ARCHIVE_OK);
        while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
                strcat(names, archive_entry_pathname(e));
                strcat(names, ";");
        }
        archive_read_free(a);
        ASSERT_STREQ(names, "data/in.csv;data/more.csv;main.py;");
}

TEST(unpack_and_pack) {
        unpack_and_pack(false);
}

TEST(unpack_and_pack_confined) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
        /* The sanitizers' runtime in the stage binary needs syscalls the jobs' policy denies. */
        fprintf(stderr, "    skipped: sandrun-stage is built with sanitizers\n");
        return;
#endif
        unpack_and_pack(true);
}

TEST(bad_input) {
        _cleanup_close_ int dir = work_dir(false), junk = new_memfd(), out = new_memfd();
        _cleanup_close_pair_ int pipe_fds[2] = { -EBADF, -EBADF };
        Run run = { .dir = dir, .channel = junk, .out = -EBADF };

        ASSERT_EQ(write(junk, "not a bundle", 12), 12);
        ASSERT_EQ(run_stage(&run, "unpack", NULL), STAGE_EXIT_BAD_INPUT);
        ASSERT_STREQ(run.err, "sandrun-stage: not a bundle\n");

        run.out = out;
        ASSERT_EQ(run_stage(&run, "pack", "../*", NULL), STAGE_EXIT_BAD_INPUT);

        /* A bundle must be readable at offsets; a pipe is not. */
        ASSERT_OK(pipe2(pipe_fds, O_CLOEXEC));
        run.channel = pipe_fds[0];
        ASSERT_EQ(run_stage(&run, "unpack", NULL), STAGE_EXIT_FAILURE);

        /* The file to make executable must be one that is there. */
        {
                _cleanup_close_ int bundle = make_bundle(NULL, 0);

                run.channel = bundle;
                ASSERT_EQ(run_stage(&run, "--executable=../etc/passwd", "unpack", NULL),
                          STAGE_EXIT_BAD_INPUT);
                ASSERT_EQ(run_stage(&run, "--executable=missing", "unpack", NULL), STAGE_EXIT_BAD_INPUT);
        }
}

TEST(too_big) {
        static const TestEntry bomb[] = { { .path = "zeros", .zeros = UINT64_C(200) << 20 } };
        _cleanup_close_ int dir = work_dir(false), bundle = make_bundle(bomb, 1), out = new_memfd();
        _cleanup_close_ int listing = new_memfd();
        Run run = { .dir = dir, .channel = bundle, .out = -EBADF };
        struct stat st;

        ASSERT_EQ(run_stage(&run, "unpack", NULL), STAGE_EXIT_TOO_BIG);
        ASSERT_STREQ(run.err, "sandrun-stage: archive expands too much\n");
        ASSERT_EQ(run_stage(&run, "--max-entries=1", "unpack", NULL), STAGE_EXIT_TOO_BIG);
        ASSERT_EQ(run_stage(&run, "--max-bytes=12", "unpack", NULL), STAGE_EXIT_TOO_BIG);

        run = (Run) { .dir = dir, .channel = listing, .out = out };
        ASSERT_EQ(run_stage(&run, "--max-entries=1", "pack", "*", NULL), STAGE_EXIT_TOO_BIG);
        ASSERT_STREQ(run.err, "sandrun-stage: too many output files\n");
        ASSERT_OK(fstat(out, &st));
        ASSERT_EQ(st.st_size, 0);
}

TEST(usage) {
        _cleanup_close_ int dir = work_dir(false), bundle = make_bundle(NULL, 0);
        Run run = { .dir = dir, .channel = bundle, .out = -EBADF };

        ASSERT_EQ(run_stage(&run, NULL), STAGE_EXIT_USAGE);
        ASSERT_EQ(run_stage(&run, "frobnicate", NULL), STAGE_EXIT_USAGE);
        ASSERT_EQ(run_stage(&run, "unpack", "extra", NULL), STAGE_EXIT_USAGE);
        ASSERT_EQ(run_stage(&run, "--max-bytes=0", "unpack", NULL), STAGE_EXIT_USAGE);
        ASSERT_EQ(run_stage(&run, "--max-bytes=-5", "unpack", NULL), STAGE_EXIT_USAGE);
        ASSERT_EQ(run_stage(&run, "--max-bytes=12x", "unpack", NULL), STAGE_EXIT_USAGE);
        ASSERT_EQ(run_stage(&run, "--bogus", "unpack", NULL), STAGE_EXIT_USAGE);
        ASSERT_EQ(run_stage(&run, "--max-ratio=5", "pack", "*", NULL), STAGE_EXIT_USAGE);
        ASSERT_EQ(run_stage(&run, "--help", NULL), STAGE_EXIT_OK);

        run.channel = -EBADF;
        ASSERT_EQ(run_stage(&run, "unpack", NULL), STAGE_EXIT_USAGE);
        ASSERT_STREQ(run.err, "sandrun-stage: fd 3 is not open\n");
}

TEST(exit_mapping) {
        ASSERT_EQ(stage_exit_from_error(0), STAGE_EXIT_OK);
        ASSERT_EQ(stage_exit_from_error(-EBADMSG), STAGE_EXIT_BAD_INPUT);
        ASSERT_EQ(stage_exit_from_error(-EINVAL), STAGE_EXIT_BAD_INPUT);
        ASSERT_EQ(stage_exit_from_error(-E2BIG), STAGE_EXIT_TOO_BIG);
        ASSERT_EQ(stage_exit_from_error(-ENOSPC), STAGE_EXIT_TOO_BIG);
        ASSERT_EQ(stage_exit_from_error(-EDQUOT), STAGE_EXIT_TOO_BIG);
        ASSERT_EQ(stage_exit_from_error(-EIO), STAGE_EXIT_FAILURE);
        ASSERT_EQ(stage_exit_from_error(-ENOMEM), STAGE_EXIT_FAILURE);
}

int main(int argc, char **argv) {
        ASSERT_TRUE(argc == 2);
        stage = realpath(argv[1], NULL);        /* the child changes directory before exec */
        ASSERT_TRUE(stage);
        ASSERT_OK(seccomp_program_compile(&seccomp));
        top_fd = test_dir_new(&top_path);
        ASSERT_OK(fchmod(top_fd, 0755));

        RUN(exit_mapping);
        RUN(usage);
        RUN(unpack_and_pack);
        RUN(unpack_and_pack_confined);
        RUN(bad_input);
        RUN(too_big);

        safe_close(top_fd);
        test_dir_remove(top_path);
        seccomp_program_free(seccomp);
        free((char *) stage);
        return 0;
}
