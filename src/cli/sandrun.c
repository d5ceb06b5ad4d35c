/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sandrun: the command line client of the sandrun service. Runs a program file or stdin on the server,
 * re-runs it on every save (--watch), or submits a whole project as a batch job and fetches its outputs.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli-args.h"
#include "cli-exit.h"
#include "cli-http.h"
#include "cli-languages.h"
#include "cli-project.h"
#include "cli-read.h"
#include "cli-run.h"
#include "cli-seal.h"
#include "cli-submit.h"
#include "cli-verify.h"
#include "cli-watch.h"
#include "config.h"

#define DEFAULT_SERVER "https://127.0.0.1:8443"
#define PIN_FILE "/run/sandrun/tls-pin"
#define PIN_MAX 4096

static void help(void) {
        printf("Usage:\n"
               "  sandrun [OPTIONS] FILE [ARGS...]         run a program file on the server\n"
               "  sandrun [OPTIONS] [-] [ARGS...] < FILE   run the program read from stdin\n"
               "  sandrun [OPTIONS] --watch FILE [ARGS...] run it again on every save\n"
               "  sandrun run [OPTIONS] FILE|DIR... [-- ARGS...]\n"
               "                                           run the first FILE with the other files\n"
               "                                           beside it: through /run when at most 33\n"
               "                                           files, 256 KiB, else as a batch job\n"
               "  sandrun submit [OPTIONS] DIR|FILE... [-- ARGS...]\n"
               "                                           run a whole project as a batch job\n"
               "  sandrun verify [OPTIONS] RECEIPT [FILE...]\n"
               "                                           check a job's signed receipt, and that each\n"
               "                                           FILE is one it names (code, output, ...)\n"
               "  sandrun unseal --identity=KEY [FILE]     open an age message (a sealed answer or\n"
               "                                           download, or what age -e wrote) to stdout\n"
               "  sandrun --list-languages                 show the languages the server has\n"
               "\n"
               "Runs code in a sandbox on a sandrun server. The program's stdout and stderr become\n"
               "sandrun's, and sandrun exits with the program's exit code.\n"
               "\n"
               "Options:\n"
               "  -l, --lang=LANG        python, bash, sh, node or perl (or an alias such as py, js);\n"
               "                         by default taken from the #! line or the file's extension\n"
               "  -i, --stdin=FILE       feed FILE to the program's stdin (\"-\": sandrun's own stdin);\n"
               "                         by default a FILE program gets sandrun's stdin when that is\n"
               "                         not a terminal (a pipe or a redirection, up to 16 MiB)\n"
               "      --no-stdin         run without input, even when stdin is a pipe\n"
               "      --tests=FILE       run the program once per test case of FILE, a JSON array as\n"
               "                         in the API ([{\"stdin\": \"1 2\", \"expected_output\": \"3\"}]);\n"
               "                         prints a verdict per case, exits 0 only when all pass, else 1\n"
               "  -t, --timeout=SECONDS  ask for a shorter time limit than the server's default\n"
               "  -w, --watch            run FILE again each time it is saved (with run: each time\n"
               "                         one of its FILEs is; Ctrl+C stops)\n"
               "  -m, --metrics          print CPU time, memory and wall time on stderr\n"
               "  -q, --quiet            no progress or notes from sandrun itself\n"
               "  -s, --server=URL       the server (default $SANDRUN_SERVER, else " DEFAULT_SERVER ")\n"
               "      --pin=sha256//KEY  trust the server whose public key has this SHA-256 pin instead\n"
               "                         of checking its certificate (default $SANDRUN_PIN; for a\n"
               "                         local server, " PIN_FILE " when readable)\n"
               "  -k, --insecure         do not check the server's certificate at all\n"
               "      --list-languages   list the server's languages, aliases and extensions\n"
               "      --receipt=FILE     save the job's signed receipt (JSON) in FILE\n"
               "      --key=PEM          verify: check against this public key, not the server's\n"
               "      --seal             seal the answer to a key pair made for this run, and open it\n"
               "                         here: whatever sits between us and the server sees no output\n"
               "      --seal-to=AGE1...  seal the answer to this age recipient too (repeatable); alone,\n"
               "                         the sealed answer is printed for age -d to open\n"
               "      --identity=FILE    an age identity file (age-keygen's) that opens sealed answers\n"
               "  -h, --help             show this help\n"
               "  -V, --version          show the version\n"
               "\n"
               "Options of run and submit:\n"
               "  -e, --entrypoint=FILE  the file to run, relative to the uploaded directory\n"
               "                         (not needed for a single file, nor when run's first path\n"
               "                         is a file)\n"
               "  -O, --outputs=GLOB     files to bring back, e.g. 'results/*' (repeatable)\n"
               "  -o, --output-dir=DIR   where to put them (default ./sandrun-JOBID)\n"
               "  -E, --env=NAME=VALUE   set an environment variable for the job (repeatable)\n"
               "  -l, -i, -t, -m, -q and the server options work as above.\n"
               "\n"
               "Exit status:\n"
               "  the program's own exit code when it ran to its end, otherwise\n"
               "  %3d  usage error, or an input file that cannot be read\n"
               "  %3d  refused by the server (HTTP 4xx; 429 when over the rate or CPU budget)\n"
               "  %3d  server or network error: cannot connect, TLS or pin failure, HTTP 5xx\n"
               "  %3d  the sandbox stopped the program: timeout, memory, signal or launch failure\n"
               "       (the reason is printed on stderr)\n"
               "\n"
               "Examples:\n"
               "  sandrun hello.py                       run a file; language from .py\n"
               "  sandrun script.sh one two              pass arguments to the program\n"
               "  echo 'print(6*7)' | sandrun --lang python\n"
               "  sandrun --stdin numbers.txt sum.pl     feed a file to the program's stdin\n"
               "  seq 3 | sandrun sum.pl                 the same, through a pipe\n"
               "  sandrun --watch app.js                 re-run on every save\n"
               "  sandrun -m -t 5 heavy.py               5 s limit, show CPU and memory used\n"
               "  sandrun run main.py util.py data/      run main.py with util.py and what is in\n"
               "                                         data/ beside it\n"
               "  sandrun ./run                          run a file named like a command\n"
               "  sandrun submit . -e main.py -O 'results/*' -o out\n"
               "                                         upload this directory, run main.py, fetch\n"
               "                                         results/* into ./out\n"
               "  sandrun --seal secret.py               no proxy or CDN on the way can read the output\n"
               "  sandrun --seal-to \"$(age-keygen -y key.txt)\" --identity key.txt job.py\n"
               "  sandrun unseal --identity key.txt out.tar.gz.age > out.tar.gz\n"
               "  sandrun --pin \"$(cat " PIN_FILE ")\" hello.py\n"
               "  SANDRUN_SERVER=https://sandbox.example:8443 sandrun hello.py\n"
               "\n"
               "See sandrun(1) for more.\n",
               SANDRUN_EXIT_USAGE, SANDRUN_EXIT_REFUSED, SANDRUN_EXIT_SERVER, SANDRUN_EXIT_SANDBOX);
}

