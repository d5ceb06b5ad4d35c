/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "held-key.h"
#include "seal-crypto.h"

struct HeldKey {
        uint8_t bytes[HELD_KEY_SIZE];
};

int held_key_new(HeldKey **ret) {
        size_t page = (size_t) sysconf(_SC_PAGESIZE);
        int r;

        HeldKey *k = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (k == MAP_FAILED)
                return -errno;
        /* Locked before the key is written, so that it is never in swap; the daemon may be unlocked as a
         * whole (RLIMIT_MEMLOCK too low), one page per job still fits. */
        if (mlock(k, page) < 0 || madvise(k, page, MADV_DONTDUMP) < 0 || madvise(k, page, MADV_WIPEONFORK) < 0) {
                r = -errno;
                munmap(k, page);
                return r;
        }
        r = seal_random(k->bytes, sizeof(k->bytes));
        if (r < 0) {
                munmap(k, page);
                return r;
        }
        *ret = k;
        return 0;
}

HeldKey *held_key_free(HeldKey *k) {
        size_t page = (size_t) sysconf(_SC_PAGESIZE);

        if (!k)
                return NULL;
        explicit_bzero(k->bytes, sizeof(k->bytes));
        (void) munlock(k, page);
        (void) munmap(k, page);
        return NULL;
}

const uint8_t *held_key_bytes(const HeldKey *k) {
        return k->bytes;
}
