/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "runner.h"
#include "scope-launcher.h"
#include "tests.h"

TEST(unit_names) {
        ASSERT_TRUE(scope_unit_name_is_valid("sandrun-job-0123456789abcdef0123456789abcdef.scope"));
        ASSERT_TRUE(!scope_unit_name_is_valid("sandrun-job-x.service"));
        ASSERT_TRUE(!scope_unit_name_is_valid(".scope"));
        ASSERT_TRUE(!scope_unit_name_is_valid("a/b.scope"));
        ASSERT_TRUE(!scope_unit_name_is_valid("a b.scope"));
        char long_name[300];
        memset(long_name, 'a', sizeof(long_name));
        strcpy(long_name + 250, ".scope");
        ASSERT_TRUE(!scope_unit_name_is_valid(long_name));
}

TEST(reasons) {
        ASSERT_TRUE(job_reason_to_string(JOB_REASON_NONE) == NULL);
        ASSERT_STREQ(job_reason_to_string(JOB_REASON_TIMEOUT), "timeout");
        ASSERT_STREQ(job_reason_to_string(JOB_REASON_MEMORY), "memory");
        ASSERT_STREQ(job_reason_to_string(JOB_REASON_SIGNAL), "signal");
        ASSERT_STREQ(job_reason_to_string(JOB_REASON_LAUNCH), "launch");
}

int main(void) {
        RUN(unit_names);
        RUN(reasons);
        return 0;
}
