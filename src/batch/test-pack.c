/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "pack.h"
#include "test-archive-util.h"
#include "tests.h"

#define L10 "llllllllll"
#define LONG_NAME L10 L10 L10 L10 L10 L10 L10 L10 L10 L10 L10 L10 L10 L10 L10 L10 L10 L10 L10 L10

static char *top_path;
static int top_fd = -EBADF;

static void put(int dirfd, const char *path, const char *content, mode_t mode) {
        _cleanup_close_ int fd = -EBADF;
        char dir[256];

        /* Make the parents; a test tree is small and trusted. */
        for (const char *slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
                memcpy(dir, path, slash - path);
                dir[slash - path] = 0;
                (void) mkdirat(dirfd, dir, 0755);
        }
        fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, content, strlen(content)), (ssize_t) strlen(content));
        ASSERT_OK(fchmod(fd, mode));
}

/* Collects the listing as "path:size;". */
static int on_file(const char *path, uint64_t size, void *userdata) {
        char *listing = userdata, item[256];

        snprintf(item, sizeof(item), "%s:%llu;", path, (unsigned long long) size);
        strcat(listing, item);
        return 0;
}

static int refuse(const char *path, uint64_t size, void *userdata) {
        return -ECANCELED;
}

/* Reads the tar.gz in fd back as "path:perm:content;" per entry. */
static void read_back(int fd, char *out, size_t size) {
        struct archive *a = archive_read_new();
        struct archive_entry *e;

        ASSERT_TRUE(a);
        ASSERT_EQ(archive_read_support_filter_gzip(a), ARCHIVE_OK);
        ASSERT_EQ(archive_read_support_format_tar(a), ARCHIVE_OK);
        ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
        ASSERT_EQ(archive_read_open_fd(a, fd, 4096), ARCHIVE_OK);
        out[0] = 0;
        while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
                char data[256] = "", item[512];
                la_ssize_t n = archive_read_data(a, data, sizeof(data) - 1);

                ASSERT_TRUE(n >= 0);
                ASSERT_EQ(archive_entry_filetype(e), AE_IFREG);
                snprintf(item, sizeof(item), "%s:%o:%s;", archive_entry_pathname(e),
                         (unsigned) archive_entry_perm(e), data);
                ASSERT_TRUE(strlen(out) + strlen(item) < size);
                strcat(out, item);
        }
        ASSERT_EQ(archive_read_free(a), ARCHIVE_OK);
}

static int make_tree(void) {
        int dir = test_subdir_new(top_fd);
        char name[64];

        put(dir, "results/a.csv", "1,2", 0644);
        put(dir, "results/b.csv", "3,4", 0600);
        put(dir, "results/notes.txt", "no", 0644);
        put(dir, "results/sub/c.csv", "5,6", 0644);
        put(dir, "results/r\xc3\xa9sum\xc3\xa9.csv", "utf8", 0644);
        put(dir, "results/bad\xff.csv", "not utf8", 0644);
        put(dir, "plot.png", "PNG", 04775);
        put(dir, ".hidden.csv", "h", 0644);
        put(dir, "long/" LONG_NAME ".csv", "long", 0644);
        ASSERT_OK(symlinkat("/etc/passwd", dir, "results/link.csv"));
        ASSERT_OK(symlinkat("results", dir, "linkdir"));
        ASSERT_OK(mkfifoat(dir, "results/fifo.csv", 0644));
        for (int i = 0; i < 100; i++) {
                snprintf(name, sizeof(name), "node_modules/m%d/index.js", i);
                put(dir, name, "js", 0644);
        }
        return dir;
}

TEST(select_and_pack) {
        char *const patterns[] = { "results/*.csv", "plot.png", "*.csv", "linkdir/*.csv", NULL };
        _cleanup_close_ int dir = make_tree();
        _cleanup_close_ int out = memfd_create("out", MFD_CLOEXEC);
        /* Few entries may be looked at: node_modules must be skipped without being read. */
        PackLimits limits = { .max_scanned = 30 };
        char listing[1024] = "", contents[2048];
        PackStats stats = {};
        const char *why = NULL;

        ASSERT_TRUE(out >= 0);
        ASSERT_OK(pack_outputs(dir, patterns, &limits, out, on_file, listing, &stats, &why));
        ASSERT_STREQ(listing,
                     ".hidden.csv:1;plot.png:3;results/a.csv:3;results/b.csv:3;"
                     "results/r\xc3\xa9sum\xc3\xa9.csv:4;");
        ASSERT_EQ(stats.files, 5);
        ASSERT_EQ(stats.bytes, 14);
        ASSERT_EQ(stats.skipped, 0);

        read_back(out, contents, sizeof(contents));
        ASSERT_STREQ(contents,
                     ".hidden.csv:644:h;plot.png:755:PNG;results/a.csv:644:1,2;results/b.csv:600:3,4;"
                     "results/r\xc3\xa9sum\xc3\xa9.csv:644:utf8;");
}

