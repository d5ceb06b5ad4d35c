/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "cgroup-stat.h"
#include "tests.h"

#define JOB "/sandrun.slice/sandrun-job-0123.scope"

static const char *fixtures(const char *layout) {
        static char p[4096];
        snprintf(p, sizeof(p), "%s/cgroup/%s", SANDRUN_FIXTURES, layout);
        return p;
}

TEST(paths_v2) {
        CgroupPaths p;
        const char s[] = "0::" JOB "\n";
        ASSERT_OK(cgroup_paths_parse(s, sizeof(s) - 1, &p));
        ASSERT_TRUE(p.has_unified && !p.has_memory && !p.has_cpuacct);
        ASSERT_STREQ(p.unified, JOB);
}

TEST(paths_hybrid) {
        /* As on Debian 12 hosts here: cpu and cpuacct on separate hierarchies, named systemd one too. */
        CgroupPaths p;
        const char s[] = "9:name=systemd:" JOB "\n8:pids:" JOB "\n4:memory:" JOB "\n2:cpuacct:" JOB
                         "\n1:cpu:" JOB "\n0::" JOB "\n";
        ASSERT_OK(cgroup_paths_parse(s, sizeof(s) - 1, &p));
        ASSERT_TRUE(p.has_unified && p.has_memory && p.has_cpuacct && p.has_pids);
        ASSERT_STREQ(p.cpuacct, JOB);

        const char co[] = "3:cpu,cpuacct:/a\n5:memory:/b";
        ASSERT_OK(cgroup_paths_parse(co, sizeof(co) - 1, &p));
        ASSERT_STREQ(p.cpuacct, "/a");
        ASSERT_STREQ(p.memory, "/b");
}

TEST(paths_hostile) {
        CgroupPaths p;
        ASSERT_ERROR(cgroup_paths_parse("", 0, &p), ENODATA);
        ASSERT_ERROR(cgroup_paths_parse("garbage\n", 8, &p), EBADMSG);
        ASSERT_ERROR(cgroup_paths_parse("0::relative\n", 12, &p), EBADMSG);
        ASSERT_ERROR(cgroup_paths_parse("0::\n", 4, &p), EBADMSG);
        ASSERT_ERROR(cgroup_paths_parse("0::/a\0b\n", 8, &p), EBADMSG);
        ASSERT_ERROR(cgroup_paths_parse("4:cpuacctx:/a\n", 14, &p), ENODATA);

        static char big[CGROUP_PATH_MAX + 16];
        memset(big, 'a', sizeof(big));
        memcpy(big, "0::/", 4);
        ASSERT_ERROR(cgroup_paths_parse(big, sizeof(big), &p), EBADMSG);
}

TEST(in_unit) {
        const char *unit = "sandrun-job-0123456789abcdef0123456789abcdef.scope";
        const char *hybrid =
                "12:pids:/sandrun.slice/sandrun-job-0123456789abcdef0123456789abcdef.scope\n"
                "5:memory:/sandrun.slice/sandrun-job-0123456789abcdef0123456789abcdef.scope\n"
                "4:cpu,cpuacct:/..\n"
                "0::/sandrun.slice/sandrun-job-0123456789abcdef0123456789abcdef.scope\n";
        CgroupPaths p;

        ASSERT_OK(cgroup_paths_parse(hybrid, strlen(hybrid), &p));
        ASSERT_TRUE(cgroup_paths_in_unit(&p, "sandrun.slice", unit));
        ASSERT_TRUE(!cgroup_paths_in_unit(&p, "other.slice", unit));
        ASSERT_TRUE(!cgroup_paths_in_unit(&p, "sandrun.slice", "sandrun-job-1123456789abcdef0123456789abcdef.scope"));
        ASSERT_TRUE(!cgroup_paths_in_unit(&p, "", unit));

        /* One hierarchy still elsewhere (the start is half done) is not in the unit. */
        const char *split = "5:memory:/system.slice/sandrun-runner.service\n"
                            "0::/sandrun.slice/sandrun-job-0123456789abcdef0123456789abcdef.scope\n";
        ASSERT_OK(cgroup_paths_parse(split, strlen(split), &p));
        ASSERT_TRUE(!cgroup_paths_in_unit(&p, "sandrun.slice", unit));

        /* A nested slice, and a unit name that only ends like ours. */
        const char *nested = "0::/sandrun.slice/sandrun-jobs.slice/sandrun-job-0123456789abcdef0123456789abcdef.scope\n";
        ASSERT_OK(cgroup_paths_parse(nested, strlen(nested), &p));
        ASSERT_TRUE(cgroup_paths_in_unit(&p, "sandrun-jobs.slice", unit));
        ASSERT_TRUE(!cgroup_paths_in_unit(&p, "jobs.slice", unit));
        ASSERT_TRUE(!cgroup_paths_in_unit(&p, "sandrun-jobs.slice", "b-0123456789abcdef0123456789abcdef.scope"));

        /* No hierarchy at all proves nothing. */
        CgroupPaths none = {};
        ASSERT_TRUE(!cgroup_paths_in_unit(&none, "sandrun.slice", unit));

        /* Our own process is not in any job's scope. */
        ASSERT_OK(cgroup_paths_read_pid(getpid(), &p));
        ASSERT_TRUE(!cgroup_paths_in_unit(&p, "sandrun.slice", unit));
}

