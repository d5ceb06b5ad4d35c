/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Input: a server's event stream, fed in two pieces split at the first byte's value. */

#include <stdlib.h>
#include <string.h>

#include "cli-events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(const char *name, const char *d, size_t len, void *userdata) {
        if (strlen(name) > EVENT_NAME_MAX || d[len] != 0)
                abort();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        EventParser p = {};
        size_t cut = size > 0 ? MIN((size_t) data[0], size) : 0;

        if (event_parser_feed(&p, (const char *) data, cut, check, NULL) >= 0)
                (void) event_parser_feed(&p, (const char *) data + cut, size - cut, check, NULL);
        size_t out, err;
        if (strlen(p.last_id) > EVENT_ID_MAX)
                abort();
        (void) event_id_parse_pair(p.last_id, &out, &err);
        event_parser_done(&p);
        return 0;
}
