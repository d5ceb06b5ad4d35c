/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Server-sent events as the server streams them (sandrun's /run with live output): fed the body in
 * whatever pieces the transfer delivers, it hands over each complete event's name and data. A pure parser
 * with a hard limit on an event's size, so a hostile server cannot make the CLI allocate without bound.
 */

#include <stddef.h>

#include "macro.h"

#define EVENT_MAX ((size_t) 256 << 20)  /* bytes of one event: a result carries all the output */
#define EVENT_NAME_MAX 32U
#define EVENT_ID_MAX 64U

typedef int (*event_handler_t)(const char *name, const char *data, size_t len, void *userdata);

typedef struct EventParser {
        char *buf;
        size_t len, allocated;
        /* SSE's "last event ID": the latest "id:" value, set before its event is handed over; "" before
         * any. Ids longer than EVENT_ID_MAX or with control characters are ignored (it goes back to the
         * server in a Last-Event-ID header). */
        char last_id[EVENT_ID_MAX + 1];
} EventParser;

/* Feeds bytes; calls on_event for every event completed, stopping at the first negative return, which it
 * passes on. Returns 0, -EBADMSG (an event over EVENT_MAX, or a name over EVENT_NAME_MAX), -ENOMEM. Lines
 * other than "event:", "data:" and "id:" (comments, "retry:") are skipped; several data lines are joined
 * with "\n". */
int event_parser_feed(EventParser *p, const char *data, size_t n, event_handler_t on_event, void *userdata);
void event_parser_done(EventParser *p);

/* An id of GET /logs' events, "STDOUT_BYTES,STDERR_BYTES": 0, or -EINVAL (then nothing is written). */
int event_id_parse_pair(const char *id, size_t *ret_out, size_t *ret_err);
