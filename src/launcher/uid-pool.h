/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Outer uids for jobs: each job's SANDBOX_UID (and gid, the same number) maps to a host uid of its own
 * that owns nothing and holds no grant, from a range given with --job-uid-range. An escape from a job's
 * user namespace then lands in a uid that can signal, trace or read nothing of the daemons or of other
 * jobs, and per-user kernel limits (inotify, pipe pages, mqueues) are not shared.
 *
 * The range is checked at start: against systemd's reserved ranges (docs/UIDS-GIDS.md: system and
 * regular users, homed, nspawn's host users, dynamic users 61184-65519, nobody, 16-bit -1, container
 * ranges 524288-1879048191, and everything from 2^31 on), against every uid in /etc/passwd and gid in
 * /etc/group, and against every range in /etc/subuid and /etc/subgid. A uid goes back to the pool only
 * when its job's last process is gone (the job's init has been reaped: a PID namespace's init exits
 * last), and the pool hands out the least recently freed uid first.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

/* 1879048192-1879113727 (0x70000000-0x7000FFFF): right above systemd's container ranges, in what
 * UIDS-GIDS.md lists as unused, below 2^31. 65536 uids: far more than jobs can run at once. */
#define UID_POOL_DEFAULT_RANGE "1879048192-1879113727"
#define UID_POOL_DEFAULT_FIRST 1879048192U
#define UID_POOL_DEFAULT_COUNT 65536U
#define UID_POOL_SIZE_MAX (1U << 20)

typedef struct UidRange {
        uid_t first;
        uint32_t count;
} UidRange;

/* "FIRST-LAST", inclusive, decimal; at most UID_POOL_SIZE_MAX uids, all below 2^31. */
int uid_range_parse(const char *s, UidRange *ret);

/* Pure checks; on a collision they return -EADDRINUSE and say what with (a static string) and where. */
int uid_range_check_reserved(const UidRange *r, const char **ret_what, uid_t *ret_uid);
/* `text` is /etc/passwd or /etc/group: the third field of each line is the id. */
int uid_range_check_db(const UidRange *r, const char *text, size_t len, uid_t *ret_uid);
/* `text` is /etc/subuid or /etc/subgid: NAME:FIRST:COUNT lines. */
int uid_range_check_subids(const UidRange *r, const char *text, size_t len, uid_t *ret_uid);

/* All of the above, with the files under `root` ("" for the host); a missing file holds nothing. Logs
 * (debug) and returns -EADDRINUSE with the file and the id in *ret_what and *ret_uid. */
int uid_range_check_system(const UidRange *r, const char *root, const char **ret_what, uid_t *ret_uid);

/* What a runner checks at start: all of the above on the host, and room for `max_jobs` at once
 * (-ERANGE, with the range's size in *ret_uid). */
int uid_range_check_for_jobs(const UidRange *r, unsigned max_jobs, const char **ret_what, uid_t *ret_uid);

typedef struct UidPool UidPool;

int uid_pool_new(UidPool **ret, const UidRange *r);
UidPool *uid_pool_free(UidPool *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(UidPool *, uid_pool_free);

/* -EBUSY when every uid is taken. */
int uid_pool_acquire(UidPool *p, uid_t *ret);
/* Only once the job's last process is gone. */
void uid_pool_release(UidPool *p, uid_t uid);
unsigned uid_pool_n_used(const UidPool *p);
uint32_t uid_pool_size(const UidPool *p);
