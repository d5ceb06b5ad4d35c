/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "macro.h"
#include "test-archive-util.h"
#include "tests.h"

TEST(walks) {
        _cleanup_free_ char *top = NULL;
        _cleanup_close_ int root = -EBADF, outside = -EBADF, fd = -EBADF, dir = -EBADF;
        const char *name = NULL;
        struct stat st;
        char *path = NULL;

        root = test_dir_new(&path);
        top = path;
        ASSERT_OK(mkdirat(root, "work", 0755));
        ASSERT_OK(mkdirat(root, "outside", 0755));
        outside = openat(root, "outside", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        safe_close(root);
        root = openat(outside, "../work", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(root >= 0 && outside >= 0);

        /* Creating makes the parents, with the mode asked for. */
        umask(022);
        ASSERT_OK(beneath_create_file(root, "a/b/c.txt", 04755, &fd));
        ASSERT_EQ(write(fd, "hi", 2), 2);
        ASSERT_OK(fstat(fd, &st));
        ASSERT_EQ(st.st_mode & 07777, 0755);
        fd = safe_close(fd);
        ASSERT_OK(beneath_open_dir(root, "x/y", true, 0700, &dir));
        dir = safe_close(dir);
        ASSERT_OK(fstatat(root, "x/y", &st, 0));
        ASSERT_EQ(st.st_mode & 07777, 0700);

        ASSERT_ERROR(beneath_open_dir(root, "missing", false, 0, &dir), ENOENT);
        ASSERT_OK(beneath_open_parent(root, "a/b/c.txt", false, 0, &dir, &name));
        ASSERT_STREQ(name, "c.txt");
        dir = safe_close(dir);
        ASSERT_OK(beneath_open_parent(root, "top", false, 0, &dir, &name));
        ASSERT_STREQ(name, "top");
        dir = safe_close(dir);

        /* Paths that are not normal are refused before anything is touched. */
        ASSERT_ERROR(beneath_open_dir(root, "../outside", false, 0, &dir), EINVAL);
        ASSERT_ERROR(beneath_open_dir(root, "/tmp", false, 0, &dir), EINVAL);
        ASSERT_ERROR(beneath_open_parent(root, "./a/b", false, 0, &dir, &name), EINVAL);
        ASSERT_ERROR(beneath_create_file(root, "a/../../outside/x", 0644, &fd), EINVAL);

        /* Symlinks are never followed, whether they point in or out. */
        ASSERT_OK(symlinkat("../outside", root, "out"));
        ASSERT_OK(symlinkat("a", root, "in"));
        ASSERT_ERROR(beneath_open_dir(root, "out", false, 0, &dir), ENOTDIR);
        ASSERT_ERROR(beneath_open_dir(root, "in/b", false, 0, &dir), ENOTDIR);
        ASSERT_ERROR(beneath_create_file(root, "out/pwned", 0644, &fd), ENOTDIR);
        ASSERT_ERROR(beneath_create_file(root, "in/b/new", 0644, &fd), ENOTDIR);
        ASSERT_ERROR(fstatat(outside, "pwned", &st, 0) < 0 ? -errno : 0, ENOENT);

        /* Creating over a symlink replaces the link, not what it points to. */
        ASSERT_OK(symlinkat("../outside/victim", root, "link"));
        ASSERT_OK(beneath_create_file(root, "link", 0644, &fd));
        fd = safe_close(fd);
        ASSERT_OK(fstatat(root, "link", &st, AT_SYMLINK_NOFOLLOW));
        ASSERT_TRUE(S_ISREG(st.st_mode));
        ASSERT_ERROR(fstatat(outside, "victim", &st, 0) < 0 ? -errno : 0, ENOENT);

        /* Over a file: replaced by a new one (a hardlinked twin keeps its content). */
        ASSERT_OK(linkat(root, "a/b/c.txt", root, "twin", 0));
        ASSERT_OK(beneath_create_file(root, "a/b/c.txt", 0644, &fd));
        fd = safe_close(fd);
        ASSERT_OK(fstatat(root, "twin", &st, 0));
        ASSERT_EQ(st.st_size, 2);

        /* Never over a directory; a file in the way of a directory is not a directory. */
        ASSERT_ERROR(beneath_create_file(root, "a/b", 0644, &fd), EISDIR);
        ASSERT_ERROR(beneath_create_file(root, "twin/x", 0644, &fd), ENOTDIR);
        ASSERT_ERROR(beneath_remove_non_dir(root, "a"), EISDIR);
        ASSERT_OK(beneath_remove_non_dir(root, "nothing-here"));

        test_dir_remove(TAKE_PTR(top));
}

int main(void) {
        RUN(walks);
        return 0;
}
