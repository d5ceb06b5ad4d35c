/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive-util.h"
#include "beneath.h"
#include "extract.h"
#include "io-util.h"
#include "macro.h"
#include "upload-path.h"

const ExtractLimits extract_limits_default = {
        .max_entries = 10000,
        .max_bytes = UINT64_C(256) * 1024 * 1024,
        .max_ratio = 200,
        .ratio_grace = UINT64_C(4) * 1024 * 1024,
};

#define BLOCK_SIZE (64U * 1024)

/* Where libarchive reads the archive from: a window of an fd, or memory. Reads are handed out a block at
 * a time, so that the bytes read so far say how far into the archive the decompressor has got. */
typedef struct Source {
        int fd;
        bool in_memory;
        const uint8_t *mem;
        uint64_t offset;        /* of the archive in fd */
        uint64_t size;
        uint64_t pos;
        uint64_t bytes_read;    /* re-reads after seeks included */
        uint8_t block[BLOCK_SIZE];
} Source;

typedef struct Extractor {
        struct archive *archive;
        int dirfd;
        ExtractLimits limits;
        ExtractUsage *usage;
        Source *source;
        uint64_t written;       /* by this archive */
        uint8_t buf[BLOCK_SIZE];
        const char *error;
} Extractor;

ExtractLimits extract_limits_or_default(const ExtractLimits *limits) {
        const ExtractLimits *d = &extract_limits_default;

        if (!limits)
                return *d;
        return (ExtractLimits) {
                .max_entries = limits->max_entries ?: d->max_entries,
                .max_bytes = limits->max_bytes ?: d->max_bytes,
                .max_ratio = limits->max_ratio ?: d->max_ratio,
                .ratio_grace = limits->ratio_grace ?: d->ratio_grace,
        };
}

static la_ssize_t source_read(struct archive *a, void *userdata, const void **ret_buf) {
        Source *s = userdata;
        size_t n = MIN((uint64_t) BLOCK_SIZE, s->size - s->pos);

        if (s->in_memory)
                *ret_buf = s->mem + s->pos;
        else {
                ssize_t k = loop_pread(s->fd, s->block, n, s->offset + s->pos);

                if (k < 0 || (size_t) k < n) {
                        archive_set_error(a, k < 0 ? (int) -k : EIO, "cannot read archive");
                        return -1;
                }
                *ret_buf = s->block;
        }

        s->pos += n;
        s->bytes_read += n;
        return n;
}

static la_int64_t source_seek(struct archive *a, void *userdata, la_int64_t offset, int whence) {
        Source *s = userdata;
        uint64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? s->pos : s->size;

        if (offset < 0) {
                uint64_t back = (uint64_t) -(offset + 1) + 1;   /* no overflow for INT64_MIN */

                if (back > base)
                        return ARCHIVE_FATAL;
                s->pos = base - back;
        } else {
                if ((uint64_t) offset > s->size - base)
                        return ARCHIVE_FATAL;
                s->pos = base + offset;
        }
        return s->pos;
}

static la_int64_t source_skip(struct archive *a, void *userdata, la_int64_t request) {
        Source *s = userdata;
        uint64_t n = request > 0 ? MIN((uint64_t) request, s->size - s->pos) : 0;

        s->pos += n;
        return n;
}

static int fail(Extractor *x, int r, const char *why) {
        x->error = why;
        return r;
}

/* Maps a failed file operation to what the client should hear. */
static int fail_fs(Extractor *x, int r) {
        switch (r) {
        case -ENOTDIR:
        case -ELOOP:
                return fail(x, -EBADMSG, "archive entry goes through a symlink or a file");
        case -EISDIR:
        case -EEXIST:
                return fail(x, -EBADMSG, "archive entry would replace a directory");
        case -ENOSPC:
        case -EDQUOT:
        case -EFBIG:
                return fail(x, r, "no space left in the work directory");
        case -ENOMEM:
                return r;
        default:
                return fail(x, r, "cannot write archive entry");
        }
}

