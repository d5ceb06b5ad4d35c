/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>

#include "held-key.h"
#include "tests.h"

/* Whether the page holding p is locked, from /proc/self/smaps. */
static bool page_locked(const void *p) {
        FILE *f = fopen("/proc/self/smaps", "re");
        char line[512];
        bool in = false, locked = false;

        ASSERT_TRUE(f);
        while (fgets(line, sizeof(line), f)) {
                unsigned long start, end;
                if (sscanf(line, "%lx-%lx ", &start, &end) == 2 && strchr(line, ' ') == line + strcspn(line, " ")) {
                        in = (uintptr_t) p >= start && (uintptr_t) p < end;
                        continue;
                }
                unsigned long kb;
                if (in && sscanf(line, "Locked: %lu kB", &kb) == 1)
                        locked = kb > 0;
                if (in && strncmp(line, "VmFlags:", 8) == 0) {
                        ASSERT_TRUE(strstr(line, " dd"));       /* left out of core dumps */
                        ASSERT_TRUE(strstr(line, " wf"));       /* wiped in a child after fork */
                }
        }
        fclose(f);
        return locked;
}

TEST(keys) {
        HeldKey *a, *b;
        static const uint8_t zero[HELD_KEY_SIZE] = {};

        ASSERT_OK(held_key_new(&a));
        ASSERT_OK(held_key_new(&b));
        ASSERT_TRUE(memcmp(held_key_bytes(a), zero, HELD_KEY_SIZE) != 0);
        ASSERT_TRUE(memcmp(held_key_bytes(a), held_key_bytes(b), HELD_KEY_SIZE) != 0);
#ifndef __SANITIZE_ADDRESS__
        /* AddressSanitizer intercepts mlock() and makes it a no-op that reports success. */
        ASSERT_TRUE(page_locked(held_key_bytes(a)));
#else
        (void) page_locked(held_key_bytes(a));
#endif
        ASSERT_TRUE(held_key_free(a) == NULL);
        ASSERT_TRUE(held_key_free(b) == NULL);
        ASSERT_TRUE(held_key_free(NULL) == NULL);
}

int main(void) {
        RUN(keys);
        return 0;
}
