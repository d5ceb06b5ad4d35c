/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "cli-args.h"
#include "macro.h"
#include "tests.h"

/* Parses a NULL-terminated list (copied, since getopt may reorder it). */
static int parse(CliArgs *a, char **error, char **argv_static) {
        static char *argv[64];
        int argc = 0;
        while (argv_static[argc]) {
                argv[argc] = argv_static[argc];
                argc++;
        }
        argv[argc] = NULL;
        free(*error);
        *error = NULL;
        return cli_args_parse(argc, argv, a, error);
}

#define ARGV(...) ((char *[]) { "sandrun", __VA_ARGS__, NULL })

TEST(run_file) {
        CliArgs a;
        _cleanup_free_ char *error = NULL;
        ASSERT_OK(parse(&a, &error, ARGV("-l", "py", "--timeout=5", "-m", "prog.py", "-v", "--x", "arg")));
        ASSERT_EQ(a.command, CLI_RUN);
        ASSERT_STREQ(a.lang, "py");
        ASSERT_EQ(a.timeout, 5);
        ASSERT_TRUE(a.metrics);
        ASSERT_STREQ(a.program, "prog.py");
        /* Everything after the program belongs to it, options included. */
        ASSERT_EQ(a.n_args, 3);
        ASSERT_STREQ(a.args[0], "-v");
        ASSERT_STREQ(a.args[2], "arg");
        cli_args_done(&a);

        ASSERT_OK(parse(&a, &error, ARGV("--server", "https://h:1", "--pin", "sha256//x", "--", "-odd.py")));
        ASSERT_STREQ(a.server, "https://h:1");
        ASSERT_STREQ(a.pin, "sha256//x");
        ASSERT_STREQ(a.program, "-odd.py");
        cli_args_done(&a);

        /* "--" before "submit" makes it a file name. */
        ASSERT_OK(parse(&a, &error, ARGV("--", "submit")));
        ASSERT_EQ(a.command, CLI_RUN);
        ASSERT_STREQ(a.program, "submit");
        cli_args_done(&a);
}

static void check_usage_error(char **argv, const char *needle);

TEST(run_paths) {
        CliArgs a;
        _cleanup_free_ char *error = NULL;

        /* The paths and options mix up to "--"; the program's arguments follow it. */
        ASSERT_OK(parse(&a, &error, ARGV("-q", "run", "main.py", "-m", "lib", "util.py", "--", "-v", "x")));
        ASSERT_EQ(a.command, CLI_RUN_PATHS);
        ASSERT_TRUE(a.quiet && a.metrics);
        ASSERT_EQ(a.n_paths, 3);
        ASSERT_STREQ(a.paths[0], "main.py");
        ASSERT_STREQ(a.paths[1], "lib");
        ASSERT_STREQ(a.paths[2], "util.py");
        ASSERT_EQ(a.n_args, 2);
        ASSERT_STREQ(a.args[0], "-v");
        ASSERT_TRUE(a.program == NULL);
        cli_args_done(&a);

        /* Unlike submit, several paths need no --entrypoint (the first is), and the batch options work. */
        ASSERT_OK(parse(&a, &error, ARGV("run", "proj", "-e", "src/main.py", "-O", "out/*", "-E", "A=1",
                                         "--tests", "t.json")));
        ASSERT_EQ(a.command, CLI_RUN_PATHS);
        ASSERT_STREQ(a.entrypoint, "src/main.py");
        ASSERT_EQ(a.n_outputs, 1);
        ASSERT_EQ(a.n_env, 1);
        ASSERT_STREQ(a.tests_file, "t.json");
        cli_args_done(&a);

        ASSERT_OK(parse(&a, &error, ARGV("run", "--watch", "app.js")));
        ASSERT_TRUE(a.watch);
        cli_args_done(&a);
        ASSERT_OK(parse(&a, &error, ARGV("run", "--watch", "app.js", "lib.js")));
        ASSERT_TRUE(a.watch && a.n_paths == 2);
        cli_args_done(&a);

        /* A file named "run" or "submit": ./NAME, after "--", or as a path of run. */
        ASSERT_OK(parse(&a, &error, ARGV("./run", "arg")));
        ASSERT_EQ(a.command, CLI_RUN);
        ASSERT_STREQ(a.program, "./run");
        cli_args_done(&a);
        ASSERT_OK(parse(&a, &error, ARGV("-q", "--", "run", "arg")));
        ASSERT_EQ(a.command, CLI_RUN);
        ASSERT_STREQ(a.program, "run");
        ASSERT_EQ(a.n_args, 1);
        cli_args_done(&a);
        ASSERT_OK(parse(&a, &error, ARGV("./submit")));
        ASSERT_EQ(a.command, CLI_RUN);
        cli_args_done(&a);
        ASSERT_OK(parse(&a, &error, ARGV("run", "run", "submit")));
        ASSERT_EQ(a.command, CLI_RUN_PATHS);
        ASSERT_STREQ(a.paths[0], "run");
        ASSERT_STREQ(a.paths[1], "submit");
        cli_args_done(&a);

        check_usage_error(ARGV("run"), "run needs a program file");
        check_usage_error(ARGV("run", "--", "x"), "run needs a program file");
        check_usage_error(ARGV("run", "-i", "in.txt", "--no-stdin", "a.py"), "contradict");

        /* A piped stdin is the program's input for run, as for a single FILE. */
        ASSERT_OK(parse(&a, &error, ARGV("run", "a.py", "b.py")));
        ASSERT_STREQ(cli_args_input_source(&a, false), "-");
        ASSERT_TRUE(cli_args_input_source(&a, true) == NULL);
        cli_args_done(&a);
}

