/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "io-util.h"

struct BundleWriter {
        int fd;
        uint64_t max_size;
        uint64_t size;
        bool open;
        int error;              /* once a write failed, the bundle is unusable */
        uint64_t size_field;    /* offset of the open record's size digits */
        uint64_t content_start;
};

void bundle_record_done(BundleRecord *r) {
        free(r->path);
        *r = (BundleRecord) {};
}

int bundle_check_magic(const void *buf, size_t len) {
        if (memcmp(buf, BUNDLE_MAGIC, MIN(len, BUNDLE_MAGIC_SIZE)) != 0)
                return -EBADMSG;
        return len < BUNDLE_MAGIC_SIZE ? -EAGAIN : 0;
}

static int fail(const char *why, const char **ret_error) {
        if (ret_error)
                *ret_error = why;
        return -EBADMSG;
}

int bundle_parse_header(
                const void *data,
                size_t len,
                BundleRecord *ret,
                size_t *ret_header_size,
                const char **ret_error) {

        const char *buf = data, *nl, *why;
        _cleanup_free_ char *path = NULL;
        size_t line_len;
        uint64_t size = 0;
        int r;

        nl = memchr(buf, '\n', MIN(len, BUNDLE_HEADER_MAX));
        if (!nl)
                return len < BUNDLE_HEADER_MAX ? -EAGAIN : fail("bundle record header too long", ret_error);
        line_len = nl - buf;

        if (line_len < 2 + BUNDLE_SIZE_DIGITS || buf[1] != ' ')
                return fail("malformed bundle record header", ret_error);

        for (size_t i = 0; i < BUNDLE_SIZE_DIGITS; i++) {
                unsigned d = (unsigned char) buf[2 + i] - '0';

                if (d > 9)
                        return fail("malformed bundle record size", ret_error);
                if (size > (UINT64_MAX - d) / 10)
                        return fail("bundle record size out of range", ret_error);
                size = size * 10 + d;
        }

        switch (buf[0]) {

        case BUNDLE_RECORD_FILE:
                if (line_len < 2 + BUNDLE_SIZE_DIGITS + 2 || buf[2 + BUNDLE_SIZE_DIGITS] != ' ')
                        return fail("malformed bundle file record", ret_error);
                r = upload_path_normalize(buf + 3 + BUNDLE_SIZE_DIGITS, line_len - 3 - BUNDLE_SIZE_DIGITS,
                                          &path, &why);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return fail(why, ret_error);
                break;

        case BUNDLE_RECORD_ARCHIVE:
                if (line_len != 2 + BUNDLE_SIZE_DIGITS)
                        return fail("malformed bundle archive record", ret_error);
                break;

        default:
                return fail("unknown bundle record type", ret_error);
        }

        *ret = (BundleRecord) {
                .type = buf[0],
                .size = size,
                .path = TAKE_PTR(path),
        };
        *ret_header_size = line_len + 1;
        return 0;
}

/* Appends bytes at the end of the bundle, within max_size. */
static int append(BundleWriter *w, const void *buf, size_t len) {
        int r;

        if (w->error < 0)
                return w->error;
        if (len > w->max_size - w->size)
                return (w->error = -E2BIG);
        r = loop_pwrite(w->fd, buf, len, w->size);
        if (r < 0)
                return (w->error = r);
        w->size += len;
        return 0;
}

int bundle_writer_new(BundleWriter **ret, int fd, uint64_t max_size) {
        _cleanup_(bundle_writer_freep) BundleWriter *w = NULL;
        int r;

        if (fd < 0)
                return -EBADF;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->fd = fd;
        w->max_size = max_size;

        r = append(w, BUNDLE_MAGIC, BUNDLE_MAGIC_SIZE);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(w);
        return 0;
}

BundleWriter *bundle_writer_free(BundleWriter *w) {
        free(w);
        return NULL;
}

/* Writes "T <size>" with a zero size, the rest of the header line, and opens the record. */
static int begin_record(BundleWriter *w, char type, const char *path) {
        char head[2 + BUNDLE_SIZE_DIGITS + 2];
        uint64_t start = w->size;
        int r;

        if (w->open)
                return -EBUSY;

        snprintf(head, sizeof(head), "%c %0*d%c", type, (int) BUNDLE_SIZE_DIGITS, 0, path ? ' ' : '\n');
        r = append(w, head, strlen(head));
        if (r >= 0 && path) {
                r = append(w, path, strlen(path));
                if (r >= 0)
                        r = append(w, "\n", 1);
        }
        if (r < 0)
                return r;

        w->open = true;
        w->size_field = start + 2;
        w->content_start = w->size;
        return 0;
}

int bundle_writer_begin_file(BundleWriter *w, const char *path, const char **ret_error) {
        _cleanup_free_ char *normal = NULL;
        int r;

        if (w->open)
                return -EBUSY;
        r = upload_path_normalize(path, strlen(path), &normal, ret_error);
        if (r < 0)
                return r;
        return begin_record(w, BUNDLE_RECORD_FILE, normal);
}

int bundle_writer_begin_archive(BundleWriter *w) {
        return begin_record(w, BUNDLE_RECORD_ARCHIVE, NULL);
}

int bundle_writer_write(BundleWriter *w, const void *buf, size_t len) {
        if (!w->open)
                return -EBADF;
        return append(w, buf, len);
}

int bundle_writer_end(BundleWriter *w) {
        char digits[BUNDLE_SIZE_DIGITS + 1];
        int r;

        if (!w->open)
                return -EBADF;
        if (w->error < 0)
                return w->error;

        snprintf(digits, sizeof(digits), "%0*" PRIu64, (int) BUNDLE_SIZE_DIGITS, w->size - w->content_start);
        r = loop_pwrite(w->fd, digits, BUNDLE_SIZE_DIGITS, w->size_field);
        if (r < 0)
                return (w->error = r);
        w->open = false;
        return 0;
}

uint64_t bundle_writer_size(const BundleWriter *w) {
        return w->size;
}
