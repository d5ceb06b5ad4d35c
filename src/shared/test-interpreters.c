/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "interpreters.h"
#include "tests.h"

static void test_extensions(void) {
        /* The server runs a .sh entrypoint with bash; the CLI calls a .sh file plain sh. */
        ASSERT_STREQ(interpreter_from_extension(".sh", false)->name, "bash");
        ASSERT_STREQ(interpreter_from_extension(".sh", true)->name, "sh");
        ASSERT_STREQ(interpreter_from_extension(".BASH", false)->name, "bash");
        ASSERT_STREQ(interpreter_from_extension(".mjs", false)->name, "node");
        ASSERT_STREQ(interpreter_from_extension(".py", true)->name, "python");
        ASSERT_TRUE(interpreter_from_extension(".cob", false) == NULL);
        ASSERT_TRUE(interpreter_from_extension("", false) == NULL);
}

static void test_commands(void) {
        ASSERT_STREQ(interpreter_from_command("dash", 4)->name, "sh");
        ASSERT_STREQ(interpreter_from_command("nodejs", 6)->name, "node");
        ASSERT_TRUE(interpreter_from_command("python3.11", 10) == NULL);
        ASSERT_TRUE(interpreter_from_command("pytho", 5) == NULL);
}

static void test_table(void) {
        size_t n;
        const Interpreter *all = interpreters_all(&n);

        /* Each language's program file extension is its first, and every list is terminated. */
        for (size_t i = 0; i < n; i++) {
                ASSERT_TRUE(all[i].extensions[0] != NULL);
                ASSERT_STREQ(all[i].extensions[0], all[i].extension);
                ASSERT_TRUE(all[i].commands != NULL);
                /* A compiled language says how to run what it made. */
                ASSERT_TRUE(!all[i].compile_args == !all[i].run_args);
        }
}

int main(void) {
        test_extensions();
        test_commands();
        test_table();
        return 0;
}
