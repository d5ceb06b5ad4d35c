/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli-args.h"
#include "macro.h"

enum {
        ARG_PIN = 0x100,
        ARG_LIST_LANGUAGES,
        ARG_RECEIPT,
        ARG_KEY,
        ARG_NO_STDIN,
        ARG_TESTS,
        ARG_SEAL,
        ARG_SEAL_TO,
        ARG_IDENTITY,
};

static const struct option options[] = {
        { "lang",           required_argument, NULL, 'l'               },
        { "stdin",          required_argument, NULL, 'i'               },
        { "no-stdin",       no_argument,       NULL, ARG_NO_STDIN      },
        { "tests",          required_argument, NULL, ARG_TESTS         },
        { "timeout",        required_argument, NULL, 't'               },
        { "server",         required_argument, NULL, 's'               },
        { "pin",            required_argument, NULL, ARG_PIN           },
        { "insecure",       no_argument,       NULL, 'k'               },
        { "watch",          no_argument,       NULL, 'w'               },
        { "metrics",        no_argument,       NULL, 'm'               },
        { "quiet",          no_argument,       NULL, 'q'               },
        { "help",           no_argument,       NULL, 'h'               },
        { "version",        no_argument,       NULL, 'V'               },
        { "list-languages", no_argument,       NULL, ARG_LIST_LANGUAGES },
        { "entrypoint",     required_argument, NULL, 'e'               },
        { "outputs",        required_argument, NULL, 'O'               },
        { "output-dir",     required_argument, NULL, 'o'               },
        { "env",            required_argument, NULL, 'E'               },
        { "receipt",        required_argument, NULL, ARG_RECEIPT       },
        { "key",            required_argument, NULL, ARG_KEY           },
        { "seal",           no_argument,       NULL, ARG_SEAL          },
        { "seal-to",        required_argument, NULL, ARG_SEAL_TO       },
        { "identity",       required_argument, NULL, ARG_IDENTITY      },
        {}
};
#define SHORT_OPTIONS ":l:i:t:s:kwmqhVe:O:o:E:"

_printf_(2, 3)
static int fail(char **ret_error, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(ret_error, fmt, ap);
        va_end(ap);
        if (r < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

static int push(char ***v, size_t *n, char *s) {
        char **p = reallocarray(*v, *n + 2, sizeof **v);
        if (!p)
                return -ENOMEM;
        p[(*n)++] = s;
        p[*n] = NULL;
        *v = p;
        return 0;
}

static bool env_assignment_valid(const char *s) {
        const char *eq = strchr(s, '=');
        if (!eq || eq == s || (s[0] >= '0' && s[0] <= '9'))
                return false;
        size_t n = eq - s;
        return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static int parse_timeout(const char *s, unsigned *ret) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno != 0 || end == s || *end != 0 || s[0] == '-' || v == 0 || v > CLI_TIMEOUT_MAX)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

/* One pass of getopt over argv; `submit_options` says whether the submit-only options are allowed. */
static int parse_options(int argc, char **argv, bool permute, bool submit_options, CliArgs *a,
                         char **ret_error) {
        int c, r;

        /* optind = 0 makes glibc start afresh, so that parsing twice (and in tests) works. */
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, permute ? SHORT_OPTIONS : "+" SHORT_OPTIONS, options, NULL)) >= 0) {
                const char *option = argv[optind - 1];

                bool submit_only = c == 'e' || c == 'O' || c == 'o' || c == 'E';
                if (submit_only && !submit_options)
                        return fail(ret_error, "%s is only for 'sandrun run' and 'sandrun submit'", option);

                switch (c) {
                case 'l':
                        a->lang = optarg;
                        break;
                case 'i':
                        a->stdin_file = optarg;
                        break;
                case ARG_TESTS:
                        a->tests_file = optarg;
                        break;
                case ARG_NO_STDIN:
                        a->no_stdin = true;
                        break;
                case 't':
                        if (parse_timeout(optarg, &a->timeout) < 0)
                                return fail(ret_error, "invalid timeout '%s': expected seconds, 1 to %u",
                                            optarg, CLI_TIMEOUT_MAX);
                        break;
                case 's':
                        a->server = optarg;
                        break;
                case ARG_PIN:
                        if (optarg[0] == 0)
                                return fail(ret_error, "--pin needs a value such as sha256//BASE64");
                        a->pin = optarg;
                        break;
                case 'k':
                        a->insecure = true;
                        break;
                case 'w':
                        a->watch = true;
                        break;
                case 'm':
                        a->metrics = true;
                        break;
                case 'q':
                        a->quiet = true;
                        break;
                case 'h':
                        a->command = CLI_HELP;
                        return 0;
                case 'V':
                        a->command = CLI_VERSION;
                        return 0;
                case ARG_LIST_LANGUAGES:
                        a->command = CLI_LANGUAGES;
                        break;
                case ARG_RECEIPT:
                        a->receipt_file = optarg;
                        break;
                case ARG_KEY:
                        a->key_file = optarg;
                        break;
                case ARG_SEAL:
                        a->seal = true;
                        break;
                case ARG_SEAL_TO:
                        if ((r = push(&a->seal_to, &a->n_seal_to, optarg)) < 0)
                                return r;
                        break;
                case ARG_IDENTITY:
                        a->identity_file = optarg;
                        break;
                case 'e':
                        a->entrypoint = optarg;
                        break;
                case 'O':
                        if ((r = push(&a->outputs, &a->n_outputs, optarg)) < 0)
                                return r;
                        break;
                case 'o':
                        a->output_dir = optarg;
                        break;
                case 'E':
                        if (!env_assignment_valid(optarg))
                                return fail(ret_error, "invalid --env '%s': expected NAME=VALUE", optarg);
                        if ((r = push(&a->env, &a->n_env, optarg)) < 0)
                                return r;
                        break;
                case ':':
                        return fail(ret_error, "option %s needs a value", option);
                default:
                        if (optopt > 0 && optopt < 0x100)
                                return fail(ret_error, "unknown option '-%c'", optopt);
                        return fail(ret_error, "unknown option '%s'", option);
                }
        }
        return 0;
}

