/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* parse_job_path() on any path: an id it accepts is a hex id, maybe with a valid node name. */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "batch-endpoints.h"
#include "job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char id[JOB_ID_MAX];
        char *path = strndup((const char *) data, size);    /* paths reach it NUL-terminated */

        if (!path)
                return 0;
        if (parse_job_path(path, "/status/", id) >= 0) {
                size_t len = strlen(id);
                assert(len >= 32 && len < JOB_ID_MAX && strspn(id, "0123456789abcdef") >= 32);
                assert(len == 32 || (id[32] == '-' && job_node_name_is_valid(id + 33)));
                assert(strcmp(path + strlen("/status/"), id) == 0);
        }
        free(path);
        return 0;
}
