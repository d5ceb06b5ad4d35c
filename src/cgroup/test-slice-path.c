/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "slice-path.h"
#include "tests.h"

static void check(const char *slice, const char *want) {
        _cleanup_free_ char *p = NULL;

        ASSERT_OK(slice_cgroup_path(slice, &p));
        ASSERT_STREQ(p, want);
}

TEST(levels) {
        check("sandrun.slice", "sandrun.slice");
        check("sandrun-a.slice", "sandrun.slice/sandrun-a.slice");
        check("a-b-c.slice", "a.slice/a-b.slice/a-b-c.slice");
        check("-.slice", "");
        check("x\\x2dy.slice", "x\\x2dy.slice");
}

TEST(hostile) {
        static const char *const bad[] = {
                "", ".slice", "sandrun", "sandrun.scope", "-a.slice", "a-.slice", "a--b.slice", "a/b.slice",
                "../x.slice", "a b.slice", "a\n.slice", "slice",
        };
        char *p = NULL;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ASSERT_ERROR(slice_cgroup_path(bad[i], &p), EINVAL);
        char longer[300];
        memset(longer, 'a', sizeof(longer));
        strcpy(longer + sizeof(longer) - 7, ".slice");
        ASSERT_ERROR(slice_cgroup_path(longer, &p), EINVAL);
        ASSERT_TRUE(p == NULL);
}

int main(void) {
        RUN(levels);
        RUN(hostile);
        return 0;
}