/* sandrun submit|run [OPTIONS] PATH... [-- ARGS...] */
static int parse_paths(int argc, char **argv, CliCommand command, CliArgs *a, char **ret_error) {
        /* Everything after "--" belongs to the program; getopt would mix it with the paths. */
        int end = argc;
        for (int i = 1; i < argc; i++)
                if (streq(argv[i], "--")) {
                        end = i;
                        break;
                }

        int r = parse_options(end, argv, true, true, a, ret_error);
        if (r < 0 || a->command != CLI_RUN)
                return r;
        a->command = command;

        for (int i = optind; i < end; i++)
                if ((r = push(&a->paths, &a->n_paths, argv[i])) < 0)
                        return r;
        for (int i = end + 1; i < argc; i++)
                if ((r = push(&a->args, &a->n_args, argv[i])) < 0)
                        return r;

        if (command == CLI_RUN_PATHS) {
                if (a->n_paths == 0)
                        return fail(ret_error, "run needs a program file, or files and directories");
                /* Whether the paths are files is for the caller to see. */
                return 0;
        }
        if (a->n_paths == 0)
                return fail(ret_error, "submit needs a directory or files to upload");
        if (a->watch)
                return fail(ret_error, "--watch cannot be used with submit");
        if (a->tests_file)
                return fail(ret_error, "--tests is for single programs, not submit");
        /* A single file may be its own entrypoint; whether it is a file is for the caller to see. */
        if (!a->entrypoint && a->n_paths != 1)
                return fail(ret_error, "submit needs --entrypoint FILE when uploading several paths");
        return 0;
}

/* sandrun verify [OPTIONS] RECEIPT.json [FILE...] */
static int parse_verify(int argc, char **argv, CliArgs *a, char **ret_error) {
        int r = parse_options(argc, argv, true, false, a, ret_error);
        if (r < 0 || a->command != CLI_RUN)
                return r;
        a->command = CLI_VERIFY;
        if (optind >= argc)
                return fail(ret_error, "verify needs a receipt file (from --receipt)");
        if (a->receipt_file || a->watch || a->lang || a->stdin_file || a->timeout || a->tests_file)
                return fail(ret_error, "verify takes only --server, --pin, --insecure, --key and --quiet");
        a->receipt = argv[optind];
        for (int i = optind + 1; i < argc; i++)
                if ((r = push(&a->args, &a->n_args, argv[i])) < 0)
                        return r;
        return 0;
}