bool extract_symlink_is_contained(const char *link_path, const char *target) {
        size_t depth = 0, len = strnlen(target, UPLOAD_PATH_LENGTH_MAX + 1);

        if (len == 0 || len > UPLOAD_PATH_LENGTH_MAX || target[0] == '/')
                return false;

        for (const char *p = link_path; *p; p++)
                depth += *p == '/';

        for (const char *p = target; *p;) {
                size_t n = strcspn(p, "/");

                if (n == 2 && p[0] == '.' && p[1] == '.') {
                        if (depth == 0)
                                return false;
                        depth--;
                } else if (n > 0 && !(n == 1 && p[0] == '.'))
                        depth++;
                p += n + (p[n] == '/');
        }
        return true;
}

/* Whether an archive entry name is only the top directory itself, as "./" in many tarballs. */
static bool names_top(const char *name) {
        for (const char *p = name; *p;) {
                size_t n = strcspn(p, "/");

                if (n > 1 || (n == 1 && p[0] != '.'))
                        return false;
                p += n + (p[n] == '/');
        }
        return true;
}

static int check_growth(Extractor *x, size_t n) {
        const ExtractLimits *l = &x->limits;

        if (n > l->max_bytes - MIN(l->max_bytes, x->usage->bytes))
                return fail(x, -E2BIG, "archive contents too large");
        x->usage->bytes += n;
        x->written += n;

        /* Measured against what the decompressor has consumed so far, not the whole archive, so that a
         * small bomb at the start of a big archive is caught too. */
        if (x->written > l->ratio_grace && x->written / l->max_ratio > x->source->bytes_read)
                return fail(x, -E2BIG, "archive expands too much");
        return 0;
}

static int extract_file(Extractor *x, struct archive_entry *e, const char *path) {
        uint64_t left = x->limits.max_bytes - MIN(x->limits.max_bytes, x->usage->bytes);
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (archive_entry_size_is_set(e) && (uint64_t) archive_entry_size(e) > left)
                return fail(x, -E2BIG, "archive contents too large");

        r = beneath_create_file(x->dirfd, path, (archive_entry_perm(e) & 0777) | 0600, &fd);
        if (r < 0)
                return fail_fs(x, r);

        for (;;) {
                la_ssize_t n = archive_read_data(x->archive, x->buf, sizeof(x->buf));

                if (n == 0)
                        break;
                if (n < 0)
                        return fail(x, -EBADMSG, "damaged or encrypted archive entry");
                r = check_growth(x, n);
                if (r < 0)
                        return r;
                r = loop_write(fd, x->buf, n);
                if (r < 0)
                        return fail_fs(x, r);
        }

        if (archive_entry_mtime_is_set(e)) {
                struct timespec ts[2] = {
                        { .tv_nsec = UTIME_OMIT },
                        { .tv_sec = archive_entry_mtime(e), .tv_nsec = archive_entry_mtime_nsec(e) },
                };

                (void) futimens(fd, ts);        /* only a nicety for make and friends */
        }
        return 0;
}

/* Opens the directory that is to hold path, and clears the name there unless it is a directory. */
static int open_slot(Extractor *x, const char *path, int *ret_dir, const char **ret_base) {
        _cleanup_close_ int dir = -EBADF;
        int r;

        r = beneath_open_parent(x->dirfd, path, true, 0755, &dir, ret_base);
        if (r >= 0)
                r = beneath_remove_non_dir(dir, *ret_base);
        if (r < 0)
                return fail_fs(x, r);
        *ret_dir = TAKE_FD(dir);
        return 0;
}

