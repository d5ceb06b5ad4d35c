/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "slice-path.h"

#define SLICE_SUFFIX ".slice"
#define SLICE_NAME_MAX 255U

int slice_cgroup_path(const char *slice, char **ret) {
        size_t n = strnlen(slice, SLICE_NAME_MAX + 1), stem, at = 0;
        char *p;

        if (n > SLICE_NAME_MAX || n <= strlen(SLICE_SUFFIX) || !streq(slice + n - strlen(SLICE_SUFFIX), SLICE_SUFFIX))
                return -EINVAL;
        stem = n - strlen(SLICE_SUFFIX);
        if (streq(slice, "-" SLICE_SUFFIX)) {
                p = strdup("");
                if (!p)
                        return -ENOMEM;
                *ret = p;
                return 0;
        }
        /* No empty level: no leading, trailing or doubled dash; nothing that would leave the slice. */
        if (slice[0] == '-' || slice[stem - 1] == '-' || strstr(slice, "--") || strchr(slice, '/') ||
            strspn(slice, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:_.-\\") != n)
                return -EINVAL;

        /* Each level is the name up to a dash plus the suffix, then a slash: at most n times that. */
        p = malloc((n + 1) * (stem + 1));
        if (!p)
                return -ENOMEM;
        for (size_t i = 0; i <= stem; i++) {
                if (i < stem && slice[i] != '-')
                        continue;
                if (at > 0)
                        p[at++] = '/';
                memcpy(p + at, slice, i);
                at += i;
                memcpy(p + at, SLICE_SUFFIX, strlen(SLICE_SUFFIX));
                at += strlen(SLICE_SUFFIX);
        }
        p[at] = 0;
        *ret = p;
        return 0;
}