TEST(input_source) {
        CliArgs a;
        _cleanup_free_ char *error = NULL;

        /* A program file with a pipe on stdin: the pipe is the program's input; a terminal is not. */
        ASSERT_OK(parse(&a, &error, ARGV("sum.py")));
        ASSERT_STREQ(cli_args_input_source(&a, false), "-");
        ASSERT_TRUE(cli_args_input_source(&a, true) == NULL);
        cli_args_done(&a);

        /* --stdin FILE wins, terminal or not. */
        ASSERT_OK(parse(&a, &error, ARGV("-i", "in.txt", "sum.py")));
        ASSERT_STREQ(cli_args_input_source(&a, false), "in.txt");
        ASSERT_STREQ(cli_args_input_source(&a, true), "in.txt");
        cli_args_done(&a);

        ASSERT_OK(parse(&a, &error, ARGV("--no-stdin", "sum.py")));
        ASSERT_TRUE(a.no_stdin);
        ASSERT_TRUE(cli_args_input_source(&a, false) == NULL);
        cli_args_done(&a);

        /* The program itself comes from stdin: nothing left to forward. */
        ASSERT_OK(parse(&a, &error, ARGV("--lang", "python")));
        ASSERT_TRUE(cli_args_input_source(&a, false) == NULL);
        cli_args_done(&a);
        ASSERT_OK(parse(&a, &error, ARGV("-", "x")));
        ASSERT_TRUE(cli_args_input_source(&a, false) == NULL);
        cli_args_done(&a);

        /* --tests gives each case its own stdin. */
        ASSERT_OK(parse(&a, &error, ARGV("--tests", "t.json", "sum.py")));
        ASSERT_STREQ(a.tests_file, "t.json");
        ASSERT_TRUE(cli_args_input_source(&a, false) == NULL);
        cli_args_done(&a);

        /* --watch reads stdin once and reuses it, so it may come with a pipe. */
        ASSERT_OK(parse(&a, &error, ARGV("--watch", "--stdin", "-", "x.py")));
        ASSERT_STREQ(cli_args_input_source(&a, false), "-");
        cli_args_done(&a);
}

TEST(run_stdin) {
        CliArgs a;
        _cleanup_free_ char *error = NULL;
        ASSERT_OK(parse(&a, &error, ARGV("--lang", "python", "--stdin", "in.txt")));
        ASSERT_TRUE(a.program == NULL);
        ASSERT_STREQ(a.stdin_file, "in.txt");
        cli_args_done(&a);

        ASSERT_OK(parse(&a, &error, ARGV("-", "x")));
        ASSERT_STREQ(a.program, "-");
        ASSERT_EQ(a.n_args, 1);
        cli_args_done(&a);
}

