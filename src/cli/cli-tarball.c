/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "archive-util.h"
#include "cli-archive-path.h"
#include "cli-tarball.h"

typedef struct Builder {
        struct archive *archive;
        Tarball *tarball;
        size_t allocated;
        uint64_t input_bytes;
        size_t n_entries;
} Builder;

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static la_ssize_t write_to_memory(struct archive *a, void *userdata, const void *buf, size_t n) {
        Builder *b = userdata;
        Tarball *t = b->tarball;

        if (t->size + n > b->allocated) {
                size_t want = MAX(t->size + n, b->allocated * 2);
                void *p = realloc(t->data, want ?: 1);
                if (!p) {
                        archive_set_error(a, ENOMEM, "out of memory");
                        return -1;
                }
                t->data = p;
                b->allocated = want;
        }
        memcpy((char *) t->data + t->size, buf, n);
        t->size += n;
        return (la_ssize_t) n;
}

static int add_name(char ***names, size_t *n, const char *name) {
        char **v = reallocarray(*names, *n + 1, sizeof *v);
        if (!v)
                return -ENOMEM;
        *names = v;
        v[*n] = strdup(name);
        if (!v[*n])
                return -ENOMEM;
        (*n)++;
        return 0;
}

static int write_header(Builder *b, const char *name, const struct stat *st) {
        if (++b->n_entries > TARBALL_FILES_MAX)
                return -EFBIG;

        _cleanup_(archive_entry_freep) struct archive_entry *e = archive_entry_new();
        if (!e)
                return -ENOMEM;
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, S_ISDIR(st->st_mode) ? AE_IFDIR : AE_IFREG);
        /* Only the exec bit matters in the sandbox; owners and odd modes of this machine do not. */
        archive_entry_set_perm(e, S_ISDIR(st->st_mode) || (st->st_mode & 0111) ? 0755 : 0644);
        archive_entry_set_size(e, S_ISREG(st->st_mode) ? st->st_size : 0);
        archive_entry_set_mtime(e, st->st_mtim.tv_sec, 0);
        if (archive_write_header(b->archive, e) != ARCHIVE_OK)
                return -EIO;
        return 0;
}

static int add_file(Builder *b, int fd, const char *name, const struct stat *st) {
        if ((uint64_t) st->st_size > TARBALL_INPUT_MAX - b->input_bytes)
                return -EFBIG;
        b->input_bytes += st->st_size;

        int r = write_header(b, name, st);
        if (r < 0)
                return r;

        char buf[64 * 1024];
        off_t left = st->st_size;
        while (left > 0) {
                ssize_t n = read(fd, buf, MIN((off_t) sizeof buf, left));
                if (n < 0)
                        return negative_errno();
                if (n == 0)
                        return -EIO;    /* shrank while we read it: the header already promised more */
                if (archive_write_data(b->archive, buf, n) != n)
                        return -EIO;
                left -= n;
        }
        Tarball *t = b->tarball;
        if ((st->st_mode & 0111) && (r = add_name(&t->executables, &t->n_executables, name)) < 0)
                return r;
        return add_name(&t->files, &t->n_files, name);
}

static int join(const char *prefix, const char *name, char **ret) {
        if (asprintf(ret, "%s%s%s", prefix, prefix[0] ? "/" : "", name) < 0)
                return -ENOMEM;
        return 0;
}

static int add_directory(Builder *b, int dir_fd, const char *prefix, unsigned depth) {
        if (depth > TARBALL_DEPTH_MAX)
                return -ELOOP;

        int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return negative_errno();
        _cleanup_(closedirp) DIR *d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return negative_errno();
        }

        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;

                _cleanup_close_ int child = openat(dirfd(d), de->d_name,
                                                   O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
                if (child < 0) {
                        /* A symlink (ELOOP) or a socket (ENXIO) is not part of a project upload. */
                        if (errno == ELOOP || errno == ENXIO) {
                                b->tarball->n_skipped++;
                                continue;
                        }
                        return negative_errno();
                }
                struct stat st;
                if (fstat(child, &st) < 0)
                        return negative_errno();

                _cleanup_free_ char *name = NULL;
                int r = join(prefix, de->d_name, &name);
                if (r < 0)
                        return r;

                if (S_ISDIR(st.st_mode)) {
                        size_t files_before = b->tarball->n_files;
                        r = write_header(b, name, &st);
                        if (r >= 0)
                                r = add_directory(b, child, name, depth + 1);
                        if (r >= 0 && b->tarball->n_files == files_before)
                                b->tarball->n_dirs_without_files++;
                } else if (S_ISREG(st.st_mode))
                        r = add_file(b, child, name, &st);
                else {
                        b->tarball->n_skipped++;
                        continue;
                }
                if (r < 0)
                        return r;
        }
        return errno > 0 ? -errno : 0;
}

