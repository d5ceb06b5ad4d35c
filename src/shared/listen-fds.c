/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "listen-fds.h"

static bool is_side_name(const char *name, const char *const *side_names) {
        for (const char *const *s = side_names; s && *s; s++)
                if (strcmp(name, *s) == 0)
                        return true;
        return false;
}

int listen_fds_find(char *const *names, size_t n, const char *name, const char *const *side_names) {
        int found = -ENOENT;

        for (size_t i = 0; i < n; i++) {
                const char *v = names && names[i] ? names[i] : "";
                bool match = name ? strcmp(v, name) == 0 : !is_side_name(v, side_names);
                if (!match)
                        continue;
                if (found >= 0)
                        return -ENOTUNIQ;
                found = (int) i;
        }
        return found;
}