TEST(globstar) {
        char *const patterns[] = { "**/*.csv", NULL };
        _cleanup_close_ int dir = make_tree();
        _cleanup_close_ int out = memfd_create("out", MFD_CLOEXEC);
        char listing[1024] = "", contents[2048];
        const char *why = NULL;

        ASSERT_OK(pack_outputs(dir, patterns, NULL, out, on_file, listing, NULL, &why));
        ASSERT_STREQ(listing, ".hidden.csv:1;long/" LONG_NAME ".csv:4;results/a.csv:3;results/b.csv:3;"
                              "results/r\xc3\xa9sum\xc3\xa9.csv:4;results/sub/c.csv:3;");

        /* Names past tar's 100 bytes survive. */
        read_back(out, contents, sizeof(contents));
        ASSERT_TRUE(strstr(contents, ";long/" LONG_NAME ".csv:644:long;"));
}

TEST(nothing_matches) {
        char *const patterns[] = { "*.nothing", NULL };
        char *const none[] = { NULL };
        _cleanup_close_ int dir = make_tree();
        _cleanup_close_ int out = memfd_create("out", MFD_CLOEXEC);
        char listing[64] = "", contents[64];
        PackStats stats;
        const char *why = NULL;

        ASSERT_OK(pack_outputs(dir, patterns, NULL, out, on_file, listing, &stats, &why));
        ASSERT_OK(pack_outputs(dir, none, NULL, out, on_file, listing, &stats, &why));
        ASSERT_STREQ(listing, "");
        ASSERT_EQ(stats.files, 0);
        read_back(out, contents, sizeof(contents));
        ASSERT_STREQ(contents, "");
}

TEST(limits) {
        char *const patterns[] = { "**", NULL };
        _cleanup_close_ int dir = make_tree();
        _cleanup_close_ int out = memfd_create("out", MFD_CLOEXEC);
        PackLimits limits;
        const char *why = NULL;
        struct stat st;

        limits = (PackLimits) { .max_files = 3 };
        ASSERT_ERROR(pack_outputs(dir, patterns, &limits, out, NULL, NULL, NULL, &why), E2BIG);
        ASSERT_STREQ(why, "too many output files");

        limits = (PackLimits) { .max_bytes = 10 };
        ASSERT_ERROR(pack_outputs(dir, patterns, &limits, out, NULL, NULL, NULL, &why), E2BIG);
        ASSERT_STREQ(why, "outputs too large");

        limits = (PackLimits) { .max_scanned = 50 };
        ASSERT_ERROR(pack_outputs(dir, patterns, &limits, out, NULL, NULL, NULL, &why), E2BIG);
        ASSERT_STREQ(why, "too many files in the work directory");

        /* Nothing was written on the way. */
        ASSERT_OK(fstat(out, &st));
        ASSERT_EQ(st.st_size, 0);
}

TEST(errors) {
        char *const bad[] = { "ok/*", "../*", NULL };
        char *const patterns[] = { "*.csv", NULL };
        _cleanup_close_ int dir = make_tree();
        _cleanup_close_ int out = memfd_create("out", MFD_CLOEXEC);
        _cleanup_close_pair_ int pipe_fds[2] = { -EBADF, -EBADF };
        const char *why = NULL;

        ASSERT_ERROR(pack_outputs(dir, bad, NULL, out, NULL, NULL, NULL, &why), EINVAL);
        ASSERT_ERROR(pack_outputs(dir, patterns, NULL, out, refuse, NULL, NULL, &why), ECANCELED);

        /* A reader that went away. */
        ASSERT_OK(pipe2(pipe_fds, O_CLOEXEC));
        pipe_fds[0] = safe_close(pipe_fds[0]);
        ASSERT_TRUE(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
        ASSERT_TRUE(pack_outputs(dir, patterns, NULL, pipe_fds[1], NULL, NULL, NULL, &why) < 0);
        ASSERT_STREQ(why, "cannot write the archive");
}

int main(void) {
        top_fd = test_dir_new(&top_path);

        RUN(select_and_pack);
        RUN(globstar);
        RUN(nothing_matches);
        RUN(limits);
        RUN(errors);

        safe_close(top_fd);
        test_dir_remove(top_path);
        return 0;
}
