/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "beneath.h"
#include "bundle.h"
#include "io-util.h"
#include "macro.h"
#include "unbundle.h"

#define COPY_BLOCK (64U * 1024)

static int fail(int r, const char *why, const char **ret_error) {
        *ret_error = why;
        return r;
}

static int write_file(int bundle_fd, uint64_t offset, const BundleRecord *rec, int dirfd,
                      const ExtractLimits *limits, ExtractUsage *usage, const char **ret_error) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ uint8_t *buf = NULL;
        int r;

        if (++usage->entries > limits->max_entries)
                return fail(-E2BIG, "too many files", ret_error);
        if (rec->size > limits->max_bytes - MIN(limits->max_bytes, usage->bytes))
                return fail(-E2BIG, "uploads too large", ret_error);
        usage->bytes += rec->size;

        r = beneath_create_file(dirfd, rec->path, 0644, &fd);
        switch (r) {
        case 0:
                break;
        case -ENOTDIR:
        case -ELOOP:
                return fail(-EBADMSG, "upload path goes through a symlink or a file", ret_error);
        case -EISDIR:
                return fail(-EBADMSG, "upload would replace a directory", ret_error);
        case -ENOSPC:
        case -EDQUOT:
                return fail(r, "no space left in the work directory", ret_error);
        default:
                return fail(r, "cannot create uploaded file", ret_error);
        }

        buf = malloc(COPY_BLOCK);
        if (!buf)
                return -ENOMEM;
        for (uint64_t done = 0; done < rec->size;) {
                size_t n = MIN((uint64_t) COPY_BLOCK, rec->size - done);
                ssize_t k = loop_pread(bundle_fd, buf, n, offset + done);

                if (k < 0)
                        return fail(k, "cannot read bundle", ret_error);
                if ((size_t) k < n)
                        return fail(-EBADMSG, "bundle truncated", ret_error);
                r = loop_write(fd, buf, n);
                if (r < 0)
                        return fail(r, r == -ENOSPC || r == -EDQUOT || r == -EFBIG ?
                                    "no space left in the work directory" : "cannot write uploaded file",
                                    ret_error);
                done += n;
        }
        return 0;
}

int unbundle(int bundle_fd, int dirfd, const ExtractLimits *limits, ExtractUsage *usage,
             const char **ret_error) {
        ExtractLimits l = extract_limits_or_default(limits);
        char header[BUNDLE_HEADER_MAX];
        uint64_t offset = BUNDLE_MAGIC_SIZE;
        struct stat st;
        ssize_t n;
        int r;

        if (fstat(bundle_fd, &st) < 0)
                return fail(-errno, "cannot read bundle", ret_error);

        n = loop_pread(bundle_fd, header, BUNDLE_MAGIC_SIZE, 0);
        if (n < 0)
                return fail(n, "cannot read bundle", ret_error);
        if (bundle_check_magic(header, n) < 0 || (size_t) n < BUNDLE_MAGIC_SIZE)
                return fail(-EBADMSG, "not a bundle", ret_error);

        for (;;) {
                BundleRecord rec = {};
                size_t header_size;
                const char *why = NULL;

                n = loop_pread(bundle_fd, header, sizeof(header), offset);
                if (n < 0)
                        return fail(n, "cannot read bundle", ret_error);
                if (n == 0)
                        return 0;

                r = bundle_parse_header(header, n, &rec, &header_size, &why);
                if (r == -EAGAIN)
                        return fail(-EBADMSG, "bundle truncated", ret_error);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return fail(r, why, ret_error);

                offset += header_size;
                if (rec.size > (uint64_t) st.st_size - MIN((uint64_t) st.st_size, offset)) {
                        bundle_record_done(&rec);
                        return fail(-EBADMSG, "bundle truncated", ret_error);
                }

                if (rec.type == BUNDLE_RECORD_FILE)
                        r = write_file(bundle_fd, offset, &rec, dirfd, &l, usage, ret_error);
                else
                        r = extract_archive_fd(dirfd, bundle_fd, offset, rec.size, &l, usage, ret_error);
                offset += rec.size;
                bundle_record_done(&rec);
                if (r < 0)
                        return r;
        }
}
