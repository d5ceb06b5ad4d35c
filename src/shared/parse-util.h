/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Parsers for the daemon's command line values. Pure, bounded, strict about trailing garbage. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* "512M", "1G", "65536", "64K": bytes, with binary suffixes K, M, G, T. */
int parse_size(const char *s, uint64_t *ret);
/* "300", "300s", "5m", "1.5s", "250ms": to microseconds. */
int parse_duration(const char *s, uint64_t *ret);
/* "100%", "150%" or "1.5" (cores): to CPUQuotaPerSecUSec. */
int parse_cpu_quota(const char *s, uint64_t *ret);
/* A decimal number within [min, max]. */
int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *ret);
/* The per-job limits both daemons take on their command lines, with the same floors and ceilings: a memory
 * limit of at least 8M (less cannot start an interpreter), 4 to 2^20 tasks, a wall-clock limit of at
 * least 100 ms. */
int parse_job_memory_max(const char *s, uint64_t *ret);
int parse_job_tasks_max(const char *s, uint64_t *ret);
int parse_job_timeout(const char *s, uint64_t *ret);
/* "127.0.0.1:8443", "[::1]:8443", "0.0.0.0:443". */
int parse_listen_address(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len);
bool sockaddr_is_loopback(const struct sockaddr *sa);
