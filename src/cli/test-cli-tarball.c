/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Packing a project and unpacking outputs, including archives built to escape the output directory. */

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "cli-tarball.h"
#include "cli-unpack.h"
#include "tests.h"

static char root[] = "/tmp/test-cli-tarball-XXXXXX";

static void write_file(const char *path, const char *content, mode_t mode) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, content, strlen(content)), (ssize_t) strlen(content));
        close(fd);
}

static char *read_file(const char *path) {
        static char buf[256];
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        ASSERT_TRUE(n >= 0);
        buf[n] = 0;
        return buf;
}

static int memfd_with(const void *data, size_t size) {
        int fd = memfd_create("archive", MFD_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, data, size), (ssize_t) size);
        return fd;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

TEST(round_trip) {
        ASSERT_OK(mkdir("proj", 0755));
        ASSERT_OK(mkdir("proj/sub", 0755));
        ASSERT_OK(mkdir("proj/empty", 0755));
        write_file("proj/main.py", "print('hi')\n", 0644);
        write_file("proj/sub/run.sh", "#!/bin/sh\necho\n", 0755);
        ASSERT_OK(symlink("/etc/passwd", "proj/link"));
        ASSERT_OK(mkfifo("proj/fifo", 0644));

        _cleanup_(tarball_freep) Tarball *t = NULL;
        ASSERT_OK(tarball_build((char *[]) { "proj" }, 1, &t));
        ASSERT_EQ(t->n_files, 2);
        ASSERT_STREQ(t->files[0], "main.py");
        ASSERT_STREQ(t->files[1], "sub/run.sh");
        ASSERT_EQ(t->n_skipped, 2);
        /* What /run could not carry: an exec bit, a directory with no file beneath it. */
        ASSERT_EQ(t->n_executables, 1);
        ASSERT_STREQ(t->executables[0], "sub/run.sh");
        ASSERT_EQ(t->n_dirs_without_files, 1);
        ASSERT_TRUE(tarball_contains(t, "sub/run.sh"));
        ASSERT_TRUE(!tarball_contains(t, "link"));
        ASSERT_TRUE(!tarball_contains(t, "proj/main.py"));
        /* gzip magic */
        ASSERT_TRUE(t->size > 2 && ((uint8_t *) t->data)[0] == 0x1f && ((uint8_t *) t->data)[1] == 0x8b);

        ASSERT_OK(mkdir("out", 0755));
        int dir = open("out", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int fd = memfd_with(t->data, t->size);
        UnpackStats stats;
        ASSERT_OK(unpack_archive_fd(fd, dir, &stats));
        ASSERT_EQ(stats.n_files, 2);
        ASSERT_EQ(stats.n_skipped, 0);
        ASSERT_TRUE(stats.n_dirs >= 2);
        ASSERT_STREQ(read_file("out/main.py"), "print('hi')\n");
        ASSERT_STREQ(read_file("out/sub/run.sh"), "#!/bin/sh\necho\n");
        struct stat st;
        ASSERT_OK(stat("out/sub/run.sh", &st));
        ASSERT_TRUE(st.st_mode & 0100);
        ASSERT_OK(stat("out/main.py", &st));
        ASSERT_TRUE(!(st.st_mode & 0100));
        ASSERT_OK(stat("out/empty", &st));
        ASSERT_TRUE(S_ISDIR(st.st_mode));

        /* Unpacking again overwrites the files rather than failing. */
        ASSERT_OK(unpack_archive_fd(fd, dir, &stats));
        ASSERT_EQ(stats.n_files, 2);
        close(fd);
        close(dir);

        /* Read back in memory, as `sandrun run` sends a small project to /run. */
        ASSERT_EQ(t->input_bytes, strlen("print('hi')\n") + strlen("#!/bin/sh\necho\n"));
        TarballFile *files = NULL;
        size_t n = 0;
        ASSERT_OK(tarball_read_files(t, NULL, &files, &n));
        ASSERT_EQ(n, 2);
        for (size_t i = 0; i < n; i++) {
                bool main_py = streq(files[i].name, "main.py");
                ASSERT_TRUE(main_py || streq(files[i].name, "sub/run.sh"));
                ASSERT_STREQ(files[i].data, main_py ? "print('hi')\n" : "#!/bin/sh\necho\n");
                ASSERT_EQ(files[i].size, strlen(files[i].data));
        }
        tarball_files_free(files, n);
        ASSERT_OK(tarball_read_files(t, "sub/run.sh", &files, &n));
        ASSERT_EQ(n, 1);
        ASSERT_STREQ(files[0].data, "#!/bin/sh\necho\n");
        tarball_files_free(files, n);
        ASSERT_OK(tarball_read_files(t, "none", &files, &n));
        ASSERT_EQ(n, 0);
        tarball_files_free(files, n);

        /* A damaged archive is refused, not half read. */
        ((uint8_t *) t->data)[t->size / 2] ^= 0xff;
        ASSERT_ERROR(tarball_read_files(t, NULL, &files, &n), EBADMSG);
}

TEST(stored_name) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        ASSERT_OK(tarball_stored_name("./src//main.py", &a));
        ASSERT_STREQ(a, "src/main.py");
        /* Absolute and climbing paths keep only their base name. */
        ASSERT_OK(tarball_stored_name("/tmp/x/main.py", &b));
        ASSERT_STREQ(b, "main.py");
        ASSERT_OK(tarball_stored_name("../up.py", &c));
        ASSERT_STREQ(c, "up.py");
}