/* sandrun unseal --identity KEY [FILE] */
static int parse_unseal(int argc, char **argv, CliArgs *a, char **ret_error) {
        int r = parse_options(argc, argv, true, false, a, ret_error);
        if (r < 0 || a->command != CLI_RUN)
                return r;
        a->command = CLI_UNSEAL;
        if (!a->identity_file)
                return fail(ret_error, "unseal needs --identity FILE, an age identity");
        if (optind + 1 < argc)
                return fail(ret_error, "unseal opens one file (or stdin)");
        a->program = optind < argc ? argv[optind] : NULL;
        return 0;
}

int cli_args_parse(int argc, char **argv, CliArgs *ret, char **ret_error) {
        CliArgs a = {};
        *ret_error = NULL;

        int r = parse_options(argc, argv, false, false, &a, ret_error);
        if (r < 0 || a.command == CLI_HELP || a.command == CLI_VERSION || a.command == CLI_LANGUAGES)
                goto finish;

        /* A file named like a command is run as ./NAME, or after "--". */
        bool command = optind < argc && !streq(argv[optind - 1], "--");
        if (command && (streq(argv[optind], "submit") || streq(argv[optind], "run"))) {
                r = parse_paths(argc - optind, argv + optind,
                                streq(argv[optind], "run") ? CLI_RUN_PATHS : CLI_SUBMIT, &a, ret_error);
                goto finish;
        }
        if (command && streq(argv[optind], "verify")) {
                r = parse_verify(argc - optind, argv + optind, &a, ret_error);
                goto finish;
        }
        if (command && streq(argv[optind], "unseal")) {
                r = parse_unseal(argc - optind, argv + optind, &a, ret_error);
                goto finish;
        }
        if (a.key_file) {
                r = fail(ret_error, "--key is only for 'sandrun verify'");
                goto finish;
        }

        if (optind < argc) {
                a.program = argv[optind];
                for (int i = optind + 1; i < argc; i++)
                        if ((r = push(&a.args, &a.n_args, argv[i])) < 0)
                                goto finish;
        }
        bool from_stdin = !a.program || streq(a.program, "-");
        if (from_stdin && a.watch)
                r = fail(ret_error, "--watch needs a file to watch");
        else if (from_stdin && a.stdin_file && streq(a.stdin_file, "-"))
                r = fail(ret_error, "the program already comes from stdin, so --stdin - cannot feed it too");

finish:
        if (r >= 0 && a.tests_file && a.stdin_file)
                r = fail(ret_error, "--tests gives each case its own stdin, so it cannot come with --stdin");
        if (r >= 0 && a.no_stdin && a.stdin_file)
                r = fail(ret_error, "--no-stdin and --stdin contradict each other");
        if (r >= 0 && a.pin && a.insecure)
                r = fail(ret_error, "--pin and --insecure contradict each other");
        if (r >= 0 && (a.seal || a.n_seal_to > 0) && a.command == CLI_VERIFY)
                r = fail(ret_error, "--seal and --seal-to are for running programs, not verify");
        if (r >= 0 && a.identity_file && !a.seal && a.n_seal_to == 0 && a.command != CLI_UNSEAL)
                r = fail(ret_error, "--identity opens sealed answers: give --seal-to with its recipient too");
        if (r < 0) {
                cli_args_done(&a);
                return r;
        }
        *ret = a;
        return 0;
}

const char *cli_args_input_source(const CliArgs *a, bool stdin_is_tty) {
        assert(a);
        if (a->no_stdin || a->tests_file)
                return NULL;
        if (a->stdin_file)
                return a->stdin_file;
        bool program_from_stdin = a->command != CLI_RUN_PATHS && (!a->program || streq(a->program, "-"));
        return program_from_stdin || stdin_is_tty ? NULL : "-";
}

void cli_args_done(CliArgs *a) {
        free(a->paths);
        free(a->outputs);
        free(a->env);
        free(a->args);
        free(a->seal_to);
        *a = (CliArgs) {};
}
