/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "cli-exit.h"
#include "cli-outcome.h"
#include "tests.h"

static JobReply reply(const char *status, int exit_code, const char *reason, const char *signal) {
        return (JobReply) {
                .status = (char *) status, .exit_code = exit_code,
                .reason = (char *) reason, .signal = (char *) signal, .queue_position = -1,
        };
}

TEST(exit_codes) {
        JobReply j = reply("completed", 0, NULL, NULL);
        ASSERT_EQ(job_exit_code(&j), 0);
        j = reply("completed", 42, NULL, NULL);
        ASSERT_EQ(job_exit_code(&j), 42);
        j = reply("failed", 1, NULL, NULL);
        ASSERT_EQ(job_exit_code(&j), 1);
        j = reply("failed", -1, "timeout", "9");
        ASSERT_EQ(job_exit_code(&j), SANDRUN_EXIT_SANDBOX);
        j = reply("failed", -1, "memory", NULL);
        ASSERT_EQ(job_exit_code(&j), SANDRUN_EXIT_SANDBOX);
        j = reply("completed", -1, NULL, "11");
        ASSERT_EQ(job_exit_code(&j), SANDRUN_EXIT_SANDBOX);
        j = reply("failed", -1, NULL, NULL);
        ASSERT_EQ(job_exit_code(&j), SANDRUN_EXIT_SANDBOX);
        j = reply("failed", -1, "compile", NULL);
        ASSERT_EQ(job_exit_code(&j), SANDRUN_EXIT_COMPILE);
        j = reply("completed", -1, NULL, NULL);
        ASSERT_EQ(job_exit_code(&j), SANDRUN_EXIT_SERVER);
        j = reply(NULL, -1, NULL, NULL);
        ASSERT_EQ(job_exit_code(&j), SANDRUN_EXIT_SERVER);
}

static void check_failure(const char *reason, const char *signal, const char *expected) {
        JobReply j = reply("failed", -1, reason, signal);
        char buf[64];
        job_describe_failure(&j, buf, sizeof buf);
        ASSERT_STREQ(buf, expected);
}

TEST(describe) {
        check_failure("timeout", "9", "timed out");
        check_failure("compile", NULL, "did not compile");
        check_failure("memory", NULL, "ran out of memory");
        check_failure("signal", "11", "killed by signal SIGSEGV");
        check_failure("signal", "SIGABRT", "killed by signal SIGABRT");
        check_failure("signal", "200", "killed by signal 200");
        check_failure("signal", NULL, "killed by signal (unknown)");
        check_failure(NULL, "9", "killed by signal SIGKILL");
        check_failure("launch", NULL, "could not be started");
        check_failure("quota", NULL, "stopped (quota)");
        check_failure(NULL, NULL, "failed without a reason given");
}

static void check_wait(unsigned long long s, const char *expected) {
        char buf[32];
        format_wait(s, buf, sizeof buf);
        ASSERT_STREQ(buf, expected);
}

TEST(wait) {
        check_wait(0, "0 s");
        check_wait(59, "59 s");
        check_wait(60, "1 min");
        check_wait(125, "2 min 5 s");
        check_wait(3600, "1 h");
        check_wait(3600 * 3 + 600 + 59, "3 h 10 min");
        check_wait(31622400, "8784 h");
}

int main(void) {
        RUN(exit_codes);
        RUN(describe);
        RUN(wait);
        return 0;
}
