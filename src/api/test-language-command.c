/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "language-command.h"
#include "strv.h"
#include "tests.h"

static const Interpreter *lang(const char *name) {
        size_t n;
        const Interpreter *all = interpreters_all(&n);
        for (size_t i = 0; i < n; i++)
                if (streq(all[i].name, name))
                        return &all[i];
        abort();
}

static char *joined(char **v) {
        static char buf[1024];
        size_t off = 0;
        buf[0] = 0;
        for (; v && *v; v++)
                off += snprintf(buf + off, sizeof(buf) - off, "%s%s", off ? " " : "", *v);
        return buf;
}

TEST(source_names) {
        char name[SOURCE_NAME_MAX];
        const char *java = "import java.util.*;\n// class Nope\npublic final class Hello_1 {\n"
                           " public static void main(String[] a) {} }";

        language_source_name(lang("c"), "int main(){}", 12, name);
        ASSERT_STREQ(name, "main.c");
        language_source_name(lang("python"), "", 0, name);
        ASSERT_STREQ(name, "main.py");
        language_source_name(lang("java"), java, strlen(java), name);
        ASSERT_STREQ(name, "Hello_1.java");
        /* No public class: the table's name. Hostile text never makes a path. */
        language_source_name(lang("java"), "class X {}", 10, name);
        ASSERT_STREQ(name, "Main.java");
        language_source_name(lang("java"), "public class ../../x", 20, name);
        ASSERT_STREQ(name, "Main.java");
        language_source_name(lang("java"), "publicclass Y", 13, name);
        ASSERT_STREQ(name, "Main.java");
        language_source_name(lang("java"), "public class", 12, name);
        ASSERT_STREQ(name, "Main.java");
        char longname[200];
        snprintf(longname, sizeof(longname), "public class %0120d", 0);
        longname[13] = 'A';
        language_source_name(lang("java"), longname, strlen(longname), name);
        ASSERT_STREQ(name, "Main.java");
}

TEST(commands) {
        _cleanup_strv_free_ char **compile = NULL, **run = NULL;
        Interpreter c = *lang("c"), java = *lang("java"), py = *lang("python");
        char *args[] = { (char *) "x", (char *) "y z", NULL };

        c.path = "/usr/bin/gcc";
        ASSERT_OK(language_commands(&c, "main.c", 2, args, &compile, &run));
        ASSERT_STREQ(joined(compile), "/usr/bin/gcc -std=gnu11 -O2 -pipe -o main main.c -lm");
        ASSERT_STREQ(joined(run), "/work/main x y z");
        compile = strv_free(compile);
        run = strv_free(run);

        java.path = "/usr/bin/javac";
        java.run_path = "/usr/bin/java";
        ASSERT_OK(language_commands(&java, "Hello.java", 0, NULL, &compile, &run));
        ASSERT_TRUE(strstr(joined(compile), "-J-XX:ActiveProcessorCount=1 ") != NULL);
        ASSERT_TRUE(strstr(joined(run), "/usr/bin/java -Xmx256m") == joined(run));
        ASSERT_TRUE(strstr(joined(run), " -cp /work Hello") != NULL);
        compile = strv_free(compile);
        run = strv_free(run);

        py.path = "/usr/bin/python3";
        ASSERT_OK(language_commands(&py, "main.py", 1, args, &compile, &run));
        ASSERT_TRUE(compile == NULL);
        ASSERT_STREQ(joined(run), "/usr/bin/python3 main.py x y z");
        run = strv_free(run);

        ASSERT_EQ(language_commands(&py, "/x.py", 1, NULL, &compile, &run), -EINVAL);
        ASSERT_EQ(language_commands(&py, "", 1, NULL, &compile, &run), -EINVAL);
        /* A batch job's entrypoint in a subdirectory: Java's class is the file's base name. */
        ASSERT_OK(language_commands(&java, "src/Hello.java", 1, NULL, &compile, &run));
        ASSERT_TRUE(strstr(joined(compile), " src/Hello.java") != NULL);
        ASSERT_TRUE(strstr(joined(run), " -cp /work Hello") != NULL);
        compile = strv_free(compile);
        run = strv_free(run);
        py.path = NULL;
        ASSERT_EQ(language_commands(&py, "main.py", 1, NULL, &compile, &run), -EINVAL);
}

int main(void) {
        RUN(source_names);
        RUN(commands);
        return 0;
}
