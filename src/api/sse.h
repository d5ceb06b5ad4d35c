/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Server-sent events for live output: a program's stdout or stderr cut into `stdout`/`stderr` events whose
 * data is {"text": ...} and whose id counts the bytes of that stream sent so far. Pure functions of their
 * input, for the API to write to a stream.
 */

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define SSE_TEXT_MAX 16384U             /* bytes of output per event, at most */

/* One event, "event: NAME\nid: ID\ndata: DATA\n\n"; name and data must hold no newline. id may be NULL. */
int sse_format(const char *name, const char *id, const char *data, size_t len, char **ret, size_t *ret_len);

/* The state of one output stream's events. */
typedef struct SseText {
        const char *name;               /* "stdout" or "stderr" */
        uint64_t bytes;                 /* sent so far: the next event's id ends past these */
        char held[4];                   /* the start of a UTF-8 sequence cut by a read, kept for the next one */
        size_t n_held;
        const struct SseText *stdout_of; /* if set (on stderr's) or self-pointing (on stdout's): ids name
                                          * both streams, "STDOUT_BYTES,STDERR_BYTES", for resuming both */
        const struct SseText *stderr_of;
} SseText;

/* Parses a Last-Event-ID of paired ids, "STDOUT_BYTES,STDERR_BYTES": 0, or -EINVAL. */
int sse_parse_pair_id(const char *s, uint64_t *ret_stdout, uint64_t *ret_stderr);

/*
 * The events for the next bytes of a stream, appended to *buf (a malloc'd buffer of *len bytes): as many
 * events as SSE_TEXT_MAX needs, none cutting a UTF-8 sequence (invalid bytes become U+FFFD); with `final`,
 * whatever was held back goes out too. Returns 0 or -ENOMEM.
 */
int sse_text_events(SseText *t, const void *data, size_t len, bool final, char **buf, size_t *buf_len);
