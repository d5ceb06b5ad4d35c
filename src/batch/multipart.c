/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "multipart.h"

const MultipartLimits multipart_limits_default = {
        .max_parts = 256,
        .max_header_block = 8192,
        .max_header_line = 2048,
        .max_headers = 16,
        .max_part_size = UINT64_C(256) * 1024 * 1024,
        .max_total_size = UINT64_C(512) * 1024 * 1024,
};

/* Whitespace allowed between a boundary and its CRLF (RFC 2046 "transport-padding"). */
#define PADDING_MAX 256U

typedef enum ParserState {
        STATE_PREAMBLE,         /* before the first boundary: ignored */
        STATE_AFTER_DELIMITER,  /* right after "--boundary" */
        STATE_CLOSE_DASH,       /* after "--boundary-" */
        STATE_PADDING,          /* after "--boundary" and some blanks */
        STATE_BOUNDARY_LF,      /* after "--boundary" [blanks] CR */
        STATE_HEADERS,
        STATE_DATA,
        STATE_EPILOGUE,         /* after the closing "--boundary--": ignored */
        STATE_FAILED,
} ParserState;

struct MultipartParser {
        MultipartLimits limits;
        MultipartCallbacks cb;
        void *userdata;

        ParserState state;
        int error;
        const char *error_message;

        /* "\r\n--" + boundary. Its only CR is its first byte, so when a partial match fails, no
         * suffix of the bytes matched so far can start another match: they are all data, and the
         * search simply restarts at the current byte. That keeps the search linear. */
        char delimiter[4 + MULTIPART_BOUNDARY_MAX];
        size_t delimiter_len;
        size_t matched;         /* bytes of delimiter matched at the end of the input seen so far */
        size_t carried;         /* how many of those arrived in earlier chunks, not yet passed on */

        char *headers;          /* the current part's header block, max_header_block + 1 bytes */
        char *values;           /* unquoted parameter values from it, as many bytes */
        size_t headers_len;
        size_t line_start;
        size_t n_headers;

        size_t n_parts;
        size_t padding;
        uint64_t part_size;
        uint64_t total_size;
};

static int fail(MultipartParser *p, int error, const char *message) {
        p->state = STATE_FAILED;
        p->error = error;
        p->error_message = message;
        return error;
}

static bool is_tchar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                (c != 0 && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

/* RFC 2046 bcharsnospace, plus space (not at the end). */
static bool is_bchar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                (c != 0 && strchr("'()+_,-./:=? ", c));
}

static bool boundary_is_valid(const char *b, size_t len) {
        if (len == 0 || len > MULTIPART_BOUNDARY_MAX || b[len - 1] == ' ')
                return false;
        for (size_t i = 0; i < len; i++)
                if (!is_bchar(b[i]))
                        return false;
        return true;
}

static size_t skip_blanks(const char *s, size_t len, size_t i) {
        while (i < len && is_blank(s[i]))
                i++;
        return i;
}

static size_t skip_token(const char *s, size_t len, size_t i) {
        while (i < len && is_tchar(s[i]))
                i++;
        return i;
}

/*
 * Reads the next parameter of a header value (RFC 7231 §3.1.1.1 style: `; key=token` or
 * `; key="quoted"`) starting at s[*i]. The value, unquoted and NUL-terminated, goes to out, which has
 * room for out_size bytes. Returns 1 with a parameter, 0 at the end, -EINVAL if malformed.
 *
 * In quoted strings only \" and \\ are escapes: browsers send Windows paths with bare backslashes.
 */
static int next_param(const char *s, size_t len, size_t *i, const char **ret_key, size_t *ret_key_len,
                      char *out, size_t out_size, size_t *ret_out_len) {
        size_t k = skip_blanks(s, len, *i), key, key_end, n = 0;

        if (k == len)
                return 0;
        if (s[k] != ';')
                return -EINVAL;
        k = skip_blanks(s, len, k + 1);
        if (k == len)
                return 0;       /* tolerate a trailing ';' */

        key = k;
        key_end = k = skip_token(s, len, k);
        if (key_end == key || k >= len || s[k] != '=')
                return -EINVAL;
        k++;

        if (k < len && s[k] == '"') {
                for (k++; ; k++) {
                        if (k >= len)
                                return -EINVAL;
                        if (s[k] == '"')
                                break;
                        if (s[k] == '\\' && k + 1 < len && (s[k + 1] == '"' || s[k + 1] == '\\'))
                                k++;
                        if (n + 1 >= out_size)
                                return -EINVAL;
                        out[n++] = s[k];
                }
                k++;
        } else {
                size_t start = k;

                k = skip_token(s, len, k);
                if (k == start || k - start >= out_size)
                        return -EINVAL;
                memcpy(out, s + start, k - start);
                n = k - start;
        }
        out[n] = 0;

        *ret_key = s + key;
        *ret_key_len = key_end - key;
        *ret_out_len = n;
        *i = k;
        return 1;
}

