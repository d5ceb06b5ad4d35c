/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Longer waits than a year are not a server's honest advice; such values are refused. */
#define RETRY_AFTER_MAX_SECONDS ((uint64_t) 366 * 24 * 3600)

/*
 * Parses an HTTP Retry-After value, either delay-seconds ("120") or an IMF-fixdate
 * ("Sun, 06 Nov 1994 08:49:37 GMT"), into the number of seconds to wait counted from `now`; a date in
 * the past gives 0. Returns 0, -EINVAL for a malformed value, -ERANGE for one beyond the maximum.
 */
int retry_after_parse(const char *value, size_t len, time_t now, uint64_t *ret_seconds);
