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
        uint64_t lens[JSON_STREAM_HOLE_PIECES];
        size_t n_tags;
} JsonHole;

#define WINDOW_SIZE (16U * 1024U)

struct JsonStream {
        json_stream_read_t read;
        void *userdata;
        void (*free_userdata)(void *userdata);

        JsonHole **holes;
        size_t n_holes;

        char *skeleton;
        size_t skeleton_len, skeleton_off;

        /* Inside a hole: which one, which piece, and how far into it the window reaches. */
        JsonHole *hole;
        size_t piece;
        uint64_t piece_off;

        /* The piece's bytes being escaped: window[win_off..win_len) are still to go. */
        char window[WINDOW_SIZE];
        size_t win_len, win_off;

        /* An escaped character that did not fit into the caller's buffer. */
        char spill[JSON_ESCAPE_MAX_PER_BYTE * 4];
        size_t spill_len, spill_off;

        /* A failure met after bytes were handed out: the next read reports it. */
        int error;
};

int json_stream_new(JsonStream **ret, json_stream_read_t read, void *userdata, void (*free_userdata)(void *userdata)) {
        JsonStream *s = calloc(1, sizeof(JsonStream));

        if (!s)
                return -ENOMEM;
        s->read = read;
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
        if (s->free_userdata)
                s->free_userdata(s->userdata);
        /* The window and the spill held job output. */
        explicit_bzero(s, sizeof(*s));
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
                h->tags[i] = tags[i];
                if (s->read(s->userdata, tags[i], 0, NULL, 0, &h->lens[i]) < 0)
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

/* Reads more of the current piece into the window, after what is left in it. */
static int fill_window(JsonStream *s) {
        JsonHole *h = s->hole;
        size_t left = s->win_len - s->win_off;
        uint64_t size;

        memmove(s->window, s->window + s->win_off, left);
        s->win_off = 0;
        s->win_len = left;
        size_t want = (size_t) MIN((uint64_t) (sizeof(s->window) - left), h->lens[s->piece] - s->piece_off);
        ssize_t n = s->read(s->userdata, h->tags[s->piece], s->piece_off, s->window + left, want, &size);
        if (n < 0)
                return (int) n;
        /* The bytes changed under us. */
        if (size < h->lens[s->piece] || (size_t) n != want)
                return -ESTALE;
        s->win_len += (size_t) n;
        s->piece_off += (uint64_t) n;
        return 0;
}

/* Escapes from the current piece of the current hole; 0 when the hole is done. */
static ssize_t read_hole(JsonStream *s, char *buf, size_t max) {
        JsonHole *h = s->hole;
        int r;

        while (s->piece < h->n_tags) {
                bool at_end = s->piece_off == h->lens[s->piece];
                if (s->win_off == s->win_len) {
                        if (at_end) {
                                s->piece++;
                                s->piece_off = 0;
                                s->win_off = s->win_len = 0;
                                continue;
                        }
                        r = fill_window(s);
                        if (r < 0)
                                return r;
                        continue;
                }
                size_t consumed, n;
                n = json_escape_chunk(s->window + s->win_off, s->win_len - s->win_off, at_end, buf, max, &consumed);
                if (consumed > 0) {
                        s->win_off += consumed;
                        return (ssize_t) n;
                }
                /* Not even one character fits: escape it aside and hand out what fits. */
                n = json_escape_chunk(s->window + s->win_off, s->win_len - s->win_off, at_end, s->spill,
                                      sizeof(s->spill), &consumed);
                if (consumed > 0) {
                        s->win_off += consumed;
                        s->spill_len = n;
                        n = MIN(max, s->spill_len);
                        memcpy(buf, s->spill, n);
                        s->spill_off = n;
                        return (ssize_t) n;
                }
                /* A character cut by the window's end: read on behind it. */
                r = fill_window(s);
                if (r < 0)
                        return r;
        }
        s->hole = NULL;
        return 0;
}

/* The next run of bytes up to a change between skeleton, hole and spill. */
static ssize_t read_step(JsonStream *s, char *buf, size_t max) {
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
                        s->piece = 0;
                        s->piece_off = 0;
                        s->win_off = s->win_len = 0;
                        s->skeleton_off += end + 1 - p;
                        continue;
                }
                size_t n = MIN(max, mark ? (size_t) (mark - p) : left);
                memcpy(buf, p, n);
                s->skeleton_off += n;
                return (ssize_t) n;
        }
}

/* Fills buf as far as the answer goes: each read becomes one chunk, one TLS record and one send, so a
 * small answer goes out in one piece instead of one per stretch of skeleton and hole. */
ssize_t json_stream_read(JsonStream *s, char *buf, size_t max) {
        size_t done = 0;

        assert(s->skeleton);
        assert(max > 0);

        if (s->error < 0)
                return s->error;
        while (done < max) {
                ssize_t n = read_step(s, buf + done, max - done);
                if (n < 0) {
                        if (done == 0)
                                return n;
                        s->error = (int) n;
                        break;
                }
                if (n == 0)
                        break;
                done += (size_t) n;
        }
        return (ssize_t) done;
}
