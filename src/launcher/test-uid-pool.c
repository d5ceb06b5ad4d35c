/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>
#include <sys/stat.h>

#include "tests.h"
#include "uid-pool.h"

TEST(parse) {
        static const struct {
                const char *s;
                int r;
                uid_t first;
                uint32_t count;
        } cases[] = {
                { UID_POOL_DEFAULT_RANGE, 0, UID_POOL_DEFAULT_FIRST, UID_POOL_DEFAULT_COUNT },
                { "100000-100000", 0, 100000, 1 },
                { "70000-70009", 0, 70000, 10 },
                { "2147483646-2147483647", 0, 2147483646, 2 },
                { "2147483647-2147483648", -ERANGE, 0, 0 },     /* not past 2^31 */
                { "1-1048576", 0, 1, 1048576 },
                { "1-1048577", -E2BIG, 0, 0 },
                { "0-10", -EINVAL, 0, 0 },                      /* never root */
                { "10-9", -EINVAL, 0, 0 },
                { "10", -EINVAL, 0, 0 },
                { "10-", -EINVAL, 0, 0 },
                { "-10", -EINVAL, 0, 0 },
                { "+10-20", -EINVAL, 0, 0 },
                { "10-20 ", -EINVAL, 0, 0 },
                { "10-20-30", -EINVAL, 0, 0 },
                { "99999999999999999999-1", -ERANGE, 0, 0 },
                { "", -EINVAL, 0, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                UidRange r = { 7, 7 };
                int k = uid_range_parse(cases[i].s, &r);
                if (k != cases[i].r || (k == 0 && (r.first != cases[i].first || r.count != cases[i].count)) ||
                    (k < 0 && r.first != 7)) {
                        fprintf(stderr, "case %zu \"%s\": %d %u+%u\n", i, cases[i].s, k, r.first, r.count);
                        abort();
                }
        }
}

TEST(reserved) {
        static const struct {
                uid_t first;
                uint32_t count;
                const char *what;       /* NULL: free */
        } cases[] = {
                { 1879048192, 65536, NULL },
                { 65536, 458752, NULL },                /* 65536-524287: unused */
                { 60578, 606, NULL },                   /* 60578-61183: unused */
                { 65520, 14, NULL },                    /* 65520-65533 */
                { 1879048191, 2, "systemd's container ranges" },
                { 524287, 2, "systemd's container ranges" },
                { 61183, 1, NULL },
                { 61183, 2, "systemd's dynamic users" },
                { 65519, 1, "systemd's dynamic users" },
                { 65534, 1, "nobody" },
                { 65535, 1, "the 16-bit (uid_t) -1" },
                { 60000, 1, "regular users" },
                { 999, 1, "system users" },
                { 60513, 1, "systemd-homed's users" },
                { 60577, 1, "host users mapped into containers" },
                { 2147483647, 1, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                UidRange r = { cases[i].first, cases[i].count };
                const char *what = NULL;
                uid_t at = 0;
                int k = uid_range_check_reserved(&r, &what, &at);
                if (cases[i].what ? (k != -EADDRINUSE || strcmp(what, cases[i].what) != 0) : k != 0) {
                        fprintf(stderr, "case %zu: %d %s\n", i, k, what ?: "-");
                        abort();
                }
        }
}

TEST(databases) {
        static const char passwd[] =
                "root:x:0:0:root:/root:/bin/bash\n"
                "# a comment:x:70005:\n"
                "+nisuser::::::\n"
                "sandrun:x:995:995::/nonexistent:/usr/sbin/nologin\n"
                "odd:x:70010x:1::/:/bin/sh\n"
                "late:x:70020:70020::/:/bin/sh";          /* no final newline */
        static const char subuid[] =
                "alice:100000:65536\n"
                "1001:165536:65536\n"
                "broken:abc:10\n"
                "short:70100\n"
                "empty:70200:0\n";
        static const struct {
                uid_t first;
                uint32_t count;
                int r_db, r_sub;
                uid_t at_db, at_sub;
        } cases[] = {
                { 70000, 10, 0, 0, 0, 0 },
                { 70010, 10, 0, 0, 0, 0 },              /* "70010x" is no id */
                { 70011, 10, -EADDRINUSE, 0, 70020, 0 },
                { 70020, 1, -EADDRINUSE, 0, 70020, 0 },
                { 70100, 200, 0, 0, 0, 0 },             /* malformed and empty ranges hold nothing */
                { 99990, 11, 0, -EADDRINUSE, 0, 100000 },
                { 99990, 10, 0, 0, 0, 0 },
                { 231071, 10, 0, -EADDRINUSE, 0, 231071 },
                { 231072, 10, 0, 0, 0, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                UidRange r = { cases[i].first, cases[i].count };
                uid_t at = 0;
                int k = uid_range_check_db(&r, passwd, strlen(passwd), &at);
                if (k != cases[i].r_db || (k < 0 && at != cases[i].at_db)) {
                        fprintf(stderr, "case %zu (db): %d at %u\n", i, k, at);
                        abort();
                }
                at = 0;
                k = uid_range_check_subids(&r, subuid, strlen(subuid), &at);
                if (k != cases[i].r_sub || (k < 0 && at != cases[i].at_sub)) {
                        fprintf(stderr, "case %zu (subids): %d at %u\n", i, k, at);
                        abort();
                }
        }
}

TEST(system_files) {
        char root[] = "/tmp/test-uid-pool-XXXXXX", path[256];
        UidRange r = { 70000, 100 };
        const char *what = NULL;
        uid_t at = 0;
        FILE *f;

        ASSERT_TRUE(mkdtemp(root));
        snprintf(path, sizeof(path), "%s/etc", root);
        ASSERT_OK(mkdir(path, 0755));
        /* No files at all: nothing collides. */
        ASSERT_OK(uid_range_check_system(&r, root, &what, &at));

        snprintf(path, sizeof(path), "%s/etc/subgid", root);
        ASSERT_TRUE(f = fopen(path, "we"));
        fputs("bob:70050:10\n", f);
        fclose(f);
        ASSERT_ERROR(uid_range_check_system(&r, root, &what, &at), EADDRINUSE);
        ASSERT_STREQ(what, "/etc/subgid");
        ASSERT_EQ(at, 70050);
        unlink(path);

        snprintf(path, sizeof(path), "%s/etc/group", root);
        ASSERT_TRUE(f = fopen(path, "we"));
        fputs("jobs:x:70099:\n", f);
        fclose(f);
        ASSERT_ERROR(uid_range_check_system(&r, root, &what, &at), EADDRINUSE);
        ASSERT_STREQ(what, "/etc/group");
        ASSERT_EQ(at, 70099);
        unlink(path);

        r = (UidRange) { 65000, 100 };
        ASSERT_ERROR(uid_range_check_system(&r, root, &what, &at), EADDRINUSE);
        ASSERT_STREQ(what, "systemd's dynamic users");

        /* Too small for the jobs that can exist at once. */
        r = (UidRange) { 70000, 8 };
        ASSERT_ERROR(uid_range_check_for_jobs(&r, 9, &what, &at), ERANGE);
        ASSERT_EQ(at, 8);

        snprintf(path, sizeof(path), "%s/etc", root);
        rmdir(path);
        rmdir(root);
}

/* Each step: 'a' acquires (expecting `uid`, or -EBUSY for 0), 'r' releases `uid`. */
TEST(allocation) {
        static const struct {
                char op;
                uid_t uid;
                unsigned used;
        } steps[] = {
                { 'a', 500, 1 },
                { 'a', 501, 2 },
                { 'a', 502, 3 },
                { 'r', 501, 2 },
                { 'a', 503, 3 },        /* never-used uids first, */
                { 'r', 500, 2 },
                { 'a', 501, 3 },        /* then the least recently freed */
                { 'a', 500, 4 },
                { 'a', 0, 4 },          /* all four taken */
                { 'r', 503, 3 },
                { 'r', 502, 2 },
                { 'a', 503, 3 },
                { 'a', 502, 4 },
                { 'a', 0, 4 },
                { 'r', 500, 3 },
                { 'r', 501, 2 },
                { 'r', 502, 1 },
                { 'r', 503, 0 },
                { 'a', 500, 1 },
        };
        _cleanup_(uid_pool_freep) UidPool *p = NULL;
        UidRange range = { 500, 4 };

        ASSERT_OK(uid_pool_new(&p, &range));
        ASSERT_EQ(uid_pool_size(p), 4);
        for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                uid_t uid = 0;
                if (steps[i].op == 'a') {
                        int k = uid_pool_acquire(p, &uid);
                        if (steps[i].uid == 0 ? k != -EBUSY : k < 0 || uid != steps[i].uid) {
                                fprintf(stderr, "step %zu: %d %u\n", i, k, uid);
                                abort();
                        }
                } else
                        uid_pool_release(p, steps[i].uid);
                ASSERT_EQ(uid_pool_n_used(p), steps[i].used);
        }
}

TEST(pool_limits) {
        UidPool *p = NULL;
        UidRange r = { 1, 0 };

        ASSERT_ERROR(uid_pool_new(&p, &r), EINVAL);
        r.count = UID_POOL_SIZE_MAX + 1;
        ASSERT_ERROR(uid_pool_new(&p, &r), EINVAL);
        ASSERT_OK(uid_range_parse(UID_POOL_DEFAULT_RANGE, &r));
        ASSERT_OK(uid_pool_new(&p, &r));
        for (unsigned i = 0; i < 65536; i++) {
                uid_t uid;
                ASSERT_OK(uid_pool_acquire(p, &uid));
                ASSERT_EQ(uid, 1879048192U + i);
        }
        uid_t uid;
        ASSERT_ERROR(uid_pool_acquire(p, &uid), EBUSY);
        uid_pool_free(p);
}

int main(void) {
        RUN(parse);
        RUN(reserved);
        RUN(databases);
        RUN(system_files);
        RUN(allocation);
        RUN(pool_limits);
        return 0;
}