int tarball_stored_name(const char *path, char **ret) {
        int r = archive_path_check(path, strlen(path), ret);
        if (r != -EINVAL)
                return r;

        const char *slash = strrchr(path, '/');
        const char *base = slash ? slash + 1 : path;
        return archive_path_check(base, strlen(base), ret);
}

static int add_path(Builder *b, const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        struct stat st;
        if (fstat(fd, &st) < 0)
                return negative_errno();

        if (S_ISDIR(st.st_mode))
                return add_directory(b, fd, "", 0);
        if (!S_ISREG(st.st_mode))
                return -EINVAL;

        _cleanup_free_ char *name = NULL;
        int r = tarball_stored_name(path, &name);
        if (r < 0)
                return r;
        if (name[0] == 0)
                return -EINVAL;
        return add_file(b, fd, name, &st);
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

Tarball *tarball_free(Tarball *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_files; i++)
                free(t->files[i]);
        free(t->files);
        for (size_t i = 0; i < t->n_executables; i++)
                free(t->executables[i]);
        free(t->executables);
        free(t->data);
        free(t);
        return NULL;
}

int tarball_build(char *const *paths, size_t n_paths, Tarball **ret) {
        _cleanup_(tarball_freep) Tarball *t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        _cleanup_(archive_write_freep) struct archive *a = archive_write_new();
        if (!a)
                return -ENOMEM;

        Builder b = { .archive = a, .tarball = t };
        if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
            archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
            /* No padding of the last block to 10 KiB, a habit from tape drives. */
            archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
            archive_write_open(a, &b, NULL, write_to_memory, NULL) != ARCHIVE_OK)
                return -EIO;

        for (size_t i = 0; i < n_paths; i++) {
                int r = add_path(&b, paths[i]);
                if (r < 0)
                        return r;
        }
        if (archive_write_close(a) != ARCHIVE_OK)
                return -EIO;
        t->input_bytes = b.input_bytes;

        qsort(t->files, t->n_files, sizeof *t->files, compare_names);
        for (size_t i = 1; i < t->n_files; i++)
                if (streq(t->files[i - 1], t->files[i]))
                        return -EEXIST;

        *ret = TAKE_PTR(t);
        return 0;
}

bool tarball_contains(const Tarball *t, const char *name) {
        if (!t || !name || t->n_files == 0)
                return false;
        return bsearch(&name, t->files, t->n_files, sizeof *t->files, compare_names) != NULL;
}

void tarball_files_free(TarballFile *files, size_t n_files) {
        for (size_t i = 0; i < n_files; i++) {
                free(files[i].name);
                free(files[i].data);
        }
        free(files);
}

static int read_entry(struct archive *a, struct archive_entry *e, TarballFile *ret) {
        la_int64_t size = archive_entry_size(e);
        if (size < 0 || (uint64_t) size > TARBALL_INPUT_MAX)
                return -EBADMSG;
        _cleanup_free_ char *name = strdup(archive_entry_pathname(e) ?: "");
        _cleanup_free_ char *data = malloc((size_t) size + 1);
        if (!name || !data)
                return -ENOMEM;
        if (archive_read_data(a, data, (size_t) size) != size)
                return -EBADMSG;
        data[size] = 0;
        *ret = (TarballFile) { .name = TAKE_PTR(name), .data = TAKE_PTR(data), .size = (size_t) size };
        return 0;
}

int tarball_read_files(const Tarball *t, const char *only, TarballFile **ret_files, size_t *ret_n_files) {
        _cleanup_(archive_read_freep) struct archive *a = archive_read_new();
        if (!a)
                return -ENOMEM;
        if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
            archive_read_support_format_tar(a) != ARCHIVE_OK ||
            archive_read_open_memory(a, t->data, t->size) != ARCHIVE_OK)
                return -EBADMSG;

        TarballFile *files = calloc(t->n_files ?: 1, sizeof *files);
        size_t n = 0;
        int r = files ? 0 : -ENOMEM;
        struct archive_entry *e;
        while (r >= 0) {
                int k = archive_read_next_header(a, &e);
                if (k == ARCHIVE_EOF)
                        break;
                if (k != ARCHIVE_OK)
                        r = -EBADMSG;
                else if (archive_entry_filetype(e) != AE_IFREG ||
                         (only && !streq(archive_entry_pathname(e) ?: "", only)))
                        continue;
                else if (n >= t->n_files)
                        r = -EBADMSG;   /* more files than were packed */
                else if ((r = read_entry(a, e, &files[n])) >= 0)
                        n++;
        }
        if (r < 0) {
                tarball_files_free(files, n);
                return r;
        }
        *ret_files = files;
        *ret_n_files = n;
        return 0;
}
