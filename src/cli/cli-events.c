/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli-events.h"

void event_parser_done(EventParser *p) {
        free(p->buf);
        *p = (EventParser) {};
}

static bool id_is_valid(const char *v, size_t n) {
        if (n > EVENT_ID_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) v[i] < 0x20 || v[i] == 0x7f)
                        return false;
        return true;
}

/* One event: its lines are block[0..len). */
static int dispatch(EventParser *p, const char *block, size_t len, event_handler_t on_event, void *userdata) {
        char name[EVENT_NAME_MAX + 1] = "message";
        _cleanup_free_ char *data = malloc(len + 1);
        size_t data_len = 0;
        bool have_data = false;

        if (!data)
                return -ENOMEM;
        for (const char *line = block, *end = block + len; line < end;) {
                const char *nl = memchr(line, '\n', (size_t) (end - line)) ?: end;
                size_t n = (size_t) (nl - line);
                if (n > 0 && line[n - 1] == '\r')
                        n--;
                if (n >= 6 && memcmp(line, "event:", 6) == 0) {
                        const char *v = line + 6 + (n > 6 && line[6] == ' ');
                        size_t vn = n - (size_t) (v - line);
                        if (vn > EVENT_NAME_MAX || memchr(v, 0, vn))
                                return -EBADMSG;
                        memcpy(name, v, vn);
                        name[vn] = 0;
                } else if (n >= 5 && memcmp(line, "data:", 5) == 0) {
                        const char *v = line + 5 + (n > 5 && line[5] == ' ');
                        size_t vn = n - (size_t) (v - line);
                        if (have_data)
                                data[data_len++] = '\n';
                        memcpy(data + data_len, v, vn);
                        data_len += vn;
                        have_data = true;
                } else if (n >= 3 && memcmp(line, "id:", 3) == 0) {
                        const char *v = line + 3 + (n > 3 && line[3] == ' ');
                        size_t vn = n - (size_t) (v - line);
                        if (id_is_valid(v, vn)) {
                                memcpy(p->last_id, v, vn);
                                p->last_id[vn] = 0;
                        }
                }
                line = nl + 1;
        }
        data[data_len] = 0;
        if (!have_data)
                return 0;
        return on_event(name, data, data_len, userdata);
}

int event_parser_feed(EventParser *p, const char *data, size_t n, event_handler_t on_event, void *userdata) {
        int r;

        if (n > EVENT_MAX - p->len)
                return -EBADMSG;
        if (p->len + n + 1 > p->allocated) {
                size_t want = MAX(p->len + n + 1, MIN(p->allocated * 2, EVENT_MAX + 1));
                char *b = realloc(p->buf, want);
                if (!b)
                        return -ENOMEM;
                p->buf = b;
                p->allocated = want;
        }
        memcpy(p->buf + p->len, data, n);
        p->len += n;

        size_t start = 0;
        for (;;) {
                char *end = p->len > start ? memmem(p->buf + start, p->len - start, "\n\n", 2) : NULL;
                if (!end)
                        break;
                size_t block_len = (size_t) (end - (p->buf + start));
                r = dispatch(p, p->buf + start, block_len, on_event, userdata);
                start += block_len + 2;
                if (r < 0) {
                        memmove(p->buf, p->buf + start, p->len - start);
                        p->len -= start;
                        return r;
                }
        }
        memmove(p->buf, p->buf + start, p->len - start);
        p->len -= start;
        return 0;
}

static int parse_count(const char *s, char **end, size_t *ret) {
        if (*s < '0' || *s > '9')
                return -EINVAL;         /* strtoull() would take spaces and signs */
        errno = 0;
        unsigned long long v = strtoull(s, end, 10);
        if (errno != 0 || v > SIZE_MAX)
                return -EINVAL;
        *ret = (size_t) v;
        return 0;
}

int event_id_parse_pair(const char *id, size_t *ret_out, size_t *ret_err) {
        size_t out, err;
        char *end;

        if (parse_count(id, &end, &out) < 0 || *end != ',' || parse_count(end + 1, &end, &err) < 0 || *end != 0)
                return -EINVAL;
        *ret_out = out;
        *ret_err = err;
        return 0;
}
