/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "cli-lang.h"
#include "tests.h"

#define SHEBANG(s) lang_from_shebang((s), strlen(s))

TEST(extension) {
        ASSERT_STREQ(lang_from_extension("hello.py"), "python");
        ASSERT_STREQ(lang_from_extension("dir.d/HELLO.PY"), "python");
        ASSERT_STREQ(lang_from_extension("a/b/run.sh"), "sh");
        ASSERT_STREQ(lang_from_extension("x.bash"), "bash");
        ASSERT_STREQ(lang_from_extension("app.js"), "node");
        ASSERT_STREQ(lang_from_extension("mod.mjs"), "node");
        ASSERT_STREQ(lang_from_extension("t.pl"), "perl");
        ASSERT_TRUE(lang_from_extension("Makefile") == NULL);
        ASSERT_TRUE(lang_from_extension(".py") == NULL);            /* a hidden file, not an extension */
        ASSERT_TRUE(lang_from_extension("dir.py/script") == NULL);  /* the dot is in a directory name */
        ASSERT_TRUE(lang_from_extension("x.pyc") == NULL);
        ASSERT_TRUE(lang_from_extension("x.") == NULL);
        ASSERT_TRUE(lang_from_extension("") == NULL);
        ASSERT_TRUE(lang_from_extension(NULL) == NULL);
}

TEST(shebang) {
        ASSERT_STREQ(SHEBANG("#!/usr/bin/python3\nprint(1)\n"), "python");
        ASSERT_STREQ(SHEBANG("#!/usr/bin/env python3.11 -u\n"), "python");
        ASSERT_STREQ(SHEBANG("#! /bin/bash -e\n"), "bash");
        ASSERT_STREQ(SHEBANG("#!/bin/sh\r\necho\r\n"), "sh");
        ASSERT_STREQ(SHEBANG("#!/bin/dash"), "sh");
        ASSERT_STREQ(SHEBANG("#!/usr/bin/env -S node --harmony\n"), "node");
        ASSERT_STREQ(SHEBANG("#!/usr/bin/env LANG=C perl -w\n"), "perl");
        ASSERT_STREQ(SHEBANG("#!/usr/local/bin/nodejs\n"), "node");
        ASSERT_STREQ(SHEBANG("#!perl5.36\n"), "perl");
        ASSERT_TRUE(SHEBANG("#!/usr/bin/ruby\n") == NULL);
        ASSERT_TRUE(SHEBANG("#!/usr/bin/env\n") == NULL);
        ASSERT_TRUE(SHEBANG("#!/usr/bin/env -i\n") == NULL);
        ASSERT_TRUE(SHEBANG("#!\n") == NULL);
        ASSERT_TRUE(SHEBANG("#!") == NULL);
        ASSERT_TRUE(SHEBANG("print(1)\n") == NULL);
        ASSERT_TRUE(SHEBANG("# !/bin/sh\n") == NULL);
        ASSERT_TRUE(SHEBANG("") == NULL);
        ASSERT_TRUE(lang_from_shebang(NULL, 5) == NULL);
        /* The interpreter is on the first line only. */
        ASSERT_TRUE(SHEBANG("#!\npython\n") == NULL);
        /* "python" followed by a non-version suffix is some other program. */
        ASSERT_TRUE(SHEBANG("#!/usr/bin/pythonista\n") == NULL);
        ASSERT_TRUE(SHEBANG("#!/usr/bin/3\n") == NULL);
}

TEST(shebang_hostile) {
        /* Past the line limit nothing is read, however the buffer continues. */
        char long_line[1024];
        memset(long_line, ' ', sizeof long_line);
        memcpy(long_line, "#!", 2);
        memcpy(long_line + 900, "python", 6);
        ASSERT_TRUE(lang_from_shebang(long_line, sizeof long_line) == NULL);

        /* Not NUL-terminated: only len bytes may be looked at. */
        char exact[] = { '#', '!', 'b', 'a', 's', 'h' };
        ASSERT_STREQ(lang_from_shebang(exact, sizeof exact), "bash");
        ASSERT_TRUE(lang_from_shebang(exact, 5) == NULL);

        /* Embedded NUL ends the name. */
        ASSERT_TRUE(lang_from_shebang("#!/bin/sh\0ell", 13) == NULL);
        ASSERT_TRUE(lang_from_interpreter("python3.11.4.5.6.7.8.9.0.1.2.3.4", 32) != NULL);
        ASSERT_TRUE(lang_from_interpreter("python3.11.4.5.6.7.8.9.0.1.2.3.45", 33) == NULL);
}

TEST(detect) {
        /* The #! line wins: it is what the author runs the file with. */
        ASSERT_STREQ(lang_detect("run.sh", "#!/bin/bash\n", 12), "bash");
        ASSERT_STREQ(lang_detect("run.sh", "echo\n", 5), "sh");
        ASSERT_STREQ(lang_detect(NULL, "#!/usr/bin/env node\n", 20), "node");
        ASSERT_TRUE(lang_detect(NULL, "print(1)\n", 9) == NULL);
        ASSERT_TRUE(lang_detect("notes.txt", "", 0) == NULL);
}

int main(void) {
        RUN(extension);
        RUN(shebang);
        RUN(shebang_hostile);
        RUN(detect);
        return 0;
}