static bool key_is(const char *key, size_t len, const char *expected) {
        return strlen(expected) == len && strncasecmp(key, expected, len) == 0;
}

int multipart_boundary_from_content_type(const char *ct, size_t len, char **ret_boundary) {
        _cleanup_free_ char *value = NULL, *boundary = NULL;
        static const char media_type[] = "multipart/form-data";
        size_t i;
        int r;

        if (len > MULTIPART_CONTENT_TYPE_MAX || memchr(ct, 0, len))
                return -EINVAL;

        i = skip_blanks(ct, len, 0);
        if (len - i < strlen(media_type) || strncasecmp(ct + i, media_type, strlen(media_type)) != 0)
                return -EMEDIUMTYPE;
        i += strlen(media_type);
        if (i < len && is_tchar(ct[i]))
                return -EMEDIUMTYPE;    /* "multipart/form-dataX" */

        value = malloc(len + 1);
        if (!value)
                return -ENOMEM;

        for (;;) {
                const char *key;
                size_t key_len, value_len;

                r = next_param(ct, len, &i, &key, &key_len, value, len + 1, &value_len);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (!key_is(key, key_len, "boundary"))
                        continue;
                if (boundary || !boundary_is_valid(value, value_len))
                        return -EINVAL;
                boundary = strdup(value);
                if (!boundary)
                        return -ENOMEM;
        }

        if (!boundary)
                return -EINVAL;
        *ret_boundary = TAKE_PTR(boundary);
        return 0;
}

int multipart_parser_new(
                MultipartParser **ret,
                const char *boundary,
                const MultipartLimits *limits,
                const MultipartCallbacks *cb,
                void *userdata) {

        _cleanup_(multipart_parser_freep) MultipartParser *p = NULL;
        const MultipartLimits *d = &multipart_limits_default;
        size_t blen = strnlen(boundary, MULTIPART_BOUNDARY_MAX + 1);

        if (!boundary_is_valid(boundary, blen) || !cb || !cb->part_begin || !cb->part_data || !cb->part_end)
                return -EINVAL;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;

        if (!limits)
                limits = d;
        p->limits = (MultipartLimits) {
                .max_parts = limits->max_parts ?: d->max_parts,
                .max_header_block = limits->max_header_block ?: d->max_header_block,
                .max_header_line = limits->max_header_line ?: d->max_header_line,
                .max_headers = limits->max_headers ?: d->max_headers,
                .max_part_size = limits->max_part_size ?: d->max_part_size,
                .max_total_size = limits->max_total_size ?: d->max_total_size,
        };
        p->cb = *cb;
        p->userdata = userdata;

        memcpy(p->delimiter, "\r\n--", 4);
        memcpy(p->delimiter + 4, boundary, blen);
        p->delimiter_len = 4 + blen;

        /* The first boundary may open the body without a CRLF before it: pretend one came. */
        p->state = STATE_PREAMBLE;
        p->matched = p->carried = 2;

        p->headers = malloc(p->limits.max_header_block + 1);
        p->values = malloc(p->limits.max_header_block + 1);
        if (!p->headers || !p->values)
                return -ENOMEM;

        *ret = TAKE_PTR(p);
        return 0;
}

MultipartParser *multipart_parser_free(MultipartParser *p) {
        if (!p)
                return NULL;
        free(p->headers);
        free(p->values);
        free(p);
        return NULL;
}

static int emit_data(MultipartParser *p, const void *buf, size_t len) {
        int r;

        if (len == 0 || p->state == STATE_PREAMBLE)
                return 0;
        if (len > p->limits.max_part_size - p->part_size)
                return fail(p, -E2BIG, "part too large");
        p->part_size += len;

        r = p->cb.part_data(buf, len, p->userdata);
        if (r < 0)
                return fail(p, r, "part rejected");
        return 0;
}

