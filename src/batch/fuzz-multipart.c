/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdint.h>
#include <string.h>

#include "macro.h"
#include "multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A digest of everything the parser reported, to compare runs that cut the input differently. */
typedef struct Digest {
        uint64_t hash;
        unsigned open;
} Digest;

static void digest(Digest *d, const void *p, size_t n) {
        const uint8_t *b = p;

        for (size_t i = 0; i < n; i++)
                d->hash = (d->hash ^ b[i]) * UINT64_C(1099511628211);
}

static int on_begin(const MultipartPart *part, void *userdata) {
        Digest *d = userdata;

        if (d->open)
                abort();
        d->open = 1;
        digest(d, "B", 1);
        digest(d, part->name, strlen(part->name) + 1);
        if (part->filename)
                digest(d, part->filename, strlen(part->filename) + 1);
        if (part->content_type)
                digest(d, part->content_type, strlen(part->content_type) + 1);
        return 0;
}

static int on_data(const void *buf, size_t len, void *userdata) {
        Digest *d = userdata;

        if (!d->open || len == 0)
                abort();
        digest(d, buf, len);
        return 0;
}

static int on_end(void *userdata) {
        Digest *d = userdata;

        if (!d->open)
                abort();
        d->open = 0;
        digest(d, "E", 1);
        return 0;
}

static const MultipartCallbacks callbacks = {
        .part_begin = on_begin,
        .part_data = on_data,
        .part_end = on_end,
};

static int parse(const char *boundary, const uint8_t *body, size_t len, size_t chunk, Digest *d) {
        _cleanup_(multipart_parser_freep) MultipartParser *p = NULL;
        MultipartLimits limits = {
                .max_parts = 8, .max_header_block = 300, .max_headers = 6, .max_header_line = 120,
                .max_part_size = 2000, .max_total_size = 1 << 20,
        };
        int r = 0;

        if (multipart_parser_new(&p, boundary, &limits, &callbacks, d) < 0)
                abort();
        for (size_t i = 0; i < len && r >= 0; i += chunk)
                r = multipart_parser_feed(p, body + i, MIN(chunk, len - i));
        if (r >= 0)
                r = multipart_parser_finish(p);
        if ((r < 0) != !!multipart_parser_error(p))
                abort();
        return r;
}

/* Input: a Content-Type line, then the body. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *boundary = NULL;
        const uint8_t *nl = memchr(data, '\n', size);
        const uint8_t *body;
        size_t len;
        int whole;
        Digest first = {};

        if (!nl || size > 16384)
                return 0;
        if (multipart_boundary_from_content_type((const char *) data, nl - data, &boundary) < 0) {
                boundary = strdup("XyZ");
                if (!boundary)
                        return 0;
        }
        body = nl + 1;
        len = size - (nl + 1 - data);

        whole = parse(boundary, body, len, len ?: 1, &first);

        /* However the body is cut, the parser reports the same things. Only size errors may come
         * earlier or later, as they are found when the data gets there. */
        for (size_t chunk = 1; chunk <= 7; chunk += 3) {
                Digest again = {};
                int r = parse(boundary, body, len, chunk, &again);

                if (r != whole)
                        abort();
                if (r >= 0 && again.hash != first.hash)
                        abort();
        }
        return 0;
}
