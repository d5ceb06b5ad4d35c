/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "cli-json.h"
#include "cli-tests.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct json_object *o = NULL;
        if (cli_tests_parse((const char *) data, size, &o) >= 0)
                json_object_put(o);

        FILE *null = fopen("/dev/null", "we");
        if (!null)
                return 0;
        if (cli_tests_report((const char *) data, size, null) < -EBADMSG)
                __builtin_trap();
        fclose(null);
        return 0;
}
