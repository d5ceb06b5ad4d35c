/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli-archive-path.h"
#include "macro.h"

int archive_path_check(const char *path, size_t len, char **ret_normalized) {
        if (!path || len == 0 || len > ARCHIVE_PATH_MAX || memchr(path, 0, len) || path[0] == '/')
                return -EINVAL;

        _cleanup_free_ char *out = malloc(len + 1);
        if (!out)
                return -ENOMEM;

        size_t o = 0;
        for (size_t i = 0; i < len;) {
                const char *slash = memchr(path + i, '/', len - i);
                size_t n = slash ? (size_t) (slash - (path + i)) : len - i;
                const char *c = path + i;
                i += n + 1;

                if (n == 0 || (n == 1 && c[0] == '.'))
                        continue;
                if (n == 2 && c[0] == '.' && c[1] == '.')
                        return -EINVAL;
                if (n > ARCHIVE_NAME_MAX)
                        return -EINVAL;
                if (o > 0)
                        out[o++] = '/';
                memcpy(out + o, c, n);
                o += n;
        }
        out[o] = 0;
        *ret_normalized = TAKE_PTR(out);
        return 0;
}