TEST(submit) {
        CliArgs a;
        _cleanup_free_ char *error = NULL;
        ASSERT_OK(parse(&a, &error, ARGV("-k", "submit", "proj", "--entrypoint", "main.py", "-O", "results/*",
                                         "extra.txt", "--outputs=*.log", "-o", "out", "-E", "A=1", "--",
                                         "--flag", "x")));
        ASSERT_EQ(a.command, CLI_SUBMIT);
        ASSERT_TRUE(a.insecure);
        ASSERT_EQ(a.n_paths, 2);
        ASSERT_STREQ(a.paths[0], "proj");
        ASSERT_STREQ(a.paths[1], "extra.txt");
        ASSERT_STREQ(a.entrypoint, "main.py");
        ASSERT_EQ(a.n_outputs, 2);
        ASSERT_STREQ(a.outputs[1], "*.log");
        ASSERT_STREQ(a.output_dir, "out");
        ASSERT_EQ(a.n_env, 1);
        ASSERT_STREQ(a.env[0], "A=1");
        ASSERT_EQ(a.n_args, 2);
        ASSERT_STREQ(a.args[0], "--flag");
        cli_args_done(&a);

        /* One file needs no --entrypoint. */
        ASSERT_OK(parse(&a, &error, ARGV("submit", "job.py")));
        ASSERT_TRUE(a.entrypoint == NULL);
        ASSERT_EQ(a.n_paths, 1);
        cli_args_done(&a);
}

TEST(commands) {
        CliArgs a;
        _cleanup_free_ char *error = NULL;
        ASSERT_OK(parse(&a, &error, ARGV("--help", "--bogus")));
        ASSERT_EQ(a.command, CLI_HELP);
        cli_args_done(&a);
        ASSERT_OK(parse(&a, &error, ARGV("-V")));
        ASSERT_EQ(a.command, CLI_VERSION);
        cli_args_done(&a);
        ASSERT_OK(parse(&a, &error, ARGV("--list-languages")));
        ASSERT_EQ(a.command, CLI_LANGUAGES);
        cli_args_done(&a);
}

TEST(verify_and_receipt) {
        CliArgs a;
        _cleanup_free_ char *error = NULL;
        ASSERT_OK(parse(&a, &error, ARGV("-k", "verify", "r.json", "out.txt", "--key", "k.pem", "code.py")));
        ASSERT_EQ(a.command, CLI_VERIFY);
        ASSERT_TRUE(a.insecure);
        ASSERT_STREQ(a.receipt, "r.json");
        ASSERT_STREQ(a.key_file, "k.pem");
        ASSERT_EQ(a.n_args, 2);
        ASSERT_STREQ(a.args[0], "out.txt");
        ASSERT_STREQ(a.args[1], "code.py");
        cli_args_done(&a);
        ASSERT_OK(parse(&a, &error, ARGV("--receipt", "r.json", "x.py", "arg")));
        ASSERT_EQ(a.command, CLI_RUN);
        ASSERT_STREQ(a.receipt_file, "r.json");
        ASSERT_STREQ(a.program, "x.py");
        cli_args_done(&a);
        /* "verify" after the program is one of its arguments. */
        ASSERT_OK(parse(&a, &error, ARGV("x.py", "verify")));
        ASSERT_EQ(a.command, CLI_RUN);
        ASSERT_STREQ(a.args[0], "verify");
        cli_args_done(&a);
}

static void check_usage_error(char **argv, const char *needle) {
        CliArgs a = { .lang = "untouched" };
        _cleanup_free_ char *error = NULL;
        ASSERT_ERROR(parse(&a, &error, argv), EINVAL);
        ASSERT_TRUE(error != NULL);
        if (!strstr(error, needle)) {
                fprintf(stderr, "message \"%s\" lacks \"%s\"\n", error, needle);
                abort();
        }
        ASSERT_STREQ(a.lang, "untouched");
}

