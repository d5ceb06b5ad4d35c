/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Files below a directory fd, reached one component at a time with O_NOFOLLOW: never through a
 * symlink, never above the directory. Paths must be normal upload paths (see upload-path.h), which
 * have no "..", "." or empty components; anything else is refused with -EINVAL.
 *
 * Used inside the sandbox, so only long-standing system calls (openat, mkdirat, ...) are used, nothing
 * a seccomp filter might answer with ENOSYS.
 */

#include <stdbool.h>
#include <sys/types.h>

/* Opens the directory at path as an O_PATH fd. With create, missing directories are made with mode
 * (masked to 0777). -ENOTDIR if a component is a file or a symlink, -ENOENT if missing. */
int beneath_open_dir(int rootfd, const char *path, bool create, mode_t mode, int *ret_fd);

/* Opens the directory that holds path's last component, as beneath_open_dir() does, and points
 * *ret_name at that component inside path. */
int beneath_open_parent(int rootfd, const char *path, bool create, mode_t mode, int *ret_dirfd,
                        const char **ret_name);

/* Creates a regular file at path for writing, with mode masked to 0777 (so never setuid, setgid or
 * sticky), making missing parent directories 0755. Whatever non-directory was at path is replaced,
 * a symlink included, whose target stays untouched; a directory there gives -EISDIR. */
int beneath_create_file(int rootfd, const char *path, mode_t mode, int *ret_fd);

/* Removes what is at path if it is not a directory: 0 if removed or absent, -EISDIR for a directory. */
int beneath_remove_non_dir(int dirfd, const char *name);
