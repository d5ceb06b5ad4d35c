/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define CLI_TIMEOUT_MAX 86400

typedef enum CliCommand {
        CLI_RUN,                        /* run one program, from a file or stdin */
        CLI_RUN_PATHS,                  /* run FILE|DIR...: /run when small enough, else a batch job */
        CLI_SUBMIT,                     /* upload a project as a batch job */
        CLI_LANGUAGES,                  /* list the server's languages */
        CLI_VERIFY,                     /* check a receipt, and files against it */
        CLI_UNSEAL,                     /* open an age message with --identity */
        CLI_HELP,
        CLI_VERSION,
} CliCommand;

/* The parsed command line. Strings point into argv; the arrays are owned (see cli_args_done()). */
typedef struct CliArgs {
        CliCommand command;
        const char *server;             /* NULL: $SANDRUN_SERVER, then the default */
        const char *pin;
        bool insecure;
        const char *lang;
        const char *stdin_file;         /* input for the program; "-" is the CLI's own stdin */
        bool no_stdin;
        const char *tests_file;         /* --tests: JSON test cases, as the API's "tests" */                  /* --no-stdin: never forward the CLI's stdin */
        const char *input;              /* not parsed: the program's input, read once by the caller */
        size_t input_size;
        unsigned timeout;               /* seconds, 0: the server's default */
        bool watch;
        bool metrics;
        bool quiet;
        const char *program;            /* CLI_RUN: a file, or NULL/"-" for stdin */
        char **paths;                   /* CLI_SUBMIT, CLI_RUN_PATHS: directories and files to upload */
        size_t n_paths;
        const char *entrypoint;
        char **outputs;                 /* globs of result files to download */
        size_t n_outputs;
        char **env;                     /* NAME=VALUE */
        size_t n_env;
        const char *output_dir;
        const char *receipt_file;       /* where to save the job's receipt */
        const char *receipt;            /* CLI_VERIFY: the receipt to check */
        const char *key_file;           /* CLI_VERIFY: its public key, instead of asking the server */
        char **args;                    /* the program's own arguments; CLI_VERIFY: the files */
        size_t n_args;
        bool seal;                      /* --seal: a key pair for this run, the answer opened here */
        char **seal_to;                 /* --seal-to: more age recipients */
        size_t n_seal_to;
        const char *identity_file;      /* --identity: an age identity that opens sealed answers */
} CliArgs;

/*
 * Parses the command line: options, then either "submit" or "run" with its paths and options (in any
 * order, up to "--", after which come the program's arguments), "verify", or a program file followed by
 * its arguments (a file named like a command is given as ./NAME, or after "--").
 * Prints nothing. Returns 0, or -EINVAL with a message for the user in *ret_error, or -ENOMEM.
 */
int cli_args_parse(int argc, char **argv, CliArgs *ret, char **ret_error);
void cli_args_done(CliArgs *a);

/*
 * Where the input of a run comes from: --stdin FILE when given; otherwise, when a program FILE is named
 * and the CLI's stdin is not a terminal (a pipe or a redirected file), "-", so that
 * `cat in.txt | sandrun sum.py` does what it says; NULL for none (--no-stdin, or the program itself
 * comes from stdin, or --tests gives each case its own).
 */
const char *cli_args_input_source(const CliArgs *a, bool stdin_is_tty);
