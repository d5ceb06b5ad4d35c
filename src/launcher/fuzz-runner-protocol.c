/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdlib.h>
#include <string.h>

#include "runner-protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whatever parses must encode again to the very same bytes' meaning: parse(encode(m)) == m. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        RunnerMessage m, again;
        char hex[33];
        void *buf;
        size_t len;

        if (size <= RUNNER_JOB_ID_MAX + 1) {
                char id[RUNNER_JOB_ID_MAX + 2];
                memcpy(id, data, size);
                id[size] = 0;
                (void) runner_job_id_parse(id, hex);
        }
        if (runner_message_parse(data, size, &m) < 0)
                return 0;
        if (runner_message_encode(&m, &buf, &len) < 0)
                abort();
        if (runner_message_parse(buf, len, &again) < 0 || again.type != m.type || again.present != m.present ||
            memcmp(again.u64, m.u64, sizeof(m.u64)) != 0)
                abort();
        runner_message_done(&again);
        runner_message_done(&m);
        free(buf);
        return 0;
}
