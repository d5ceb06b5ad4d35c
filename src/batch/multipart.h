/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Streaming multipart/form-data parser (RFC 7578, RFC 2046 §5.1), fed request body chunks as they
 * arrive. It holds at most one part's header block, never a part's body, and every byte is looked at
 * a bounded number of times however the body is cut into chunks.
 */

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define MULTIPART_BOUNDARY_MAX 70U              /* RFC 2046 */
#define MULTIPART_CONTENT_TYPE_MAX 1024U        /* bytes of Content-Type we look at */

/* Limits for one request body. A field left 0 takes the default from multipart_limits_default. */
typedef struct MultipartLimits {
        size_t max_parts;
        size_t max_header_block;        /* bytes of one part's header lines, CRLFs included */
        size_t max_header_line;         /* bytes of one header line */
        size_t max_headers;             /* header lines in one part */
        uint64_t max_part_size;         /* bytes of one part's body */
        uint64_t max_total_size;        /* bytes of the whole body, preamble and epilogue included */
} MultipartLimits;

extern const MultipartLimits multipart_limits_default;

/* What a part's headers said. The strings are only valid during the part_begin callback. */
typedef struct MultipartPart {
        const char *name;               /* the form field's name, never NULL */
        const char *filename;           /* NULL if the part has none; not checked as a path here */
        const char *content_type;       /* NULL if the part has no Content-Type */
} MultipartPart;

/* Called in order part_begin, part_data (any number of times, never with len 0), part_end, for each
 * part. A negative return stops the parser: feed() returns it, and the parser stays failed. part_end
 * is not called for a part the body breaks off in. */
typedef struct MultipartCallbacks {
        int (*part_begin)(const MultipartPart *part, void *userdata);
        int (*part_data)(const void *buf, size_t len, void *userdata);
        int (*part_end)(void *userdata);
} MultipartCallbacks;

typedef struct MultipartParser MultipartParser;

/*
 * Extracts the boundary from a Content-Type header value (len bytes, need not be NUL-terminated),
 * which must be multipart/form-data with a boundary parameter of 1-70 valid characters.
 * Returns 0 and a new string in *ret_boundary, -EMEDIUMTYPE if the type is not multipart/form-data,
 * -EINVAL if the boundary is missing or invalid or the header malformed or too long, -ENOMEM.
 */
int multipart_boundary_from_content_type(const char *ct, size_t len, char **ret_boundary);

/* limits may be NULL for the defaults; cb must set all three callbacks. The parser copies boundary.
 * Returns 0, -EINVAL for a boundary multipart_boundary_from_content_type() would refuse, -ENOMEM. */
int multipart_parser_new(
                MultipartParser **ret,
                const char *boundary,
                const MultipartLimits *limits,
                const MultipartCallbacks *cb,
                void *userdata);
MultipartParser *multipart_parser_free(MultipartParser *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(MultipartParser *, multipart_parser_free);

/* Parses the next len bytes of the body. Returns 0, or -EBADMSG (malformed body), -E2BIG (a limit was
 * exceeded), a callback's error, or -ENOMEM; after an error every further call returns it again. */
int multipart_parser_feed(MultipartParser *p, const void *buf, size_t len);

/* Says the body is complete. Returns 0 if it ended with the closing boundary, -EBADMSG if it did not,
 * or the error that stopped the parser earlier. */
int multipart_parser_finish(MultipartParser *p);

/* Why the parser failed, for the client: a static string, or NULL if it has not failed. */
const char *multipart_parser_error(const MultipartParser *p);