TEST(file_names) {
        write_file("single.py", "x\n", 0644);
        _cleanup_(tarball_freep) Tarball *t = NULL;
        char abs[512];
        snprintf(abs, sizeof abs, "%s/proj/sub/run.sh", root);
        /* Relative paths are kept; absolute ones and those with ".." keep only their base name. */
        ASSERT_OK(tarball_build((char *[]) { "single.py", "./proj/main.py", abs }, 3, &t));
        ASSERT_EQ(t->n_files, 3);
        ASSERT_STREQ(t->files[0], "proj/main.py");
        ASSERT_STREQ(t->files[1], "run.sh");
        ASSERT_STREQ(t->files[2], "single.py");

        Tarball *u = NULL;
        /* Two inputs under one name. */
        ASSERT_ERROR(tarball_build((char *[]) { "proj", "proj/sub/../main.py", "single.py" }, 3, &u), EEXIST);
        snprintf(abs, sizeof abs, "%s/proj/main.py", root);
        ASSERT_ERROR(tarball_build((char *[]) { "proj", abs }, 2, &u), EEXIST);
        ASSERT_ERROR(tarball_build((char *[]) { "missing" }, 1, &u), ENOENT);
        ASSERT_ERROR(tarball_build((char *[]) { "proj/fifo" }, 1, &u), EINVAL);
        ASSERT_TRUE(u == NULL);
}

/* A hostile archive, written entry by entry. */
static void add(struct archive *a, const char *name, mode_t type, const char *content, const char *link) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, 0644);
        if (link && type == AE_IFLNK)
                archive_entry_set_symlink(e, link);
        else if (link)
                archive_entry_set_hardlink(e, link);
        size_t n = content ? strlen(content) : 0;
        archive_entry_set_size(e, n);
        ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK);
        if (n > 0)
                ASSERT_EQ(archive_write_data(a, content, n), (la_ssize_t) n);
        archive_entry_free(e);
}