/*
 * Searches buf[*i..len) for the delimiter, passing everything before it on as data (or dropping it,
 * in the preamble). Bytes that might be the start of a delimiter are held back until the next byte
 * decides. Returns 1 with *i just past a delimiter, 0 with the chunk used up, or an error.
 */
static int scan_for_delimiter(MultipartParser *p, const char *buf, size_t len, size_t *i) {
        size_t k = *i, run_start = *i;
        int r;

        while (k < len) {
                if (p->matched == 0) {
                        const char *cr = memchr(buf + k, '\r', len - k);

                        if (!cr) {
                                k = len;
                                break;
                        }
                        k = cr - buf + 1;
                        p->matched = 1;
                        continue;
                }

                if (buf[k] == p->delimiter[p->matched]) {
                        k++;
                        if (++p->matched < p->delimiter_len)
                                continue;

                        /* The data ends where the delimiter's bytes from this chunk begin. */
                        r = emit_data(p, buf + run_start, k - (p->delimiter_len - p->carried) - run_start);
                        if (r < 0)
                                return r;
                        p->matched = p->carried = 0;
                        *i = k;
                        return 1;
                }

                /* Not a delimiter after all: what was held back from earlier chunks is data, and
                 * comes before everything in this chunk. The current byte is looked at again. */
                if (p->carried > 0) {
                        r = emit_data(p, p->delimiter, p->carried);
                        if (r < 0)
                                return r;
                        p->carried = 0;
                }
                p->matched = 0;
        }

        /* Hold back a possible delimiter start at the end of the chunk. */
        r = emit_data(p, buf + run_start, len - (p->matched - p->carried) - run_start);
        if (r < 0)
                return r;
        p->carried = p->matched;
        *i = len;
        return 0;
}

/* Parses a Content-Disposition value (RFC 7578 §4.2) into part; parameter values go to out, which has
 * room for out_size bytes. */
static int parse_disposition(const char *s, size_t len, char *out, size_t out_size, MultipartPart *part) {
        static const char form_data[] = "form-data";
        size_t i = skip_token(s, len, 0);

        if (i != strlen(form_data) || strncasecmp(s, form_data, i) != 0)
                return -EINVAL;

        for (;;) {
                const char *key;
                size_t key_len, value_len;
                int r;

                r = next_param(s, len, &i, &key, &key_len, out, out_size, &value_len);
                if (r <= 0)
                        return r;

                if (key_is(key, key_len, "name")) {
                        if (part->name)
                                return -EINVAL;
                        part->name = out;
                } else if (key_is(key, key_len, "filename")) {
                        if (part->filename)
                                return -EINVAL;
                        part->filename = out;
                } else
                        continue;       /* keep the unused value's bytes for the next one */

                out += value_len + 1;
                out_size -= value_len + 1;
        }
}

/* Parses the complete header block (without its final empty line) and announces the part. */
static int begin_part(MultipartParser *p) {
        MultipartPart part = {};
        bool have_disposition = false;
        char *block = p->headers;
        size_t len = p->headers_len;
        int r;

        for (size_t start = 0; start < len;) {
                char *line = block + start, *colon, *value;
                size_t line_len = (char *) memchr(line, '\r', len - start) - line, name_len, value_len;

                start += line_len + 2;
                line[line_len] = 0;

                if (is_blank(line[0]))
                        return fail(p, -EBADMSG, "folded part header");
                colon = memchr(line, ':', line_len);
                name_len = colon ? (size_t) (colon - line) : 0;
                if (name_len == 0 || skip_token(line, name_len, 0) != name_len)
                        return fail(p, -EBADMSG, "malformed part header");

                value = colon + 1;
                value_len = line_len - name_len - 1;
                while (value_len > 0 && is_blank(value[0])) {
                        value++;
                        value_len--;
                }
                while (value_len > 0 && is_blank(value[value_len - 1]))
                        value_len--;
                value[value_len] = 0;

                if (key_is(line, name_len, "Content-Disposition")) {
                        if (have_disposition)
                                return fail(p, -EBADMSG, "repeated Content-Disposition header");
                        have_disposition = true;
                        r = parse_disposition(value, value_len,
                                              p->values, p->limits.max_header_block + 1, &part);
                        if (r < 0)
                                return fail(p, -EBADMSG, "malformed Content-Disposition header");
                } else if (key_is(line, name_len, "Content-Type")) {
                        if (part.content_type || value_len == 0)
                                return fail(p, -EBADMSG, "malformed or repeated part Content-Type");
                        part.content_type = value;
                }
        }

        if (!have_disposition)
                return fail(p, -EBADMSG, "part without Content-Disposition: form-data");
        if (!part.name)
                return fail(p, -EBADMSG, "part without a name");

        r = p->cb.part_begin(&part, p->userdata);
        if (r < 0)
                return fail(p, r, "part rejected");
        return 0;
}