static bool is_loopback(const char *url) {
        static const char *const prefixes[] = {
                "https://127.", "https://localhost:", "https://localhost/", "https://[::1]",
        };
        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
                if (strncasecmp(url, prefixes[i], strlen(prefixes[i])) == 0)
                        return true;
        return strcasecmp(url, "https://localhost") == 0;
}

/* The daemon's own pin file, for the common case of a local server with its self-signed certificate. */
static char *local_pin(const char *server) {
        if (!is_loopback(server) || access(PIN_FILE, R_OK) < 0)
                return NULL;

        _cleanup_free_ char *pin = NULL;
        size_t size;
        if (read_full_file(PIN_FILE, PIN_MAX, &pin, &size) < 0)
                return NULL;
        pin[strcspn(pin, "\r\n")] = 0;
        if (strncmp(pin, "sha256//", 8) != 0)
                return NULL;
        return TAKE_PTR(pin);
}

/* Reads the program's input once, before the first run: --watch reuses it, and a pipe cannot be re-read. */
static int read_input(CliArgs *a) {
        /* A closed stdin (EBADF) is no input, the same as a terminal. */
        bool tty = isatty(STDIN_FILENO);
        bool closed = !tty && errno == EBADF;
        const char *source = cli_args_input_source(a, tty || closed);
        if (!source)
                return 0;

        char *input;
        size_t size;
        int r = read_full_file(source, READ_FULL_MAX, &input, &size);
        if (r == -EFBIG) {
                fprintf(stderr, "sandrun: the input %s is larger than the %zu MiB limit%s\n",
                        streq(source, "-") ? "on stdin" : source, READ_FULL_MAX >> 20,
                        a->stdin_file ? "" : " (use --no-stdin to run without it)");
                return SANDRUN_EXIT_USAGE;
        }
        if (r < 0) {
                fprintf(stderr, "sandrun: cannot read input %s: %s\n",
                        streq(source, "-") ? "from stdin" : source, strerror(-r));
                return SANDRUN_EXIT_USAGE;
        }
        a->input = input;
        a->input_size = size;
        return 0;
}

