/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "macro.h"
#include "upload-path.h"

/* Opens the directory name in dirfd, making it first if asked to. */
static int open_component(int dirfd, const char *name, bool create, mode_t mode) {
        int fd;

        for (unsigned attempt = 0; ; attempt++) {
                /* O_PATH with O_NOFOLLOW would open a symlink itself; O_DIRECTORY then refuses it. */
                fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0)
                        return fd;
                if (errno != ENOENT || !create || attempt > 0)
                        return -errno;
                if (mkdirat(dirfd, name, mode & 0777) < 0 && errno != EEXIST)
                        return -errno;
        }
}

/* Walks the first n bytes of path (whole components) from rootfd. */
static int walk(int rootfd, const char *path, size_t n, bool create, mode_t mode, int *ret_fd) {
        _cleanup_close_ int cur = -EBADF;
        char name[UPLOAD_PATH_COMPONENT_MAX + 1];

        cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cur < 0)
                return -errno;

        for (size_t i = 0; i < n;) {
                size_t len = strcspn(path + i, "/");
                int fd;

                len = MIN(len, n - i);
                memcpy(name, path + i, len);
                name[len] = 0;

                fd = open_component(cur, name, create, mode);
                if (fd < 0)
                        return fd;
                safe_close(cur);
                cur = fd;
                i += len + 1;
        }

        *ret_fd = TAKE_FD(cur);
        return 0;
}

int beneath_open_dir(int rootfd, const char *path, bool create, mode_t mode, int *ret_fd) {
        if (!upload_path_is_normal(path))
                return -EINVAL;
        return walk(rootfd, path, strlen(path), create, mode, ret_fd);
}

int beneath_open_parent(int rootfd, const char *path, bool create, mode_t mode, int *ret_dirfd,
                        const char **ret_name) {
        const char *slash;
        int r;

        if (!upload_path_is_normal(path))
                return -EINVAL;

        slash = strrchr(path, '/');
        r = walk(rootfd, path, slash ? (size_t) (slash - path) : 0, create, mode, ret_dirfd);
        if (r < 0)
                return r;
        *ret_name = slash ? slash + 1 : path;
        return 0;
}

int beneath_remove_non_dir(int dirfd, const char *name) {
        struct stat st;

        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int beneath_create_file(int rootfd, const char *path, mode_t mode, int *ret_fd) {
        _cleanup_close_ int dirfd = -EBADF;
        const char *name;
        int r;

        r = beneath_open_parent(rootfd, path, true, 0755, &dirfd, &name);
        if (r < 0)
                return r;

        for (unsigned attempt = 0; ; attempt++) {
                int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                mode & 0777);

                if (fd >= 0) {
                        *ret_fd = fd;
                        return 0;
                }
                if (errno != EEXIST || attempt > 0)
                        return -errno;

                /* O_EXCL never opens what is there, symlink or not; remove it and try once more. */
                r = beneath_remove_non_dir(dirfd, name);
                if (r < 0)
                        return r;
        }
}
