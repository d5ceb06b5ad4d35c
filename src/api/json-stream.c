/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-escape.h"
#include "json-stream.h"
#include "wipe.h"

/* In the serialized skeleton, a hole is MARK_START, its index in decimal, MARK_END: raw control bytes,
 * which json-c never prints (in strings and keys it escapes them), so nothing else can look like one. */
#define MARK_START '\x01'
#define MARK_END '\x02'

typedef struct JsonHole {
        JsonStream *stream;
        unsigned tags[JSON_STREAM_HOLE_PIECES];
        size_t lens[JSON_STREAM_HOLE_PIECES];
        size_t n_tags;
} JsonHole;

struct JsonStream {
        json_stream_get_t get;
        void *userdata;
        void (*free_userdata)(void *userdata);

        JsonHole **holes;
        size_t n_holes;

        char *skeleton;
        size_t skeleton_len, skeleton_off;

        /* Inside a hole: which one, which piece, and how far into it. */
        JsonHole *hole;
        size_t piece, piece_off;

        /* An escaped character that did not fit into the caller's buffer. */
        char spill[JSON_ESCAPE_MAX_PER_BYTE * 4];
        size_t spill_len, spill_off;
};

int json_stream_new(JsonStream **ret, json_stream_get_t get, void *userdata, void (*free_userdata)(void *userdata)) {
        JsonStream *s = calloc(1, sizeof(JsonStream));

        if (!s)
                return -ENOMEM;
        s->get = get;
        s->userdata = userdata;
        s->free_userdata = free_userdata;
        *ret = s;
        return 0;
}

JsonStream *json_stream_free(JsonStream *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_holes; i++)
                free(s->holes[i]);
        free(s->holes);
        wipe_free(s->skeleton);
        explicit_bzero(s->spill, sizeof(s->spill));
        if (s->free_userdata)
                s->free_userdata(s->userdata);
        free(s);
        return NULL;
}

static int hole_to_json_string(json_object *o, struct printbuf *pb, int level, int flags) {
        JsonHole *h = json_object_get_userdata(o);
        size_t index = 0;
        char mark[32];

        while (h->stream->holes[index] != h)
                index++;
        int n = snprintf(mark, sizeof(mark), "\"%c%zu%c\"", MARK_START, index, MARK_END);
        return printbuf_memappend(pb, mark, n);
}

json_object *json_stream_hole(JsonStream *s, const unsigned *tags, size_t n_tags) {
        assert(n_tags <= JSON_STREAM_HOLE_PIECES);

        JsonHole *h = calloc(1, sizeof(JsonHole));
        if (!h)
                return NULL;
        h->stream = s;
        h->n_tags = n_tags;
        for (size_t i = 0; i < n_tags; i++) {
                const char *data;
                h->tags[i] = tags[i];
                if (s->get(s->userdata, tags[i], &data, &h->lens[i]) < 0)
                        h->lens[i] = 0;
        }
        JsonHole **holes = realloc(s->holes, (s->n_holes + 1) * sizeof(JsonHole *));
        if (!holes) {
                free(h);
                return NULL;
        }
        s->holes = holes;
        s->holes[s->n_holes++] = h;

        /* A string to whoever looks at the tree; only its serializer knows it is a hole. */
        json_object *o = json_object_new_string("");
        if (!o)
                return NULL;            /* the hole stays in the table, unused */
        json_object_set_serializer(o, hole_to_json_string, h, NULL);
        return o;
}

int json_stream_finish(JsonStream *s, json_object *root) {
        size_t len;
        const char *text = json_object_to_json_string_length(root, JSON_C_TO_STRING_PLAIN |
                                                                           JSON_C_TO_STRING_NOSLASHESCAPE, &len);

        if (!text)
                return -ENOMEM;
        s->skeleton = malloc(len + 1);
        if (!s->skeleton)
                return -ENOMEM;
        memcpy(s->skeleton, text, len);
        /* A trailing newline keeps curl output tidy in a terminal. */
        s->skeleton[len] = '\n';
        s->skeleton_len = len + 1;
        return 0;
}

/* Escapes from the current piece of the current hole; 0 when the hole is done. */
static ssize_t read_hole(JsonStream *s, char *buf, size_t max) {
        JsonHole *h = s->hole;

        while (s->piece < h->n_tags) {
                const char *data;
                size_t have, consumed;
                int r = s->get(s->userdata, h->tags[s->piece], &data, &have);
                if (r < 0)
                        return r;
                if (have < h->lens[s->piece])
                        return -ESTALE;         /* the bytes changed under us */
                size_t left = h->lens[s->piece] - s->piece_off;
                if (left == 0) {
                        s->piece++;
                        s->piece_off = 0;
                        continue;
                }
                size_t n = json_escape_chunk(data + s->piece_off, left, true, buf, max, &consumed);
                if (consumed == 0) {
                        /* Not even one character fits: escape it aside and hand out what fits. */
                        n = json_escape_chunk(data + s->piece_off, left, true, s->spill, sizeof(s->spill),
                                              &consumed);
                        assert(consumed > 0);
                        s->spill_len = n;
                        s->spill_off = 0;
                        s->piece_off += consumed;
                        n = MIN(max, s->spill_len);
                        memcpy(buf, s->spill, n);
                        s->spill_off = n;
                        return (ssize_t) n;
                }
                s->piece_off += consumed;
                return (ssize_t) n;
        }
        s->hole = NULL;
        return 0;
}

ssize_t json_stream_read(JsonStream *s, char *buf, size_t max) {
        assert(s->skeleton);
        assert(max > 0);

        if (s->spill_off < s->spill_len) {
                size_t n = MIN(max, s->spill_len - s->spill_off);
                memcpy(buf, s->spill + s->spill_off, n);
                s->spill_off += n;
                return (ssize_t) n;
        }
        for (;;) {
                if (s->hole) {
                        ssize_t n = read_hole(s, buf, max);
                        if (n != 0)
                                return n;
                }
                if (s->skeleton_off == s->skeleton_len)
                        return 0;

                const char *p = s->skeleton + s->skeleton_off;
                size_t left = s->skeleton_len - s->skeleton_off;
                const char *mark = memchr(p, MARK_START, left);
                if (mark == p) {
                        const char *end = memchr(p, MARK_END, left);
                        if (!end)
                                return -EBADMSG;
                        size_t index = strtoul(p + 1, NULL, 10);
                        if (index >= s->n_holes)
                                return -EBADMSG;
                        s->hole = s->holes[index];
                        s->piece = s->piece_off = 0;
                        s->skeleton_off += end + 1 - p;
                        continue;
                }
                size_t n = MIN(max, mark ? (size_t) (mark - p) : left);
                memcpy(buf, p, n);
                s->skeleton_off += n;
                return (ssize_t) n;
        }
}