TEST(usage_errors) {
        check_usage_error(ARGV("--bogus"), "unknown option '--bogus'");
        check_usage_error(ARGV("-Z"), "unknown option '-Z'");
        check_usage_error(ARGV("--lang"), "needs a value");
        check_usage_error(ARGV("-t", "0", "x.py"), "invalid timeout");
        check_usage_error(ARGV("-t", "-5", "x.py"), "invalid timeout");
        check_usage_error(ARGV("-t", "5s", "x.py"), "invalid timeout");
        check_usage_error(ARGV("-t", "99999999999999999999", "x.py"), "invalid timeout");
        check_usage_error(ARGV("-t", "86401", "x.py"), "invalid timeout");
        check_usage_error(ARGV("--entrypoint", "m.py", "x.py"), "only for 'sandrun run' and 'sandrun submit'");
        check_usage_error(ARGV("-O", "*", "x.py"), "only for 'sandrun run' and 'sandrun submit'");
        check_usage_error(ARGV("--watch"), "needs a file");
        check_usage_error(ARGV("--watch", "-"), "needs a file");
        check_usage_error(ARGV("--no-stdin", "--stdin", "in.txt", "x.py"), "contradict");
        check_usage_error(ARGV("--tests", "t.json", "-i", "in.txt", "x.py"), "own stdin");
        check_usage_error(ARGV("submit", "--tests", "t.json", "a"), "not submit");
        check_usage_error(ARGV("--stdin", "-"), "already comes from stdin");
        check_usage_error(ARGV("--pin", "sha256//x", "-k", "x.py"), "contradict");
        check_usage_error(ARGV("--pin=", "x.py"), "--pin needs a value");
        check_usage_error(ARGV("submit"), "directory or files");
        check_usage_error(ARGV("submit", "a", "b"), "--entrypoint");
        check_usage_error(ARGV("submit", "-w", "a"), "--watch");
        check_usage_error(ARGV("submit", "a", "-E", "NOEQUALS"), "NAME=VALUE");
        check_usage_error(ARGV("submit", "a", "-E", "=x"), "NAME=VALUE");
        check_usage_error(ARGV("submit", "a", "-E", "1A=x"), "NAME=VALUE");
        check_usage_error(ARGV("submit", "a", "-E", "A-B=x"), "NAME=VALUE");
        check_usage_error(ARGV("verify"), "needs a receipt");
        check_usage_error(ARGV("verify", "-t", "5", "r.json"), "verify takes only");
        check_usage_error(ARGV("--key", "k.pem", "x.py"), "only for 'sandrun verify'");
}

TEST(seal) {
        CliArgs a;
        _cleanup_free_ char *error = NULL;

        ASSERT_OK(parse(&a, &error, ARGV("--seal", "--seal-to", "age1x", "--seal-to=age1y", "--identity", "k.txt",
                                         "prog.py")));
        ASSERT_TRUE(a.seal);
        ASSERT_EQ(a.n_seal_to, 2);
        ASSERT_STREQ(a.seal_to[1], "age1y");
        ASSERT_STREQ(a.identity_file, "k.txt");
        cli_args_done(&a);
        ASSERT_OK(parse(&a, &error, ARGV("run", "--seal", "main.py", "lib.py")));
        ASSERT_TRUE(a.seal);
        cli_args_done(&a);

        ASSERT_OK(parse(&a, &error, ARGV("unseal", "--identity", "k.txt", "out.age")));
        ASSERT_EQ(a.command, CLI_UNSEAL);
        ASSERT_STREQ(a.program, "out.age");
        cli_args_done(&a);
        ASSERT_OK(parse(&a, &error, ARGV("unseal", "--identity=k.txt")));
        ASSERT_TRUE(!a.program);
        cli_args_done(&a);

        ASSERT_ERROR(parse(&a, &error, ARGV("unseal", "out.age")), EINVAL);
        ASSERT_TRUE(strstr(error, "--identity"));
        ASSERT_ERROR(parse(&a, &error, ARGV("unseal", "--identity", "k", "a", "b")), EINVAL);
        /* An identity alone seals nothing: its recipient must go to the server. */
        ASSERT_ERROR(parse(&a, &error, ARGV("--identity", "k.txt", "prog.py")), EINVAL);
        ASSERT_OK(parse(&a, &error, ARGV("submit", "--seal", "dir")));
        ASSERT_TRUE(a.seal);
        cli_args_done(&a);
        ASSERT_ERROR(parse(&a, &error, ARGV("verify", "--seal", "r.json")), EINVAL);
        ASSERT_ERROR(parse(&a, &error, ARGV("--seal-to")), EINVAL);
}

int main(void) {
        RUN(run_file);
        RUN(run_stdin);
        RUN(run_paths);
        RUN(input_source);
        RUN(submit);
        RUN(commands);
        RUN(verify_and_receipt);
        RUN(usage_errors);
        RUN(seal);
        return 0;
}
