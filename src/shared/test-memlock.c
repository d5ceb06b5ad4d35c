/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "memlock.h"
#include "tests.h"

#define MiB (1ULL << 20)

TEST(judge) {
        static const struct {
                uint64_t limit, locked, reserve, need;
                MemlockVerdict verdict;
        } cases[] = {
                { MEMLOCK_UNLIMITED, 40 * MiB, 16 * MiB, 4096 * MiB, MEMLOCK_FITS },
                { 2048 * MiB, 40 * MiB, 16 * MiB, 1500 * MiB, MEMLOCK_FITS },
                { 2048 * MiB, 40 * MiB, 16 * MiB, 2008 * MiB, MEMLOCK_FITS },       /* exactly enough */
                { 2048 * MiB, 40 * MiB, 16 * MiB, 2009 * MiB, MEMLOCK_SHORT },
                { 64 * MiB, 40 * MiB, 16 * MiB, 1500 * MiB, MEMLOCK_SHORT },
                { 64 * MiB, 40 * MiB, 24 * MiB, 1500 * MiB, MEMLOCK_SHORT },      /* exactly one reserve left */
                { 64 * MiB, 40 * MiB, 25 * MiB, 1500 * MiB, MEMLOCK_TOO_LOW },    /* not one request's reserve */
                { 8 * MiB, 40 * MiB, 16 * MiB, 1500 * MiB, MEMLOCK_TOO_LOW },     /* systemd's default 8M */
                { 0, 0, 0, 0, MEMLOCK_FITS },
                { 0, 1, 0, 0, MEMLOCK_TOO_LOW },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                MemlockStatus s = { .limit = cases[i].limit, .locked = cases[i].locked };
                if (memlock_judge(&s, cases[i].reserve, cases[i].need) != cases[i].verdict) {
                        fprintf(stderr, "case %zu\n", i);
                        abort();
                }
        }
}

TEST(parse_status) {
        static const struct {
                const char *text;
                int r;
                uint64_t locked;
        } cases[] = {
                { "Name:\tsandrund\nVmPeak:\t  9000 kB\nVmLck:\t   41000 kB\nVmPin:\t 0 kB\n", 0, 41000 * 1024 },
                { "Name:\tx\nVmLck:\t0 kB\n", 0, 0 },
                { "Name:\tx\nVmLckX:\t5 kB\nVmLck:\t6 kB\n", 0, 6144 },   /* the field's whole name */
                { "VmLck:\t5 kB\n", -ENODATA, 0 },               /* never the first line */
                { "Name:\tx\nXVmLck:\t5 kB\n", -ENODATA, 0 },
                { "Name:\tx\nVmLck:\t kB\n", -EBADMSG, 0 },
                { "Name:\tx\nVmLck:\t12", -EBADMSG, 0 },        /* truncated */
                { "Name:\tx\nVmLck:\t12 MB\n", -EBADMSG, 0 },
                { "Name:\tx\nVmLck:\t99999999999999999999 kB\n", -ERANGE, 0 },
                { "Name:\tx\nVmLck:\t18014398509481983 kB\n", 0, 18014398509481983ULL * 1024 },
                { "Name:\tx\nVmLck:\t18014398509481984 kB\n", -ERANGE, 0 },
                { "", -ENODATA, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint64_t v = 7;
                int r = memlock_parse_status(cases[i].text, strlen(cases[i].text), "VmLck", &v);
                if (r != cases[i].r || (r == 0 && v != cases[i].locked) || (r < 0 && v != 7)) {
                        fprintf(stderr, "case %zu: %d %" PRIu64 "\n", i, r, v);
                        abort();
                }
        }
}

TEST(ipc_lock) {
        static const struct {
                const char *text;
                bool has;
        } cases[] = {
                { "Name:\tx\nCapEff:\t000001ffffffffff\n", true },
                { "Name:\tx\nCapEff:\t0000000000004000\n", true },
                { "Name:\tx\nCapEff:\t0000000000000000\n", false },
                { "Name:\tx\nCapEff:\t000001ffffffbfff\n", false },
                { "Name:\tx\nCapPrm:\t0000000000004000\nCapEff:\t0\n", false },   /* too short */
                { "Name:\tx\nCapEff:\t00000000000040", false },                    /* truncated */
                { "CapEff:\t0000000000004000\n", false },                          /* never the first line */
                { "", false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                if (memlock_status_has_ipc_lock(cases[i].text, strlen(cases[i].text)) != cases[i].has) {
                        fprintf(stderr, "case %zu\n", i);
                        abort();
                }
}

TEST(live) {
        MemlockStatus s;

        ASSERT_OK(memlock_status_read(&s));
        ASSERT_TRUE(s.limit > 0);
        ASSERT_TRUE(s.mapped > 0);
        /* A reserve beyond any limit is always short, unless nothing limits us. */
        ASSERT_EQ(memlock_short_of(UINT64_MAX), s.limit != MEMLOCK_UNLIMITED);
        ASSERT_TRUE(!memlock_short_of(0) || s.locked > s.limit);
}

int main(void) {
        RUN(judge);
        RUN(parse_status);
        RUN(ipc_lock);
        RUN(live);
        return 0;
}