TEST(hostile_archive) {
        static char buf[64 * 1024];
        size_t used = 0;
        struct archive *a = archive_write_new();
        archive_write_set_format_pax_restricted(a);
        archive_write_add_filter_gzip(a);
        ASSERT_EQ(archive_write_open_memory(a, buf, sizeof buf, &used), ARCHIVE_OK);
        add(a, "good.txt", AE_IFREG, "good", NULL);
        add(a, "/tmp/abs-escape.txt", AE_IFREG, "bad", NULL);
        add(a, "../dotdot-escape.txt", AE_IFREG, "bad", NULL);
        add(a, "ok/../../deep-escape.txt", AE_IFREG, "bad", NULL);
        add(a, "link", AE_IFLNK, NULL, "../outside");
        add(a, "link/through-symlink.txt", AE_IFREG, "bad", NULL);
        add(a, "pre/through-existing-symlink.txt", AE_IFREG, "bad", NULL);
        add(a, "pre", AE_IFREG, "bad", NULL);
        add(a, "hard", AE_IFREG, NULL, "good.txt");
        add(a, "dev", AE_IFCHR, NULL, NULL);
        add(a, "fifo", AE_IFIFO, NULL, NULL);
        add(a, "./", AE_IFDIR, NULL, NULL);
        add(a, "nested/dir/fine.txt", AE_IFREG, "fine", NULL);
        ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
        archive_write_free(a);

        ASSERT_OK(mkdir("outside", 0755));
        ASSERT_OK(mkdir("hostile", 0755));
        ASSERT_OK(symlink("../outside", "hostile/pre"));
        int dir = open("hostile", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int fd = memfd_with(buf, used);
        UnpackStats stats;
        ASSERT_OK(unpack_archive_fd(fd, dir, &stats));
        close(fd);
        close(dir);

        /* "link" was skipped, so "link/through-symlink.txt" lands in a plain directory, inside. */
        ASSERT_EQ(stats.n_files, 3);
        ASSERT_EQ(stats.n_skipped, 9);
        ASSERT_STREQ(read_file("hostile/good.txt"), "good");
        ASSERT_STREQ(read_file("hostile/nested/dir/fine.txt"), "fine");
        ASSERT_TRUE(read_file("/tmp/abs-escape.txt") == NULL);
        ASSERT_TRUE(read_file("dotdot-escape.txt") == NULL);
        ASSERT_TRUE(read_file("deep-escape.txt") == NULL);
        ASSERT_TRUE(read_file("outside/through-symlink.txt") == NULL);
        ASSERT_STREQ(read_file("hostile/link/through-symlink.txt"), "bad");
        ASSERT_TRUE(read_file("outside/through-existing-symlink.txt") == NULL);
        struct stat st;
        ASSERT_OK(lstat("hostile/link", &st));
        ASSERT_TRUE(S_ISDIR(st.st_mode));
        ASSERT_ERROR(lstat("hostile/hard", &st) < 0 ? -errno : 0, ENOENT);
        ASSERT_ERROR(lstat("hostile/dev", &st) < 0 ? -errno : 0, ENOENT);
        /* The symlink that was there is left as it was. */
        ASSERT_OK(lstat("hostile/pre", &st));
        ASSERT_TRUE(S_ISLNK(st.st_mode));
        DIR *d = opendir("outside");
        int n = 0;
        while (readdir(d))
                n++;
        closedir(d);
        ASSERT_EQ(n, 2);        /* "." and ".." */
}

TEST(corrupt_archive) {
        static const char garbage[] = "\x1f\x8b\x08\x00 this is not gzip at all";
        int dir = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int fd = memfd_with(garbage, sizeof garbage);
        UnpackStats stats;
        ASSERT_ERROR(unpack_archive_fd(fd, dir, &stats), EBADMSG);
        close(fd);
        fd = memfd_with("plain text, no archive", 22);
        ASSERT_ERROR(unpack_archive_fd(fd, dir, &stats), EBADMSG);
        close(fd);
        close(dir);
}

int main(void) {
        ASSERT_TRUE(mkdtemp(root));
        ASSERT_OK(chdir(root));
        RUN(round_trip);
        RUN(stored_name);
        RUN(file_names);
        RUN(hostile_archive);
        RUN(corrupt_archive);
        ASSERT_OK(chdir("/"));
        ASSERT_OK(nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS));
        return 0;
}