/* Adds one byte to the header block, and starts the part when the block is complete. */
static int header_byte(MultipartParser *p, char c) {
        unsigned char u = c;
        bool after_cr = p->headers_len > 0 && p->headers[p->headers_len - 1] == '\r';

        if (p->headers_len >= p->limits.max_header_block)
                return fail(p, -E2BIG, "part headers too large");
        if ((u < 0x20 && c != '\t' && c != '\r' && c != '\n') || u == 0x7f)
                return fail(p, -EBADMSG, "control character in part headers");
        if ((c == '\n') != after_cr)
                return fail(p, -EBADMSG, "part header lines must end with CRLF");

        p->headers[p->headers_len++] = c;
        if (p->headers_len - p->line_start > p->limits.max_header_line)
                return fail(p, -E2BIG, "part header line too long");
        if (c != '\n')
                return 0;

        if (p->headers_len - p->line_start == 2) {
                /* The empty line: the block ends before it. */
                p->headers_len = p->line_start;
                p->state = STATE_DATA;
                return begin_part(p);
        }
        if (++p->n_headers > p->limits.max_headers)
                return fail(p, -E2BIG, "too many part headers");
        p->line_start = p->headers_len;
        return 0;
}

/* Handles the bytes between a delimiter and the next part's headers, or the closing "--". */
static int boundary_line_byte(MultipartParser *p, char c) {
        switch (p->state) {

        case STATE_AFTER_DELIMITER:
                if (c == '-')
                        p->state = STATE_CLOSE_DASH;
                else if (is_blank(c)) {
                        p->state = STATE_PADDING;
                        p->padding = 1;
                } else if (c == '\r')
                        p->state = STATE_BOUNDARY_LF;
                else
                        break;
                return 0;

        case STATE_CLOSE_DASH:
                if (c != '-')
                        break;
                p->state = STATE_EPILOGUE;
                return 0;

        case STATE_PADDING:
                if (is_blank(c) && ++p->padding <= PADDING_MAX)
                        return 0;
                if (c != '\r')
                        break;
                p->state = STATE_BOUNDARY_LF;
                return 0;

        case STATE_BOUNDARY_LF:
                if (c != '\n')
                        break;
                if (++p->n_parts > p->limits.max_parts)
                        return fail(p, -E2BIG, "too many parts");
                p->state = STATE_HEADERS;
                p->headers_len = p->line_start = p->n_headers = 0;
                p->part_size = 0;
                return 0;

        default:
                break;
        }

        return fail(p, -EBADMSG, "malformed boundary line");
}

int multipart_parser_feed(MultipartParser *p, const void *data, size_t len) {
        const char *buf = data;
        int r;

        if (p->state == STATE_FAILED)
                return p->error;
        if (len > p->limits.max_total_size - p->total_size)
                return fail(p, -E2BIG, "request body too large");
        p->total_size += len;

        for (size_t i = 0; i < len;)
                switch (p->state) {

                case STATE_PREAMBLE:
                case STATE_DATA:
                        r = scan_for_delimiter(p, buf, len, &i);
                        if (r <= 0)
                                return r;
                        if (p->state == STATE_DATA) {
                                r = p->cb.part_end(p->userdata);
                                if (r < 0)
                                        return fail(p, r, "part rejected");
                        }
                        p->state = STATE_AFTER_DELIMITER;
                        break;

                case STATE_HEADERS:
                        r = header_byte(p, buf[i++]);
                        if (r < 0)
                                return r;
                        break;

                case STATE_EPILOGUE:
                        i = len;
                        break;

                default:
                        r = boundary_line_byte(p, buf[i++]);
                        if (r < 0)
                                return r;
                }

        return 0;
}

int multipart_parser_finish(MultipartParser *p) {
        if (p->state == STATE_FAILED)
                return p->error;
        if (p->state != STATE_EPILOGUE)
                return fail(p, -EBADMSG, "body ended before the closing boundary");
        return 0;
}

const char *multipart_parser_error(const MultipartParser *p) {
        return p->state == STATE_FAILED ? p->error_message : NULL;
}
