/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cli-args.h"
#include "cli-http.h"

/* How long the file must stay quiet after an event before it is run: one save is many events. */
#define WATCH_SETTLE_MSEC 150

/*
 * Whether an inotify event on the watched file's directory means the file was saved: written and
 * closed in place, or renamed over (editors that save to a temporary file and rename it).
 */
bool watch_event_is_save(uint32_t mask, const char *event_name, const char *target_name);

/* Runs a->program (or, for `sandrun run`, the files of a->paths), then again after every save of one of
 * them, until interrupted. Returns an exit code. */
int cli_watch(HttpClient *c, const CliArgs *a);
