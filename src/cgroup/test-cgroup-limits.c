/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-limits.h"
#include "tests.h"

#define SERVICE "/system.slice/sandrun.service"
#define V1_UNLIMITED "9223372036854771712\n"

/* A fake cgroup tree: root/REL/FILE with the given content, directories made on the way. */
static void put(const char *root, const char *rel, const char *file, const char *content) {
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s/%s", root, rel);
        for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
                *s = 0;
                (void) mkdir(p, 0755);
                *s = '/';
        }
        (void) mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/%s/%s", root, rel, file);
        FILE *f = fopen(p, "we");
        ASSERT_TRUE(f);
        fputs(content, f);
        ASSERT_EQ(fclose(f), 0);
}

static const char *fake_root(void) {
        static char root[PATH_MAX];
        snprintf(root, sizeof(root), "%s/test-cgroup-limits-XXXXXX", getenv("TMPDIR") ?: "/tmp");
        ASSERT_TRUE(mkdtemp(root));
        return root;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static void drop(const char *root) {
        ASSERT_EQ(nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void parse(const char *text, CgroupPaths *ret) {
        ASSERT_OK(cgroup_paths_parse(text, strlen(text), ret));
}

TEST(limit_parse) {
        uint64_t v;
        ASSERT_OK(cgroup_limit_parse("max\n", 4, &v));
        ASSERT_TRUE(v == CGROUP_LIMIT_NONE);
        ASSERT_OK(cgroup_limit_parse(V1_UNLIMITED, strlen(V1_UNLIMITED), &v));
        ASSERT_TRUE(v == CGROUP_LIMIT_NONE);
        ASSERT_OK(cgroup_limit_parse("4831838208\n", 11, &v));
        ASSERT_EQ(v, 4831838208);
        ASSERT_OK(cgroup_limit_parse("0", 1, &v));
        ASSERT_EQ(v, 0);
        ASSERT_ERROR(cgroup_limit_parse("", 0, &v), EBADMSG);
        ASSERT_ERROR(cgroup_limit_parse("-1\n", 3, &v), EBADMSG);
        ASSERT_ERROR(cgroup_limit_parse("12k", 3, &v), EBADMSG);
}

TEST(v2_lowest_ancestor_wins) {
        const char *root = fake_root();
        CgroupPaths p;
        CgroupLimits l;

        /* The service's own limit is higher than its slice's: the slice's bites. */
        put(root, "system.slice/sandrun.service", "memory.max", "8589934592\n");
        put(root, "system.slice/sandrun.service", "memory.swap.max", "0\n");
        put(root, "system.slice/sandrun.service", "pids.max", "256\n");
        put(root, "system.slice", "memory.max", "4831838208\n");
        put(root, "system.slice", "memory.swap.max", "max\n");
        put(root, "system.slice", "pids.max", "max\n");
        parse("0::" SERVICE "\n", &p);
        ASSERT_OK(cgroup_limits_read(root, &p, &l));
        ASSERT_TRUE(l.has_memory && l.has_pids && !l.memory_v1 && l.swap_limitable);
        ASSERT_EQ(l.memory_max, 4831838208);
        ASSERT_EQ(l.swap_max, 0);
        ASSERT_EQ(l.tasks_max, 256);
        drop(root);
}

TEST(v2_no_limits) {
        const char *root = fake_root();
        CgroupPaths p;
        CgroupLimits l;

        put(root, "system.slice/sandrun.service", "memory.max", "max\n");
        put(root, "system.slice/sandrun.service", "pids.max", "max\n");
        parse("0::" SERVICE "\n", &p);
        ASSERT_OK(cgroup_limits_read(root, &p, &l));
        ASSERT_TRUE(l.memory_max == CGROUP_LIMIT_NONE && l.tasks_max == CGROUP_LIMIT_NONE);
        /* No memory.swap.max: the kernel was built or booted without swap accounting. */
        ASSERT_TRUE(!l.swap_limitable && l.swap_max == CGROUP_LIMIT_NONE);
        drop(root);
}

TEST(hybrid_v1_controllers) {
        const char *root = fake_root();
        CgroupPaths p;
        CgroupLimits l;

        /* As in the test container: controllers on v1, cgroup2 at unified/ with none of them. */
        put(root, "unified/system.slice/sandrun.service", "cgroup.procs", "1\n");
        put(root, "memory/system.slice/sandrun.service", "memory.limit_in_bytes", "4831838208\n");
        put(root, "memory/system.slice", "memory.limit_in_bytes", V1_UNLIMITED);
        put(root, "memory", "memory.limit_in_bytes", V1_UNLIMITED);
        put(root, "pids/system.slice/sandrun.service", "pids.max", "max\n");
        put(root, "pids/system.slice", "pids.max", "512\n");
        parse("8:pids:" SERVICE "\n4:memory:" SERVICE "\n0::" SERVICE "\n", &p);
        ASSERT_OK(cgroup_limits_read(root, &p, &l));
        ASSERT_TRUE(l.has_memory && l.has_pids && l.memory_v1);
        ASSERT_EQ(l.memory_max, 4831838208);
        ASSERT_EQ(l.tasks_max, 512);
        /* No memory.memsw.*: swap accounting is off, swap cannot be limited. */
        ASSERT_TRUE(!l.swap_limitable && l.swap_max == CGROUP_LIMIT_NONE);
        drop(root);
}

TEST(v1_swap_accounting) {
        const char *root = fake_root();
        CgroupPaths p;
        CgroupLimits l;

        put(root, "memory/a", "memory.limit_in_bytes", "1073741824\n");
        put(root, "memory/a", "memory.memsw.limit_in_bytes", "1610612736\n");
        parse("4:memory:/a\n", &p);
        ASSERT_OK(cgroup_limits_read(root, &p, &l));
        ASSERT_TRUE(l.memory_v1 && l.swap_limitable && !l.has_pids);
        ASSERT_EQ(l.memory_max, 1073741824);
        ASSERT_EQ(l.swap_max, 536870912);

        put(root, "memory/a", "memory.memsw.limit_in_bytes", V1_UNLIMITED);
        ASSERT_OK(cgroup_limits_read(root, &p, &l));
        ASSERT_TRUE(l.swap_limitable && l.swap_max == CGROUP_LIMIT_NONE);
        drop(root);
}

TEST(root_cgroup_and_missing) {
        const char *root = fake_root();
        CgroupPaths p;
        CgroupLimits l;

        /* A process in the root cgroup: v2 has no limit files there at all. */
        parse("0::/\n", &p);
        ASSERT_ERROR(cgroup_limits_read(root, &p, &l), ENOENT);
        put(root, ".", "pids.max", "100\n");
        ASSERT_OK(cgroup_limits_read(root, &p, &l));
        ASSERT_TRUE(!l.has_memory && l.has_pids && l.tasks_max == 100);

        /* Garbage in a limit file is not a limit. */
        put(root, "x", "memory.max", "lots\n");
        parse("0::/x\n", &p);
        ASSERT_OK(cgroup_limits_read(root, &p, &l));
        ASSERT_TRUE(!l.has_memory && l.tasks_max == 100);
        drop(root);
}

TEST(own_process) {
        CgroupLimits l;
        int r = cgroup_limits_read_self("/sys/fs/cgroup", &l);
        /* Whatever the host: no crash, and a limit read is a limit parsed. */
        ASSERT_TRUE(r >= 0 || r == -ENOENT || r == -ENODATA);
}

TEST(swap_reason) {
        CgroupLimits v2 = { .has_memory = true, .swap_limitable = true },
                     v2_no_accounting = { .has_memory = true },
                     v1 = { .has_memory = true, .memory_v1 = true },
                     v1_accounting = { .has_memory = true, .memory_v1 = true, .swap_limitable = true },
                     none = {};

        /* No swap: nothing to warn about, whatever the layout. */
        ASSERT_TRUE(!cgroup_swap_unlimited_reason(&v1, false));
        ASSERT_TRUE(!cgroup_swap_unlimited_reason(&v2_no_accounting, false));
        /* Swap, and the jobs' MemorySwapMax=0 holds: only v2 with memory.swap.max. */
        ASSERT_TRUE(!cgroup_swap_unlimited_reason(&v2, true));
        ASSERT_STREQ(cgroup_swap_unlimited_reason(&v2_no_accounting, true), "cgroup v2 without swap accounting");
        ASSERT_STREQ(cgroup_swap_unlimited_reason(&v1, true), "cgroup v1 without swap accounting");
        ASSERT_TRUE(strstr(cgroup_swap_unlimited_reason(&v1_accounting, true), "v2 only"));
        /* No memory controller found: nothing known, nothing said. */
        ASSERT_TRUE(!cgroup_swap_unlimited_reason(&none, true));
}

TEST(hybrid_tree_with_swap) {
        const char *root = fake_root();
        CgroupPaths p;
        CgroupLimits l;

        /* The test container's layout, read from a tree: with swap on, jobs could swap. */
        put(root, "memory/system.slice/sandrun-runner.service", "memory.limit_in_bytes", "3221225472\n");
        parse("4:memory:/system.slice/sandrun-runner.service\n0::/system.slice/sandrun-runner.service\n", &p);
        ASSERT_OK(cgroup_limits_read(root, &p, &l));
        ASSERT_STREQ(cgroup_swap_unlimited_reason(&l, true), "cgroup v1 without swap accounting");
        drop(root);
}

TEST(swaps) {
        const char none[] = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
        const char one[] = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
                           "/dev/vda2                               partition\t1048572\t\t0\t\t-2\n";
        ASSERT_TRUE(!swaps_active(none, strlen(none)));
        ASSERT_TRUE(swaps_active(one, strlen(one)));
        ASSERT_TRUE(!swaps_active("", 0));
        ASSERT_TRUE(!swaps_active("Filename", 8));
}

int main(void) {
        RUN(limit_parse);
        RUN(v2_lowest_ancestor_wins);
        RUN(v2_no_limits);
        RUN(hybrid_v1_controllers);
        RUN(v1_swap_accounting);
        RUN(root_cgroup_and_missing);
        RUN(own_process);
        RUN(swap_reason);
        RUN(hybrid_tree_with_swap);
        RUN(swaps);
        return 0;
}
