/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "json-util.h"
#include "sse.h"
#include "wipe.h"

int sse_format(const char *name, const char *id, const char *data, size_t len, char **ret, size_t *ret_len) {
        char *s = NULL;
        int n;

        assert(name && !strchr(name, '\n'));
        assert(!memchr(data, '\n', len));
        if (id)
                n = asprintf(&s, "event: %s\nid: %s\ndata: %.*s\n\n", name, id, (int) len, data);
        else
                n = asprintf(&s, "event: %s\ndata: %.*s\n\n", name, (int) len, data);
        if (n < 0)
                return -ENOMEM;
        *ret = s;
        *ret_len = (size_t) n;
        return 0;
}

/* How many bytes at the start of s (len bytes) end on a character boundary: only an incomplete but so
 * far valid lead of a multi-byte sequence at the very end is held back, at most 3 bytes. */
static size_t complete_prefix(const char *s, size_t len) {
        for (size_t back = 1; back <= 3 && back <= len; back++) {
                unsigned char c = (unsigned char) s[len - back];
                if ((c & 0xc0) == 0x80)
                        continue;       /* a continuation byte: look further back for its lead */
                size_t need = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 1;
                return need > back ? len - back : len;
        }
        return len;
}

static int append(char **buf, size_t *buf_len, const char *s, size_t n) {
        /* Events hold job output: grown by doubling, each old block wiped. */
        size_t want = *buf_len + n + 1;
        char *b = *buf && malloc_usable_size(*buf) >= want ? *buf
                                                           : wipe_realloc(*buf, MAX(want, 2 * *buf_len));
        if (!b)
                return -ENOMEM;
        memcpy(b + *buf_len, s, n);
        *buf = b;
        *buf_len += n;
        (*buf)[*buf_len] = 0;
        return 0;
}

static int one_event(SseText *t, const char *s, size_t n, char **buf, size_t *buf_len) {
        _cleanup_free_ char *ev = NULL;
        size_t ev_len, json_len;
        char id[32];
        int r;

        json_object *o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        json_object_object_add(o, "text", json_string_from_bytes(s, n));
        const char *json = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                                             &json_len);
        t->bytes += n;
        if (t->stdout_of && t->stderr_of)
                snprintf(id, sizeof(id), "%" PRIu64 ",%" PRIu64, t->stdout_of->bytes, t->stderr_of->bytes);
        else
                snprintf(id, sizeof(id), "%" PRIu64, t->bytes);
        r = json ? sse_format(t->name, id, json, json_len, &ev, &ev_len) : -ENOMEM;
        json_object_put(o);
        if (r < 0)
                return r;
        return append(buf, buf_len, ev, ev_len);
}

int sse_parse_pair_id(const char *s, uint64_t *ret_stdout, uint64_t *ret_stderr) {
        unsigned long long a, b;
        int n = -1;

        if (!s || strlen(s) > 41 || sscanf(s, "%20llu,%20llu%n", &a, &b, &n) != 2 || n != (int) strlen(s) ||
            s[0] == '-' || strchr(s, '-') || strchr(s, ' ') || strchr(s, '+'))
                return -EINVAL;
        *ret_stdout = a;
        *ret_stderr = b;
        return 0;
}

int sse_text_events(SseText *t, const void *data, size_t len, bool final, char **buf, size_t *buf_len) {
        _cleanup_free_ char *joined = malloc(t->n_held + len + 1);
        int r;

        if (!joined)
                return -ENOMEM;
        memcpy(joined, t->held, t->n_held);
        if (len > 0)
                memcpy(joined + t->n_held, data, len);
        size_t total = t->n_held + len, done = 0;
        size_t end = final ? total : complete_prefix(joined, total);

        while (done < end) {
                size_t n = MIN(end - done, (size_t) SSE_TEXT_MAX);
                if (done + n < end)
                        n = complete_prefix(joined + done, n) ?: n;
                r = one_event(t, joined + done, n, buf, buf_len);
                if (r < 0)
                        return r;
                done += n;
        }
        t->n_held = total - end;
        memcpy(t->held, joined + end, t->n_held);
        return 0;
}
