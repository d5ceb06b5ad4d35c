/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "archive-util.h"
#include "cli-archive-path.h"
#include "cli-unpack.h"
#include "macro.h"

/* Failures that mean the entry itself is refused (a symlink or file in its way): skip it and go on. */
static bool is_refusal(int r) {
        return r == -ELOOP || r == -ENOTDIR || r == -EISDIR || r == -EEXIST || r == -EINVAL;
}

/*
 * Opens (creating when asked) every directory of `path` below dir_fd except the last component, never
 * following a symlink, and returns an fd for the directory that holds the last component.
 */
static int open_parent(int dir_fd, char *path, bool include_last, const char **ret_last) {
        _cleanup_close_ int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return negative_errno();

        char *component = path;
        for (;;) {
                char *slash = strchr(component, '/');
                if (!slash && !include_last)
                        break;
                if (slash)
                        *slash = 0;

                if (mkdirat(fd, component, 0755) < 0 && errno != EEXIST)
                        return negative_errno();
                int child = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (slash)
                        *slash = '/';
                if (child < 0)
                        return negative_errno();
                safe_close(fd);
                fd = child;

                if (!slash)
                        break;
                component = slash + 1;
        }
        if (ret_last)
                *ret_last = component;
        return TAKE_FD(fd);
}

static int write_entry_data(struct archive *a, int fd, uint64_t *bytes) {
        for (;;) {
                const void *block;
                size_t size;
                la_int64_t offset;
                int r = archive_read_data_block(a, &block, &size, &offset);
                if (r == ARCHIVE_EOF)
                        return 0;
                if (r != ARCHIVE_OK)
                        return -EBADMSG;
                if (offset < 0 || (uint64_t) offset + size > UNPACK_BYTES_MAX ||
                    *bytes + size > UNPACK_BYTES_MAX)
                        return -EFBIG;
                for (size_t done = 0; done < size;) {
                        ssize_t n = pwrite(fd, (const char *) block + done, size - done, offset + done);
                        if (n < 0)
                                return negative_errno();
                        done += n;
                }
                *bytes += size;
        }
}

static int unpack_file(struct archive *a, struct archive_entry *e, int dir_fd, char *path, uint64_t *bytes) {
        const char *last;
        _cleanup_close_ int parent = open_parent(dir_fd, path, false, &last);
        if (parent < 0)
                return parent;

        mode_t mode = (archive_entry_perm(e) & 0111) ? 0755 : 0644;
        _cleanup_close_ int fd = openat(parent, last, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return negative_errno();
        /* Only regular files get rewritten; anything else there is left alone. */
        struct stat st;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EEXIST;
        if (fchmod(fd, mode) < 0)
                return negative_errno();

        int r = write_entry_data(a, fd, bytes);
        if (r < 0)
                return r;
        /* Sparse archives end on a hole: the file must still get its full length. */
        if (archive_entry_size_is_set(e) && ftruncate(fd, archive_entry_size(e)) < 0)
                return negative_errno();
        return 0;
}

int unpack_archive_fd(int archive_fd, int dir_fd, UnpackStats *ret_stats) {
        if (lseek(archive_fd, 0, SEEK_SET) < 0)
                return negative_errno();

        _cleanup_(archive_read_freep) struct archive *a = archive_read_new();
        if (!a)
                return -ENOMEM;
        archive_read_support_format_tar(a);
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_none(a);
        if (archive_read_open_fd(a, archive_fd, 64 * 1024) != ARCHIVE_OK)
                return -EBADMSG;

        UnpackStats stats = {};
        size_t n_entries = 0;
        for (;;) {
                struct archive_entry *e;
                int r = archive_read_next_header(a, &e);
                if (r == ARCHIVE_EOF)
                        break;
                if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
                        return -EBADMSG;
                if (++n_entries > UNPACK_ENTRIES_MAX)
                        return -EFBIG;

                const char *name = archive_entry_pathname(e);
                _cleanup_free_ char *path = NULL;
                mode_t type = archive_entry_filetype(e);
                if (!name || archive_path_check(name, strlen(name), &path) < 0 ||
                    archive_entry_hardlink(e) || (type != AE_IFREG && type != AE_IFDIR)) {
                        stats.n_skipped++;
                        continue;
                }
                if (path[0] == 0)       /* "./": the directory we unpack into */
                        continue;

                if (type == AE_IFDIR) {
                        r = open_parent(dir_fd, path, true, NULL);
                        if (r >= 0) {
                                safe_close(r);
                                stats.n_dirs++;
                        }
                } else {
                        r = unpack_file(a, e, dir_fd, path, &stats.bytes);
                        if (r >= 0)
                                stats.n_files++;
                }
                if (r < 0) {
                        if (!is_refusal(r))
                                return r;
                        stats.n_skipped++;
                }
        }

        if (ret_stats)
                *ret_stats = stats;
        return 0;
}