static bool run_paths_is_one_program(const CliArgs *a) {
        struct stat st;
        return a->n_paths == 1 && !a->entrypoint && a->n_outputs == 0 && a->n_env == 0 &&
               stat(a->paths[0], &st) >= 0 && S_ISREG(st.st_mode);
}

/* --watch follows files, not what appears in directories. */
static bool run_paths_are_files(const CliArgs *a) {
        struct stat st;
        for (size_t i = 0; i < a->n_paths; i++)
                if (stat(a->paths[i], &st) < 0 || !S_ISREG(st.st_mode)) {
                        fprintf(stderr, "sandrun: --watch takes files, and %s is not one\n", a->paths[i]);
                        return false;
                }
        return true;
}

static int run(CliArgs *a) {
        const char *server = a->server ?: getenv("SANDRUN_SERVER");
        if (!server || !server[0])
                server = DEFAULT_SERVER;

        const char *pin = a->pin;
        _cleanup_free_ char *found_pin = NULL;
        if (!pin && !a->insecure) {
                pin = getenv("SANDRUN_PIN");
                if (pin && !pin[0])
                        pin = NULL;
                if (!pin)
                        pin = found_pin = local_pin(server);
        }

        _cleanup_(http_client_freep) HttpClient *c = NULL;
        int r = http_client_new(&c, server, pin, a->insecure);
        if (r == -EINVAL) {
                fprintf(stderr, "sandrun: the server must be an http:// or https:// URL, not '%s'\n", server);
                return SANDRUN_EXIT_USAGE;
        }
        if (r < 0) {
                fprintf(stderr, "sandrun: cannot set up HTTP: %s\n", strerror(-r));
                return SANDRUN_EXIT_SERVER;
        }

        switch (a->command) {
        case CLI_LANGUAGES:
                return cli_list_languages(c);
        case CLI_SUBMIT:
                return cli_submit(c, a);
        case CLI_RUN_PATHS:
                r = read_input(a);
                if (r != 0)
                        return r;
                /* One program file and nothing only a batch job does: the same as `sandrun FILE`. */
                if (run_paths_is_one_program(a)) {
                        a->program = a->paths[0];
                        return a->watch ? cli_watch(c, a) : cli_run(c, a, a->program, NULL);
                }
                if (a->watch)
                        return run_paths_are_files(a) ? cli_watch(c, a) : SANDRUN_EXIT_USAGE;
                return cli_run_paths(c, a, NULL);
        case CLI_VERIFY:
                return cli_verify(c, a);
        default:
                r = read_input(a);
                if (r != 0)
                        return r;
                if (a->watch)
                        return cli_watch(c, a);
                if ((!a->program || streq(a->program, "-")) && isatty(STDIN_FILENO)) {
                        fprintf(stderr, "sandrun: no program given: name a file, or pipe one in "
                                "(echo 'print(1)' | sandrun --lang python)\n");
                        return SANDRUN_EXIT_USAGE;
                }
                return cli_run(c, a, a->program, NULL);
        }
}

int main(int argc, char **argv) {
        CliArgs a;
        _cleanup_free_ char *error = NULL;

        int r = cli_args_parse(argc, argv, &a, &error);
        if (r < 0) {
                fprintf(stderr, "sandrun: %s\nTry 'sandrun --help'.\n", error ?: strerror(-r));
                return SANDRUN_EXIT_USAGE;
        }

        if (a.command == CLI_HELP)
                help();
        else if (a.command == CLI_VERSION)
                printf("sandrun " PACKAGE_VERSION "\n");
        else if (a.command == CLI_UNSEAL)
                r = cli_unseal(&a);
        else
                r = run(&a);

        free((char *) a.input);
        cli_args_done(&a);
        return r;
}
