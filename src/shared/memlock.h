/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Locked memory for the daemons: keys, clients' requests and jobs' outputs never reach swap. Each daemon
 * locks all it maps, now and later, as it is touched (mlockall with MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT).
 * The kernel counts locked memory per mapping against RLIMIT_MEMLOCK, so at start a daemon compares the
 * limit with what its configuration can make it hold, and while it serves it refuses new work (503)
 * before the limit is near, rather than let an allocation or the stack's growth fail.
 */

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

#define MEMLOCK_UNLIMITED UINT64_MAX

typedef struct MemlockStatus {
        uint64_t limit;                 /* RLIMIT_MEMLOCK, soft; MEMLOCK_UNLIMITED for none or CAP_IPC_LOCK */
        uint64_t locked;                /* VmLck: bytes of mappings locked now */
        uint64_t mapped;                /* VmSize: bytes mapped, what locking everything now takes */
        uint64_t resident;              /* VmRSS: bytes in memory now (0 if unknown) */
} MemlockStatus;

typedef enum MemlockVerdict {
        MEMLOCK_FITS,                   /* the limit holds everything the configuration allows */
        MEMLOCK_SHORT,                  /* it holds the start and some work: warn, and refuse work at the limit */
        MEMLOCK_TOO_LOW,                /* it cannot hold the start and one request's reserve: run unlocked */
} MemlockVerdict;

/* Pure: judges a limit against what is locked at start, one request's reserve and the configuration's need. */
MemlockVerdict memlock_judge(const MemlockStatus *s, uint64_t reserve, uint64_t config_need);

/* Parses the line `field` ("VmLck", "VmSize") out of /proc/self/status text, in bytes. */
int memlock_parse_status(const char *text, size_t len, const char *field, uint64_t *ret_bytes);
/* Whether /proc/self/status text says CAP_IPC_LOCK is effective: then no limit applies to us. */
bool memlock_status_has_ipc_lock(const char *text, size_t len);
int memlock_status_read(MemlockStatus *ret);

/* Locks every mapping now and in the future, as it is faulted in; -errno (ENOMEM: over the limit, EPERM:
 * not allowed at all, e.g. by a container's seccomp filter). */
int memlock_lock_all(void);
void memlock_unlock_all(void);

/* Whether fewer than `reserve` bytes can still be locked: new work is refused then. */
bool memlock_short_of(uint64_t reserve);
