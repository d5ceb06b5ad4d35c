/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A JSON answer sent piecewise from bounded buffers: the small part (the "skeleton") is serialized by
 * json-c as usual, while large string values ("holes", e.g. a job's stdout) are escaped from the bytes
 * they quote only as the client reads, a few KiB at a time. What a slow client costs is then its place in
 * the stream, not a copy of the answer (JSON escaping can make output six times larger).
 *
 * A hole quotes the concatenation of one or more pieces named by tags; `read` copies a piece's bytes out at
 * each step (they may be kept encrypted, or move), into a window of the stream's own that is wiped, and only
 * the first bytes the piece had when the hole was made are sent. If `read` fails (the job is gone) the
 * answer ends with an error, cut short.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

typedef struct JsonStream JsonStream;

/* Copies up to max bytes of piece `tag` from offset into buf: how many (0 past its end), or -errno;
 * *ret_size gets the piece's whole length. */
typedef ssize_t (*json_stream_read_t)(void *userdata, unsigned tag, uint64_t offset, void *buf, size_t max,
                                      uint64_t *ret_size);

#define JSON_STREAM_HOLE_PIECES 2

/* userdata is freed with the stream by free_userdata (may be NULL). */
int json_stream_new(JsonStream **ret, json_stream_read_t read, void *userdata, void (*free_userdata)(void *userdata));
JsonStream *json_stream_free(JsonStream *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(JsonStream *, json_stream_free);

/* A string value for the skeleton that quotes the pieces `tags` (at most JSON_STREAM_HOLE_PIECES), or NULL
 * when out of memory. It belongs in this stream's skeleton only. */
json_object *json_stream_hole(JsonStream *s, const unsigned *tags, size_t n_tags);

/* Serializes the skeleton (plain, no slash escapes, a newline at the end); no holes may be added after. */
int json_stream_finish(JsonStream *s, json_object *root);

/* The next bytes of the answer into buf (max > 0): how many, 0 at its end, or -errno (the answer cannot be
 * completed). Never returns 0 before the end. */
ssize_t json_stream_read(JsonStream *s, char *buf, size_t max);
