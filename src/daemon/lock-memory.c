/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <string.h>

#include "lock-memory.h"
#include "log.h"
#include "memlock.h"

bool lock_memory(uint64_t reserve, uint64_t need) {
        MemlockStatus s = {};
        const char *why = NULL;
        int r;

        r = memlock_lock_all();
        if (memlock_status_read(&s) < 0)
                s = (MemlockStatus) {};
        if (r < 0)
                why = strerror(-r);
        else
                switch (memlock_judge(&s, reserve, need)) {
                case MEMLOCK_FITS:
                        return true;
                case MEMLOCK_SHORT:
                        log_message(LOG_WARNING, "Memory locked, but RLIMIT_MEMLOCK is %" PRIu64 " MiB with %" PRIu64
                                    " MiB locked at start, and this configuration can hold %" PRIu64 " MiB more: "
                                    "past the limit new work is refused; LimitMEMLOCK=%" PRIu64 "M would hold it all",
                                    s.limit >> 20, s.locked >> 20, need >> 20, ((s.locked + need) >> 20) + 1);
                        return true;
                case MEMLOCK_TOO_LOW:
                        memlock_unlock_all();
                        why = "the limit cannot hold one request more";
                        break;
                }
        log_message(LOG_WARNING, "Memory NOT locked (%s): RLIMIT_MEMLOCK is %" PRIu64 " MiB, %" PRIu64 " MiB are "
                    "mapped at start and one request may need %" PRIu64 " MiB more; what we hold may reach swap. "
                    "LimitMEMLOCK=%" PRIu64 "M would hold this configuration",
                    why, s.limit == MEMLOCK_UNLIMITED ? 0 : s.limit >> 20, s.mapped >> 20, reserve >> 20,
                    ((s.mapped + need) >> 20) + 1);
        return false;
}
