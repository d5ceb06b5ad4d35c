/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive-util.h"
#include "beneath.h"
#include "glob-match.h"
#include "io-util.h"
#include "macro.h"
#include "pack.h"
#include "strv.h"
#include "upload-path.h"

const PackLimits pack_limits_default = {
        .max_files = 1000,
        .max_bytes = UINT64_C(256) * 1024 * 1024,
        .max_scanned = 100000,
};

#define COPY_BLOCK (64U * 1024)

/* A NULL-terminated list of strings that knows its length, so appending stays cheap. */
typedef struct NameList {
        char **names;
        size_t n, allocated;
} NameList;

typedef struct Walk {
        char *const *patterns;
        PackLimits limits;
        uint64_t scanned;
        uint64_t bytes;
        NameList files;         /* matched paths, in walk order */
        const char *error;
} Walk;

/* Appends s, taking it over even on failure. */
static int name_list_consume(NameList *l, char *s) {
        if (!s)
                return -ENOMEM;
        if (l->n + 2 > l->allocated) {
                size_t allocated = MAX((size_t) 16, l->allocated * 2);
                char **g = reallocarray(l->names, allocated, sizeof(char *));

                if (!g) {
                        free(s);
                        return -ENOMEM;
                }
                l->names = g;
                l->allocated = allocated;
        }
        l->names[l->n++] = s;
        l->names[l->n] = NULL;
        return 0;
}

static int fail(Walk *w, int r, const char *why) {
        w->error = why;
        return r;
}

