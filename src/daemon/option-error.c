/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>

#include "option-error.h"

int option_error(const char *program, const struct option *options, int val, const char *value, int error) {
        const char *name = "?";

        for (const struct option *o = options; o->name; o++)
                if (o->val == val)
                        name = o->name;
        fprintf(stderr, "%s: invalid value for --%s: %s\n", program, name, value);
        return error;
}