TEST(numbers) {
        uint64_t v;
        ASSERT_OK(cgroup_parse_u64("42\n", 3, &v));
        ASSERT_EQ(v, 42);
        ASSERT_OK(cgroup_parse_u64("18446744073709551615", 20, &v));
        ASSERT_TRUE(v == UINT64_MAX);
        ASSERT_ERROR(cgroup_parse_u64("18446744073709551616", 20, &v), ERANGE);
        ASSERT_ERROR(cgroup_parse_u64("max\n", 4, &v), ERANGE);
        ASSERT_ERROR(cgroup_parse_u64("", 0, &v), EBADMSG);
        ASSERT_ERROR(cgroup_parse_u64("-1", 2, &v), EBADMSG);
        ASSERT_ERROR(cgroup_parse_u64("1 2", 3, &v), EBADMSG);

        const char s[] = "usage_usec 10\nuser_usec 7\n";
        ASSERT_OK(cgroup_parse_keyed(s, sizeof(s) - 1, "user_usec", &v));
        ASSERT_EQ(v, 7);
        ASSERT_ERROR(cgroup_parse_keyed(s, sizeof(s) - 1, "usage", &v), ENOENT);
        ASSERT_ERROR(cgroup_parse_keyed("oom_kill x\n", 11, "oom_kill", &v), EBADMSG);
}

static void sample(const char *layout, const char *proc, CgroupSample *ret) {
        _cleanup_(cgroup_job_freep) CgroupJob *j = NULL;
        CgroupPaths p;

        ASSERT_OK(cgroup_paths_parse(proc, strlen(proc), &p));
        ASSERT_OK(cgroup_job_open(&j, fixtures(layout), &p));
        ASSERT_OK(cgroup_job_sample(j, ret));
}

TEST(sample_v2) {
        CgroupSample s;
        sample("v2", "0::" JOB "\n", &s);
        ASSERT_TRUE(s.has_cpu && s.has_memory_peak && s.has_oom_kills);
        ASSERT_EQ(s.cpu_usec, 1234567);
        ASSERT_EQ(s.memory_peak_bytes, 52428800);
        ASSERT_EQ(s.oom_kills, 1);
}

TEST(sample_v1) {
        CgroupSample s;
        sample("v1", "4:memory:" JOB "\n2:cpuacct:" JOB "\n", &s);
        ASSERT_EQ(s.cpu_usec, 987654);
        ASSERT_EQ(s.memory_peak_bytes, 10485760);
        ASSERT_EQ(s.oom_kills, 0);
}

TEST(sample_hybrid) {
        /* CPU from the unified cpu.stat, memory from the v1 controller. */
        CgroupSample s;
        sample("hybrid", "4:memory:" JOB "\n2:cpuacct:" JOB "\n0::" JOB "\n", &s);
        ASSERT_EQ(s.cpu_usec, 1500000);
        ASSERT_EQ(s.memory_peak_bytes, 4096);
        ASSERT_EQ(s.oom_kills, 2);
}

TEST(sample_ignores_root_controllers) {
        /* As on hosts where cpuacct is mounted apart from cpu: systemd leaves the job in cpuacct's root,
         * whose figures are the machine's. Pure v1 with that layout has no CPU figure at all. */
        CgroupSample s;
        _cleanup_(cgroup_job_freep) CgroupJob *j = NULL;
        CgroupPaths p;
        const char proc[] = "4:memory:" JOB "\n2:cpuacct:/\n";
        ASSERT_OK(cgroup_paths_parse(proc, sizeof(proc) - 1, &p));
        ASSERT_OK(cgroup_job_open(&j, fixtures("v1"), &p));
        ASSERT_OK(cgroup_job_sample(j, &s));
        ASSERT_TRUE(!s.has_cpu);
        ASSERT_EQ(s.memory_peak_bytes, 10485760);
}

TEST(sample_missing) {
        _cleanup_(cgroup_job_freep) CgroupJob *j = NULL;
        CgroupPaths p;
        ASSERT_OK(cgroup_paths_parse("0::/gone\n", 9, &p));
        ASSERT_ERROR(cgroup_job_open(&j, fixtures("v2"), &p), ENOENT);
}

TEST(own_process) {
        /* Whatever this machine has, our own cgroup must be readable through the live path. */
        _cleanup_(cgroup_job_freep) CgroupJob *j = NULL;
        int r = cgroup_job_open_pid(&j, "/sys/fs/cgroup", getpid());
        if (r < 0) {
                fprintf(stderr, "    (no readable cgroup accounting here: %s)\n", strerror(-r));
                return;
        }
        CgroupSample s;
        ASSERT_OK(cgroup_job_sample(j, &s));
}

int main(void) {
        RUN(paths_v2);
        RUN(paths_hybrid);
        RUN(paths_hostile);
        RUN(in_unit);
        RUN(numbers);
        RUN(sample_v2);
        RUN(sample_v1);
        RUN(sample_hybrid);
        RUN(sample_ignores_root_controllers);
        RUN(sample_missing);
        RUN(own_process);
        return 0;
}
