/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "log-sink.h"
#include "memlock.h"

#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

MemlockVerdict memlock_judge(const MemlockStatus *s, uint64_t reserve, uint64_t config_need) {
        if (s->limit == MEMLOCK_UNLIMITED)
                return MEMLOCK_FITS;
        if (s->locked > s->limit || s->limit - s->locked < reserve)
                return MEMLOCK_TOO_LOW;
        if (s->limit - s->locked < config_need)
                return MEMLOCK_SHORT;
        return MEMLOCK_FITS;
}

int memlock_parse_status(const char *text, size_t len, const char *field, uint64_t *ret_bytes) {
        const char *end = text + len, *p;
        char key[32];
        uint64_t kib = 0;
        int n;

        /* The line is never first; looking for it after a newline keeps "XVmLck:" from matching. */
        n = snprintf(key, sizeof(key), "\n%s:", field);
        assert(n > 0 && (size_t) n < sizeof(key));
        p = memmem(text, len, key, n);
        if (!p)
                return -ENODATA;
        p += n;
        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        if (p >= end || *p < '0' || *p > '9')
                return -EBADMSG;
        for (; p < end && *p >= '0' && *p <= '9'; p++) {
                uint64_t digit = (uint64_t) (*p - '0');
                /* Still a number of bytes once multiplied by 1024. */
                if (kib > (UINT64_MAX / 1024 - digit) / 10)
                        return -ERANGE;
                kib = kib * 10 + digit;
        }
        if (end - p < 3 || memcmp(p, " kB", 3) != 0)
                return -EBADMSG;
        *ret_bytes = kib * 1024;
        return 0;
}

bool memlock_status_has_ipc_lock(const char *text, size_t len) {
        static const char key[] = "\nCapEff:";
        const char *p = memmem(text, len, key, sizeof(key) - 1), *end = text + len;
        uint64_t caps = 0;
        unsigned digits = 0;

        if (!p)
                return false;
        for (p += sizeof(key) - 1; p < end && (*p == ' ' || *p == '\t'); p++)
                ;
        for (; p < end && digits < 16; p++, digits++) {
                int v = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
                if (v < 0)
                        break;
                caps = caps << 4 | (uint64_t) v;
        }
        return digits == 16 && (caps >> 14 & 1);       /* CAP_IPC_LOCK */
}

int memlock_status_read(MemlockStatus *ret) {
        struct rlimit rl;
        char buf[4096];
        ssize_t n;
        uint64_t locked, mapped, resident = 0;
        int fd, r;

        if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0)
                return -errno;
        fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, sizeof(buf));
        r = n < 0 ? -errno : 0;
        safe_close(fd);
        if (r < 0)
                return r;
        r = memlock_parse_status(buf, n, "VmLck", &locked);
        if (r < 0)
                return r;
        r = memlock_parse_status(buf, n, "VmSize", &mapped);
        if (r < 0)
                return r;
        (void) memlock_parse_status(buf, n, "VmRSS", &resident);
        *ret = (MemlockStatus) {
                /* With CAP_IPC_LOCK (a root runner may keep it) the kernel applies no limit to us. */
                .limit = rl.rlim_cur == RLIM_INFINITY || memlock_status_has_ipc_lock(buf, n) ? MEMLOCK_UNLIMITED
                                                                                             : (uint64_t) rl.rlim_cur,
                .locked = locked,
                .mapped = mapped,
                .resident = resident,
        };
        return 0;
}

/* Grows the stack's mapping now, while the limit has room: growing it later could only fail as SIGSEGV. */
static void __attribute__((noinline)) prefault_stack(void) {
        volatile char area[256 << 10];

        for (size_t i = 0; i < sizeof(area); i += 4096)
                area[i] = 0;
}

int memlock_lock_all(void) {
        prefault_stack();
        if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0)
                return -errno;
        return 0;
}

void memlock_unlock_all(void) {
        if (munlockall() < 0)
                log_debug_errno(errno, "munlockall failed, ignoring");
}

bool memlock_short_of(uint64_t reserve) {
        MemlockStatus s;
        int r;

        r = memlock_status_read(&s);
        if (r < 0) {
                log_debug_errno(-r, "Cannot read how much memory is locked, ignoring");
                return false;
        }
        return s.limit != MEMLOCK_UNLIMITED && (s.locked > s.limit || s.limit - s.locked < reserve);
}
