/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdint.h>
#include <string.h>

#include "glob-match.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Input: a pattern, a newline, then a path. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *copy = NULL;
        const char *pattern, *path;
        char *nl;
        int r, checked;

        if (size > 4096)
                return 0;
        copy = strndup((const char *) data, size);
        if (!copy)
                return 0;
        nl = strchr(copy, '\n');
        if (!nl)
                return 0;
        *nl = 0;
        pattern = copy;
        path = nl + 1;

        checked = glob_pattern_check(pattern, NULL);
        r = glob_match(pattern, path);
        if ((checked < 0) != (r < 0) || r > 1)
                abort();

        /* Whatever matches below a directory must have been announced for that directory. */
        if (r == 1)
                for (char *slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
                        *slash = 0;
                        if (glob_match_below(pattern, path) != 1)
                                abort();
                        *slash = '/';
                }
        return 0;
}