static int extract_hardlink(Extractor *x, const char *path, const char *target_name) {
        _cleanup_close_ int target_dir = -EBADF, dir = -EBADF;
        _cleanup_free_ char *target = NULL;
        const char *target_base, *base, *why;
        struct stat st;
        int r;

        r = upload_path_normalize(target_name, strlen(target_name), &target, &why);
        if (r < 0)
                return r == -ENOMEM ? r : fail(x, -EBADMSG, "archive hardlink target refused");

        r = beneath_open_parent(x->dirfd, target, false, 0, &target_dir, &target_base);
        if (r >= 0 && fstatat(target_dir, target_base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                r = -errno;
        if (r < 0 || !S_ISREG(st.st_mode))
                return fail(x, -EBADMSG,
                            "archive hardlink to something that is not a file extracted before");

        r = open_slot(x, path, &dir, &base);
        if (r < 0)
                return r;
        /* No AT_SYMLINK_FOLLOW: the target was just checked to be a regular file, not a symlink. */
        if (linkat(target_dir, target_base, dir, base, 0) < 0)
                return fail_fs(x, -errno);
        return 0;
}

static int extract_symlink(Extractor *x, const char *path, const char *target) {
        _cleanup_close_ int dir = -EBADF;
        const char *base;
        int r;

        if (!target || !extract_symlink_is_contained(path, target))
                return fail(x, -EBADMSG, "archive symlink points outside the work directory");

        r = open_slot(x, path, &dir, &base);
        if (r < 0)
                return r;
        if (symlinkat(target, dir, base) < 0)
                return fail_fs(x, -errno);
        return 0;
}

static int extract_entry(Extractor *x, struct archive_entry *e) {
        _cleanup_free_ char *path = NULL;
        const char *name, *hardlink, *why;
        mode_t type = archive_entry_filetype(e);
        int r;

        if (++x->usage->entries > x->limits.max_entries)
                return fail(x, -E2BIG, "archive has too many entries");

        name = archive_entry_pathname(e) ?: archive_entry_pathname_utf8(e);
        if (!name)
                return fail(x, -EBADMSG, "archive entry name cannot be read");
        if (type == AE_IFDIR && names_top(name))
                return 0;
        r = upload_path_normalize(name, strlen(name), &path, &why);
        if (r < 0)
                return r == -ENOMEM ? r : fail(x, -EBADMSG, why);

        hardlink = archive_entry_hardlink(e) ?: archive_entry_hardlink_utf8(e);
        if (hardlink)
                return extract_hardlink(x, path, hardlink);

        switch (type) {

        case AE_IFREG:
                return extract_file(x, e, path);

        case AE_IFDIR: {
                _cleanup_close_ int fd = -EBADF;

                r = beneath_open_dir(x->dirfd, path, true, (archive_entry_perm(e) & 0777) | 0700, &fd);
                return r < 0 ? fail_fs(x, r) : 0;
        }

        case AE_IFLNK:
                return extract_symlink(x, path, archive_entry_symlink(e) ?: archive_entry_symlink_utf8(e));

        default:
                return fail(x, -EBADMSG, "archive contains a device node, FIFO or socket");
        }
}


/*
 * A tar ends at its end-of-archive blocks and libarchive stops there, before the gzip trailer; and
 * libarchive 3.6 does not check the trailer's CRC anyway. So a gzip-compressed archive is inflated once
 * more with zlib, which checks CRC and length, and refused if they do not match. What it may expand to
 * is capped like the extraction itself.
 */
static int verify_gzip_stream(Source *source, uint64_t max_bytes, const char **ret_error) {
        z_stream z = {};
        uint8_t out[16384];
        uint64_t total = 0;
        int zr, r = 0;

        if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
                return -ENOMEM;
        source->pos = 0;
        do {
                if (z.avail_in == 0) {
                        size_t n = MIN((uint64_t) BLOCK_SIZE, source->size - source->pos);
                        if (n == 0) {
                                r = -EBADMSG; /* ended before the gzip stream did */
                                break;
                        }
                        if (source->in_memory)
                                z.next_in = (Bytef *) source->mem + source->pos;
                        else {
                                ssize_t k = loop_pread(source->fd, source->block, n, source->offset + source->pos);
                                if (k < 0 || (size_t) k < n) {
                                        r = k < 0 ? (int) k : -EIO;
                                        break;
                                }
                                z.next_in = source->block;
                        }
                        z.avail_in = n;
                        source->pos += n;
                }
                z.next_out = out;
                z.avail_out = sizeof(out);
                zr = inflate(&z, Z_NO_FLUSH);
                total += sizeof(out) - z.avail_out;
                if (total > max_bytes) {
                        r = -E2BIG;
                        break;
                }
                if (zr != Z_OK && zr != Z_STREAM_END)
                        r = zr == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
        } while (r == 0 && zr != Z_STREAM_END);
        inflateEnd(&z);

        if (r == -E2BIG)
                *ret_error = "archive expands to more than allowed";
        else if (r < 0)
                *ret_error = "damaged archive (gzip checksum)";
        return r;
}

static int extract(int dirfd, Source *source, const ExtractLimits *limits, ExtractUsage *usage,
                   const char **ret_error) {

        _cleanup_(archive_read_freep) struct archive *a = NULL;
        _cleanup_free_ Extractor *x = NULL;
        int r;

        x = calloc(1, sizeof(*x));
        if (!x)
                return -ENOMEM;
        *x = (Extractor) {
                .dirfd = dirfd,
                .limits = extract_limits_or_default(limits),
                .usage = usage,
                .source = source,
        };

        a = archive_read_new();
        if (!a)
                return -ENOMEM;
        /* Only what the API promises; in particular no filter that would run an external program. */
        if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
            archive_read_support_format_tar(a) != ARCHIVE_OK ||
            archive_read_support_format_zip(a) != ARCHIVE_OK) {
                *ret_error = "archive support is missing";
                return -EOPNOTSUPP;
        }
        archive_read_set_read_callback(a, source_read);
        archive_read_set_seek_callback(a, source_seek);
        archive_read_set_skip_callback(a, source_skip);
        archive_read_set_callback_data(a, source);
        x->archive = a;

        if (archive_read_open1(a) != ARCHIVE_OK) {
                *ret_error = "not a tar, tar.gz or zip archive";
                return -EBADMSG;
        }

        for (;;) {
                struct archive_entry *e;

                r = archive_read_next_header(a, &e);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN) {
                        *ret_error = archive_format(a) == 0 ? "not a tar, tar.gz or zip archive"
                                                            : "damaged archive";
                        return -EBADMSG;
                }

                r = extract_entry(x, e);
                if (r < 0) {
                        *ret_error = x->error ?: "out of memory";
                        return r;
                }
        }

        if (archive_filter_code(a, 0) == ARCHIVE_FILTER_GZIP)
                /* The tar inside was at most max_bytes of content plus its headers and padding. */
                return verify_gzip_stream(source, x->limits.max_bytes + x->limits.max_bytes / 8 + (1 << 20),
                                          ret_error);
        return 0;
}

int extract_archive_fd(int dirfd, int fd, uint64_t offset, uint64_t size, const ExtractLimits *limits,
                       ExtractUsage *usage, const char **ret_error) {
        _cleanup_free_ Source *s = calloc(1, sizeof(Source));

        if (!s)
                return -ENOMEM;
        s->fd = fd;
        s->offset = offset;
        s->size = size;
        return extract(dirfd, s, limits, usage, ret_error);
}

int extract_archive_memory(int dirfd, const void *buf, size_t len, const ExtractLimits *limits,
                           ExtractUsage *usage, const char **ret_error) {
        _cleanup_free_ Source *s = calloc(1, sizeof(Source));

        if (!s)
                return -ENOMEM;
        s->fd = -EBADF;
        s->in_memory = true;
        s->mem = buf;
        s->size = len;
        return extract(dirfd, s, limits, usage, ret_error);
}