static int matches(char *const *patterns, const char *path, int (*match)(const char *, const char *)) {
        for (char *const *p = patterns; *p; p++) {
                int r = match(*p, path);

                if (r != 0)
                        return r;
        }
        return 0;
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

/* Reads the names in the directory dirfd (not taking it over), sorted. */
static int read_names(Walk *w, int dirfd, char ***ret_names) {
        _cleanup_(closedirp) DIR *d = NULL;
        NameList l = {};
        struct dirent *de;
        int fd, r = 0;

        fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -errno;
        }

        errno = 0;
        while (r >= 0 && (de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (++w->scanned > w->limits.max_scanned)
                        r = fail(w, -E2BIG, "too many files in the work directory");
                else
                        r = name_list_consume(&l, strdup(de->d_name));
                errno = 0;
        }
        if (r >= 0 && errno != 0)
                r = -errno;
        if (r < 0) {
                strv_free(l.names);
                return r;
        }

        if (l.n > 0)
                qsort(l.names, l.n, sizeof(char *), compare_names);
        *ret_names = l.names ?: strv_new(NULL);
        return *ret_names ? 0 : -ENOMEM;
}

/* Walks the directory dirfd (taking it over), whose path is prefix ("" at the top). */
static int walk_dir(Walk *w, int dirfd, const char *prefix) {
        _cleanup_close_ int fd = dirfd;
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = read_names(w, fd, &names);
        if (r < 0)
                return r;

        for (char **name = names; *name; name++) {
                _cleanup_free_ char *path = NULL;
                struct stat st;

                if (asprintf(&path, "%s%s%s", prefix, *prefix ? "/" : "", *name) < 0)
                        return -ENOMEM;
                if (!upload_path_is_normal(path))
                        continue;       /* not a name the client could be handed */
                if (fstatat(fd, *name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;       /* vanished */

                if (S_ISDIR(st.st_mode)) {
                        int sub;

                        r = matches(w->patterns, path, glob_match_below);
                        if (r < 0)
                                return fail(w, r, "invalid output pattern");
                        if (r == 0)
                                continue;
                        sub = openat(fd, *name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub < 0)
                                continue;       /* unreadable, or replaced by a symlink meanwhile */
                        r = walk_dir(w, sub, path);
                        if (r < 0)
                                return r;

                } else if (S_ISREG(st.st_mode)) {
                        r = matches(w->patterns, path, glob_match);
                        if (r < 0)
                                return fail(w, r, "invalid output pattern");
                        if (r == 0)
                                continue;
                        if (w->files.n >= w->limits.max_files)
                                return fail(w, -E2BIG, "too many output files");
                        if ((uint64_t) st.st_size > w->limits.max_bytes - w->bytes)
                                return fail(w, -E2BIG, "outputs too large");
                        w->bytes += st.st_size;
                        r = name_list_consume(&w->files, TAKE_PTR(path));
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

typedef struct Writer {
        struct archive *archive;
        struct archive_entry *entry;
        int dirfd;
        uint64_t max_bytes;
        PackListFunc list;
        void *userdata;
        PackStats stats;
        uint8_t buf[COPY_BLOCK];
        const char *error;
} Writer;

static int write_fail(Writer *w, int r, const char *why) {
        w->error = why;
        return r;
}

static int archive_fail(Writer *w) {
        int e = archive_errno(w->archive);

        return write_fail(w, e > 0 ? -e : -EIO, "cannot write the archive");
}

/* Opens an output file for reading, or returns a negative errno if it is no longer a regular file. */
static int open_output(int dirfd, const char *path, struct stat *ret_st) {
        _cleanup_close_ int dir = -EBADF, fd = -EBADF;
        const char *base;
        int r;

        r = beneath_open_parent(dirfd, path, false, 0, &dir, &base);
        if (r < 0)
                return r;
        /* O_NONBLOCK: should a FIFO have taken the file's place, opening it must not hang. */
        fd = openat(dir, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, ret_st) < 0)
                return -errno;
        if (!S_ISREG(ret_st->st_mode))
                return -EBADFD;
        return TAKE_FD(fd);
}

static int write_file(Writer *w, const char *path) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        uint64_t size;
        int r;

        fd = open_output(w->dirfd, path, &st);
        if (fd < 0) {
                w->stats.skipped++;
                return 0;
        }

        /* It may have grown since it was chosen. */
        size = st.st_size;
        if (size > w->max_bytes - w->stats.bytes)
                return write_fail(w, -E2BIG, "outputs too large");

        archive_entry_clear(w->entry);
        archive_entry_set_pathname(w->entry, path);
        archive_entry_set_filetype(w->entry, AE_IFREG);
        archive_entry_set_perm(w->entry, st.st_mode & 0755);
        archive_entry_set_size(w->entry, size);
        archive_entry_set_mtime(w->entry, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        if (archive_write_header(w->archive, w->entry) != ARCHIVE_OK)
                return archive_fail(w);

        /* Exactly size bytes, as the header says: stop early if it grew, pad with zeros if it shrank. */
        for (uint64_t left = size; left > 0;) {
                size_t n = MIN((uint64_t) sizeof(w->buf), left);
                ssize_t k = read(fd, w->buf, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return write_fail(w, -errno, "cannot read an output file");
                if (k == 0) {
                        memset(w->buf, 0, n);
                        k = n;
                }
                if (archive_write_data(w->archive, w->buf, k) != k)
                        return archive_fail(w);
                left -= k;
        }

        w->stats.files++;
        w->stats.bytes += size;
        if (w->list) {
                r = w->list(path, size, w->userdata);
                if (r < 0)
                        return write_fail(w, r, "cannot list the outputs");
        }
        return 0;
}

int pack_outputs(int dirfd, char *const *patterns, const PackLimits *limits, int out_fd,
                 PackListFunc list, void *userdata, PackStats *ret_stats, const char **ret_error) {

        _cleanup_(archive_write_freep) struct archive *a = NULL;
        _cleanup_(archive_entry_freep) struct archive_entry *e = NULL;
        _cleanup_free_ Writer *w = NULL;
        const PackLimits *d = &pack_limits_default;
        Walk walk = {
                .patterns = patterns,
                .limits = {
                        .max_files = limits && limits->max_files ? limits->max_files : d->max_files,
                        .max_bytes = limits && limits->max_bytes ? limits->max_bytes : d->max_bytes,
                        .max_scanned = limits && limits->max_scanned ? limits->max_scanned : d->max_scanned,
                },
        };
        int top, r;

        for (char *const *p = patterns; *p; p++)
                if (glob_pattern_check(*p, ret_error) < 0)
                        return -EINVAL;

        /* Choose first, so that a limit is hit before anything is written. */
        top = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (top < 0) {
                *ret_error = "cannot read the work directory";
                return -errno;
        }
        r = walk_dir(&walk, top, "");
        if (r < 0) {
                strv_free(walk.files.names);
                *ret_error = walk.error ?: "cannot read the work directory";
                return r;
        }

        w = calloc(1, sizeof(*w));
        a = archive_write_new();
        e = archive_entry_new();
        if (!w || !a || !e) {
                strv_free(walk.files.names);
                return -ENOMEM;
        }
        w->archive = a;
        w->entry = e;
        w->dirfd = dirfd;
        w->max_bytes = walk.limits.max_bytes;
        w->list = list;
        w->userdata = userdata;

        /* GNU tar stores names as the bytes they are, where pax would convert them from the locale's
         * charset to UTF-8: they are UTF-8 already (upload paths), and the locale may well be "C". */
        if (archive_write_set_format_gnutar(a) != ARCHIVE_OK ||
            archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
            archive_write_open_fd(a, out_fd) != ARCHIVE_OK)
                r = archive_fail(w);

        for (size_t i = 0; r >= 0 && i < walk.files.n; i++)
                r = write_file(w, walk.files.names[i]);
        strv_free(walk.files.names);

        if (r >= 0 && archive_write_close(a) != ARCHIVE_OK)
                r = archive_fail(w);
        if (r < 0) {
                *ret_error = w->error ?: "out of memory";
                return r;
        }

        if (ret_stats)
                *ret_stats = w->stats;
        return 0;
}
