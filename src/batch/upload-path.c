/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "upload-path.h"
#include "utf8.h"

static int fail(const char *why, int r, const char **ret_error) {
        if (ret_error)
                *ret_error = why;
        return r;
}

/* Validates buf and, if out is not NULL, writes the normal form there (at most len bytes, then NUL).
 * *ret_changed tells whether the normal form differs from the input. */
static int scan(const char *buf, size_t len, char *out, bool *ret_changed, const char **ret_error) {
        size_t out_len = 0, depth = 0;
        bool changed = false;

        if (len == 0)
                return fail("empty path", -EINVAL, ret_error);
        if (len > UPLOAD_PATH_LENGTH_MAX)
                return fail("path too long", -ENAMETOOLONG, ret_error);
        if (buf[0] == '/')
                return fail("absolute path", -EINVAL, ret_error);

        for (size_t i = 0; i < len;) {
                size_t start = i, n;

                /* Walk one component, checking every character in it. */
                while (i < len && buf[i] != '/') {
                        uint32_t cp;
                        unsigned char c = buf[i];

                        if (c == 0)
                                return fail("NUL byte in path", -EINVAL, ret_error);
                        if (c < 0x20 || c == 0x7f)
                                return fail("control character in path", -EINVAL, ret_error);
                        n = utf8_decode(buf + i, len - i, &cp);
                        if (n == 0)
                                return fail("path is not valid UTF-8", -EINVAL, ret_error);
                        i += n;
                }
                n = i - start;

                if (n == 0)
                        return fail("empty path component", -EINVAL, ret_error);
                if (n == 1 && buf[start] == '.') {
                        changed = true;
                        if (i < len)
                                i++;
                        continue;
                }
                if (n == 2 && buf[start] == '.' && buf[start + 1] == '.')
                        return fail("path contains \"..\"", -EINVAL, ret_error);
                if (n > UPLOAD_PATH_COMPONENT_MAX)
                        return fail("path component too long", -ENAMETOOLONG, ret_error);
                if (++depth > UPLOAD_PATH_DEPTH_MAX)
                        return fail("path too deep", -ENAMETOOLONG, ret_error);

                if (out) {
                        if (out_len > 0)
                                out[out_len++] = '/';
                        memcpy(out + out_len, buf + start, n);
                        out_len += n;
                }
                if (i < len) {
                        i++;    /* the slash */
                        if (i == len) {
                                changed = true;
                                break;
                        }
                }
        }

        if (depth == 0)
                return fail("path names the top directory itself", -EINVAL, ret_error);

        if (out)
                out[out_len] = 0;
        *ret_changed = changed;
        return 0;
}

int upload_path_normalize(const char *buf, size_t len, char **ret_path, const char **ret_error) {
        _cleanup_free_ char *out = NULL;
        bool changed;
        int r;

        /* Validate before allocating, so that the allocation size is bounded. */
        r = scan(buf, len, NULL, &changed, ret_error);
        if (r < 0)
                return r;

        out = malloc(len + 1);
        if (!out)
                return -ENOMEM;
        r = scan(buf, len, out, &changed, ret_error);
        if (r < 0)
                return r;

        *ret_path = TAKE_PTR(out);
        return 0;
}

bool upload_path_is_normal(const char *path) {
        bool changed;

        if (!path)
                return false;
        return scan(path, strnlen(path, UPLOAD_PATH_LENGTH_MAX + 1), NULL, &changed, NULL) >= 0 && !changed;
}
