/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli-archive-path.h"
#include "cli-events.h"
#include "cli-exit.h"
#include "cli-lang.h"
#include "cli-manifest.h"
#include "cli-outcome.h"
#include "cli-printable.h"
#include "cli-progress.h"
#include "cli-read.h"
#include "cli-report.h"
#include "cli-run.h"
#include "cli-seal.h"
#include "seal.h"
#include "cli-submit.h"
#include "cli-tarball.h"
#include "cli-unpack.h"
#include "cli-verify.h"
#include "wipe.h"

/* The largest sealed download read back into memory to be opened. */
#define SEALED_DOWNLOAD_MAX ((size_t) 512 << 20)

typedef struct Follow {
        HttpClient *client;
        const char *job_id;
        Progress progress;
        size_t stdout_shown;
        size_t stderr_shown;
        double started;
} Follow;

static double now_seconds(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool is_finished(const JobReply *j) {
        return j->status && (streq(j->status, "completed") || streq(j->status, "failed"));
}

int cli_submit_pack(const CliArgs *a, Tarball **ret) {
        /* Which path is missing is worth saying; the packer only knows that one was. */
        for (size_t i = 0; i < a->n_paths; i++)
                if (access(a->paths[i], R_OK) < 0) {
                        int r = -errno;
                        fprintf(stderr, "sandrun: cannot read %s: %s\n", a->paths[i], strerror(-r));
                        return r;
                }

        int r = tarball_build(a->paths, a->n_paths, ret);
        if (r >= 0) {
                size_t n = (*ret)->n_skipped;
                if (n > 0 && !a->quiet)
                        fprintf(stderr, "sandrun: left out %zu symlink%s or special file%s\n", n,
                                n == 1 ? "" : "s", n == 1 ? "" : "s");
                return 0;
        }
        if (r == -EEXIST)
                fprintf(stderr, "sandrun: two of the given paths would be uploaded under the same name\n");
        else if (r == -EFBIG)
                fprintf(stderr, "sandrun: the project is too large to upload (at most %d files, %llu MiB)\n",
                        TARBALL_FILES_MAX, (unsigned long long) (TARBALL_INPUT_MAX >> 20));
        else if (r == -EINVAL)
                fprintf(stderr, "sandrun: only directories and regular files can be uploaded\n");
        else
                fprintf(stderr, "sandrun: cannot pack the project: %s\n", strerror(-r));
        return r;
}

int cli_submit_entrypoint(const CliArgs *a, const Tarball *t, char **ret) {
        struct stat st;
        /* sandrun run: the first path, when it is a file. */
        if (!a->entrypoint && a->command == CLI_RUN_PATHS && stat(a->paths[0], &st) >= 0 &&
            S_ISREG(st.st_mode))
                return tarball_stored_name(a->paths[0], ret);   /* packed under it, so it is valid */
        if (!a->entrypoint) {
                if (t->n_files != 1 || a->n_paths != 1) {
                        fprintf(stderr, "sandrun: say which file to run with --entrypoint FILE\n");
                        return -EINVAL;
                }
                char *copy = strdup(t->files[0]);
                if (!copy)
                        return -ENOMEM;
                *ret = copy;
                return 0;
        }

        _cleanup_free_ char *name = NULL;
        int r = archive_path_check(a->entrypoint, strlen(a->entrypoint), &name);
        if (r < 0 || !tarball_contains(t, name)) {
                fprintf(stderr, "sandrun: the entrypoint %s is not among the uploaded files; it is named "
                        "relative to the uploaded directory, e.g. --entrypoint %s\n",
                        a->entrypoint, t->n_files > 0 ? t->files[0] : "main.py");
                return -ENOENT;
        }
        *ret = TAKE_PTR(name);
        return 0;
}

/* As a single program's: --lang, else the entrypoint's #! line, else its extension; NULL leaves it to the
 * server (which looks at the extension too). */
static const char *entrypoint_lang(const CliArgs *a, const Tarball *t, const char *entrypoint) {
        TarballFile *files = NULL;
        size_t n = 0;
        const char *lang = a->lang;

        if (!lang && tarball_read_files(t, entrypoint, &files, &n) >= 0 && n == 1)
                lang = lang_detect(entrypoint, files[0].data, files[0].size);
        tarball_files_free(files, n);
        return lang ?: lang_from_extension(entrypoint);
}

static int upload(HttpClient *c, const CliArgs *a, const Tarball *t, const char *entrypoint, const CliSeal *seal,
                  JobReply **ret) {
        /* sandrun run has read its input already (a pipe, too); submit reads only --stdin FILE. */
        _cleanup_free_ char *input = NULL;
        const char *stdin_data = a->input;
        size_t input_size = a->input_size;
        if (!stdin_data && a->stdin_file) {
                int r = read_full_file(a->stdin_file, READ_FULL_MAX, &input, &input_size);
                if (r < 0) {
                        fprintf(stderr, "sandrun: cannot read input %s: %s\n", a->stdin_file, strerror(-r));
                        return SANDRUN_EXIT_USAGE;
                }
                stdin_data = input;
        }

        Manifest m = {
                .entrypoint = entrypoint,
                .interpreter = entrypoint_lang(a, t, entrypoint),
                .args = a->args, .n_args = a->n_args,
                .stdin_data = stdin_data, .stdin_size = input_size,
                .outputs = a->outputs, .n_outputs = a->n_outputs,
                .env = a->env, .n_env = a->n_env,
                .timeout = a->timeout,
                .seal_to = seal->recipients,
        };
        _cleanup_free_ char *manifest = NULL;
        int r = manifest_to_json(&m, &manifest);
        if (r < 0)
                return report_transport_error(c, r);

        _cleanup_(http_response_freep) HttpResponse *response = NULL;
        r = http_post_archive(c, "/submit", t->data, t->size, "project.tar.gz", manifest, &response);
        if (r >= 0 && response->status == 404) {
                fprintf(stderr, "sandrun: %s does not take batch jobs (POST /submit answered 404)\n",
                        http_client_server(c));
                return SANDRUN_EXIT_REFUSED;
        }
        r = report_request(c, r, response);
        if (r != 0)
                return r;

        JobReply *j = NULL;
        if (job_reply_parse(response->body, response->size, &j) < 0 || !j->job_id) {
                job_reply_free(j);
                return report_bad_answer(c, "POST /submit");
        }
        *ret = j;
        return 0;
}

/* GET path and parse the answer as a JobReply; retries a few transport failures (a daemon restart). */
static int get_job(Follow *f, const char *what, JobReply **ret) {
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "/%s/%s", what, f->job_id) < 0)
                return report_transport_error(f->client, -ENOMEM);

        for (unsigned attempt = 0;; attempt++) {
                _cleanup_(http_response_freep) HttpResponse *response = NULL;
                int r = http_get(f->client, path, &response);
                if (r < 0 && attempt + 1 < SUBMIT_TRANSPORT_RETRIES) {
                        (void) poll(NULL, 0, SUBMIT_POLL_MSEC * (attempt + 2));
                        continue;
                }
                if (r < 0 || response->status < 200 || response->status >= 300)
                        progress_clear(&f->progress);
                r = report_request(f->client, r, response);
                if (r != 0)
                        return r;
                if (job_reply_parse(response->body, response->size, ret) < 0) {
                        progress_clear(&f->progress);
                        return report_bad_answer(f->client, path);
                }
                return 0;
        }
}

/* Prints what the logs gained since the last look. */
static int show_new_logs(Follow *f) {
        _cleanup_(job_reply_freep) JobReply *logs = NULL;
        int r = get_job(f, "logs", &logs);
        if (r != 0)
                return r;

        if (logs->stdout_size > f->stdout_shown || logs->stderr_size > f->stderr_shown)
                progress_clear(&f->progress);
        if (logs->stdout_size > f->stdout_shown) {
                fwrite(logs->stdout_data + f->stdout_shown, 1, logs->stdout_size - f->stdout_shown, stdout);
                fflush(stdout);
                f->stdout_shown = logs->stdout_size;
        }
        if (logs->stderr_size > f->stderr_shown) {
                fwrite(logs->stderr_data + f->stderr_shown, 1, logs->stderr_size - f->stderr_shown, stderr);
                fflush(stderr);
                f->stderr_shown = logs->stderr_size;
        }
        return 0;
}

/* GET /logs/ID as server-sent events: the output as the job writes it, then its final status. */
typedef struct LogStream {
        Follow *follow;
        EventParser parser;
        char *result;
        size_t result_len;
        bool gone;
} LogStream;

static void log_stream_done(LogStream *s) {
        event_parser_done(&s->parser);
        free(s->result);
}

static int on_log_event(const char *name, const char *data, size_t len, void *userdata) {
        LogStream *s = userdata;
        Follow *f = s->follow;
        size_t printed[2] = { f->stdout_shown, f->stderr_shown };

        int r = cli_print_output_event(name, data, len, printed);
        if (r < 0)
                return r;
        if (r > 0) {
                /* The id counts the bytes of each stream the server sent, where a resumed stream or polling
                 * goes on; what was printed (invalid UTF-8 replaced) only stands in for a missing id. */
                if (event_id_parse_pair(s->parser.last_id, &f->stdout_shown, &f->stderr_shown) < 0) {
                        f->stdout_shown = printed[0];
                        f->stderr_shown = printed[1];
                }
        } else if (streq(name, "result")) {
                free(s->result);
                s->result = strndup(data, len);
                s->result_len = len;
                return s->result ? 0 : -ENOMEM;
        } else if (streq(name, "error"))
                s->gone = true;
        return 0;
}

static int on_log_chunk(const char *data, size_t n, void *userdata) {
        LogStream *s = userdata;
        return event_parser_feed(&s->parser, data, n, on_log_event, s);
}

/* Returns 0 with *ret_final, 1 when the logs are to be polled instead, or the exit code of a failure. */
static int stream_logs(Follow *f, JobReply **ret_final) {
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "/logs/%s", f->job_id) < 0)
                return report_transport_error(f->client, -ENOMEM);

        for (unsigned attempt = 0;; attempt++) {
                _cleanup_(log_stream_done) LogStream s = { .follow = f };
                _cleanup_(http_response_freep) HttpResponse *response = NULL;
                char last[64];          /* two 20-digit numbers and a comma */
                snprintf(last, sizeof last, "%zu,%zu", f->stdout_shown, f->stderr_shown);

                int r = http_get_events(f->client, path, last, on_log_chunk, &s, &response);
                if (r == -EBADMSG)
                        return report_bad_answer(f->client, path);
                if (r >= 0 && (response->status < 200 || response->status >= 300))
                        return report_request(f->client, r, response);
                /* A server that answers /logs only in JSON. */
                bool events = r >= 0 && response->content_type &&
                              strneq(response->content_type, "text/event-stream", 17);
                if (r >= 0 && !events)
                        return 1;
                if (s.result)
                        return job_reply_parse(s.result, s.result_len, ret_final) < 0 ?
                                report_bad_answer(f->client, path) : 0;
                if (s.gone)
                        return 1;       /* asking for the status says how */
                /* The connection dropped (the daemon restarted, say): resume after what was printed. */
                if (attempt + 1 >= SUBMIT_TRANSPORT_RETRIES)
                        return r < 0 ? report_request(f->client, r, response) : 1;
                (void) poll(NULL, 0, SUBMIT_POLL_MSEC * (attempt + 2));
        }
}

/* A sealed job has no logs to show (the server answers 409): only its status is followed. */
static int follow(Follow *f, bool quiet, bool sealed, JobReply **ret_final) {
        bool stream = !sealed;

        for (;;) {
                _cleanup_(job_reply_freep) JobReply *status = NULL;
                int r = get_job(f, "status", &status);
                if (r != 0)
                        return r;

                bool started = status->status && !streq(status->status, "queued");
                /* Polled while queued, for the position; streamed live once it runs. */
                if (started && stream) {
                        if (!quiet)
                                progress_show(&f->progress, f->job_id, status, now_seconds() - f->started);
                        progress_clear(&f->progress);
                        r = stream_logs(f, ret_final);
                        if (r != 1)
                                return r;
                        stream = false;
                        continue;
                }
                if (started && !sealed) {
                        r = show_new_logs(f);
                        if (r != 0)
                                return r;
                }
                if (is_finished(status)) {
                        progress_clear(&f->progress);
                        *ret_final = TAKE_PTR(status);
                        return 0;
                }
                if (!quiet)
                        progress_show(&f->progress, f->job_id, status, now_seconds() - f->started);
                (void) poll(NULL, 0, SUBMIT_POLL_MSEC);
        }
}

static int open_tmpfile(void) {
        const char *dir = getenv("TMPDIR") ?: "/tmp";
        int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
                return fd >= 0 ? fd : negative_errno();

        /* A file system without O_TMPFILE: an ordinary file, unlinked at once. */
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/sandrun-XXXXXX", dir) < 0)
                return -ENOMEM;
        fd = mkostemp(path, O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        (void) unlink(path);
        return fd;
}

static int download_sealed(HttpClient *c, const CliArgs *a, const CliSeal *seal, const char *job_id, bool quiet,
                           const char *dir, int dir_fd, int tmp);

static int download(HttpClient *c, const CliArgs *a, const CliSeal *seal, const char *job_id, bool quiet) {
        _cleanup_free_ char *list_path = NULL, *download_path = NULL;
        if (asprintf(&list_path, "/outputs/%s", job_id) < 0 || asprintf(&download_path, "/download/%s", job_id) < 0)
                return report_transport_error(c, -ENOMEM);
        _cleanup_(http_response_freep) HttpResponse *response = NULL;
        int r;
        /* A sealed job's listing is inside its sealed archive: the server answers 409. */
        if (!seal->enabled) {
                r = http_get(c, list_path, &response);
                r = report_request(c, r, response);
                if (r != 0)
                        return r;
                _cleanup_(output_list_freep) OutputList *list = NULL;
                if (output_list_parse(response->body, response->size, &list) < 0)
                        return report_bad_answer(c, list_path);
                if (list->n_files == 0) {
                        fprintf(stderr, "sandrun: no output files matched --outputs\n");
                        return 0;
                }
        }

        _cleanup_free_ char *default_dir = NULL;
        const char *dir = a->output_dir;
        if (!dir) {
                if (asprintf(&default_dir, "sandrun-%s", job_id) < 0)
                        return report_transport_error(c, -ENOMEM);
                dir = default_dir;
        }
        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                fprintf(stderr, "sandrun: cannot create %s: %m\n", dir);
                return SANDRUN_EXIT_USAGE;
        }
        _cleanup_close_ int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0) {
                fprintf(stderr, "sandrun: cannot open %s: %m\n", dir);
                return SANDRUN_EXIT_USAGE;
        }
        _cleanup_close_ int tmp = open_tmpfile();
        if (tmp < 0) {
                fprintf(stderr, "sandrun: cannot create a temporary file: %s\n", strerror(-tmp));
                return SANDRUN_EXIT_USAGE;
        }

        response = http_response_free(response);
        r = http_get_to_fd(c, download_path, tmp, &response);
        r = report_request(c, r, response);
        if (r != 0)
                return r;
        if (seal->enabled) {
                r = download_sealed(c, a, seal, job_id, quiet, dir, dir_fd, tmp);
                if (r != 1)
                        return r;
        }

        UnpackStats stats;
        r = unpack_archive_fd(tmp, dir_fd, &stats);
        if (r < 0) {
                fprintf(stderr, "sandrun: cannot unpack the outputs into %s: %s\n", dir,
                        r == -EBADMSG ? "the archive is corrupt" : strerror(-r));
                return r == -EBADMSG || r == -EFBIG ? SANDRUN_EXIT_SERVER : SANDRUN_EXIT_USAGE;
        }
        if (stats.n_skipped > 0)
                fprintf(stderr, "sandrun: skipped %zu unsafe or unsupported entries of the outputs archive\n",
                        stats.n_skipped);
        if (!quiet)
                fprintf(stderr, "sandrun: saved %zu file%s (%llu bytes) to %s/\n", stats.n_files,
                        stats.n_files == 1 ? "" : "s", (unsigned long long) stats.bytes, dir);
        return 0;
}

/* The outputs of a sealed job: without an identity the sealed tar.gz is saved as it is, for age -d; with
 * one it is opened in memory (wiped after) and unpacked like an unsealed download. */
static int download_sealed(HttpClient *c, const CliArgs *a, const CliSeal *seal, const char *job_id, bool quiet,
                           const char *dir, int dir_fd, int tmp) {
        _cleanup_free_ char *sealed = NULL, *name = NULL;
        uint8_t *plain = NULL;
        size_t size, plain_len;
        int r;

        if (lseek(tmp, 0, SEEK_SET) < 0 || read_full_fd(tmp, SEALED_DOWNLOAD_MAX, &sealed, &size) < 0) {
                fprintf(stderr, "sandrun: cannot read back the sealed outputs: %m\n");
                return SANDRUN_EXIT_USAGE;
        }
        if (!seal->can_open) {
                if (asprintf(&name, "sandrun-%s.tar.gz.age", job_id) < 0)
                        return report_transport_error(c, -ENOMEM);
                _cleanup_close_ int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                if (fd < 0 || write(fd, sealed, size) != (ssize_t) size) {
                        fprintf(stderr, "sandrun: cannot save %s/%s: %m\n", dir, name);
                        return SANDRUN_EXIT_USAGE;
                }
                if (!quiet)
                        fprintf(stderr, "sandrun: saved the sealed outputs to %s/%s (age -d opens them)\n", dir, name);
                return 0;
        }
        r = seal_decrypt(&seal->identity, sealed, size, &plain, &plain_len);
        if (r < 0) {
                fprintf(stderr, "sandrun: cannot open the sealed outputs: %s\n",
                        r == -ENOMEM ? "out of memory" : "not a valid age message for this identity, or altered");
                return SANDRUN_EXIT_SERVER;
        }
        /* The opened tar.gz goes through a file, as an unsealed download does. */
        if (ftruncate(tmp, 0) < 0 || lseek(tmp, 0, SEEK_SET) < 0 ||
            write(tmp, plain, plain_len) != (ssize_t) plain_len || lseek(tmp, 0, SEEK_SET) < 0) {
                wipe_free(plain);
                fprintf(stderr, "sandrun: cannot write the opened outputs to a temporary file: %m\n");
                return SANDRUN_EXIT_USAGE;
        }
        wipe_free(plain);
        return 1;
}

int cli_submit(HttpClient *c, const CliArgs *a) {
        _cleanup_(tarball_freep) Tarball *t = NULL;
        if (cli_submit_pack(a, &t) < 0)
                return SANDRUN_EXIT_USAGE;

        _cleanup_free_ char *entrypoint = NULL;
        if (cli_submit_entrypoint(a, t, &entrypoint) < 0)
                return SANDRUN_EXIT_USAGE;
        return cli_submit_tarball(c, a, t, entrypoint);
}

int cli_submit_tarball(HttpClient *c, const CliArgs *a, const Tarball *t, const char *entrypoint) {
        _cleanup_(cli_seal_done) CliSeal seal = {};
        int r = cli_seal_setup(a, &seal);
        if (r != 0)
                return r;
        if (seal.enabled && a->receipt_file) {
                /* Its digests would say what the outputs are; the server gives none for a sealed batch job. */
                fprintf(stderr, "sandrun: a sealed batch job has no receipt (a sealed run through /run has)\n");
                return SANDRUN_EXIT_USAGE;
        }
        _cleanup_(job_reply_freep) JobReply *queued = NULL;
        r = upload(c, a, t, entrypoint, &seal, &queued);
        if (r != 0)
                return r;
        if (seal.enabled && !a->quiet)
                fprintf(stderr, "sandrun: sealed: the job's stdout and stderr are not shown (the server "
                        "gives them only unsealed); its --outputs come back sealed\n");
        if (!a->quiet)
                fprintf(stderr, "sandrun: submitted job %s (%zu files, %zu bytes)\n", queued->job_id,
                        t->n_files, t->size);

        Follow f = {
                .client = c,
                .job_id = queued->job_id,
                .progress = { .tty = isatty(STDERR_FILENO) },
                .started = now_seconds(),
        };
        _cleanup_(job_reply_freep) JobReply *final = NULL;
        r = follow(&f, a->quiet, seal.enabled, &final);
        if (r != 0)
                return r;

        report_job_end(final, NULL, a->metrics);
        r = cli_save_receipt(a->receipt_file, final->receipt);
        if (r != 0)
                return r;
        if (!a->quiet)
                fprintf(stderr, "sandrun: job %s %s after %.1f s\n", f.job_id, final->status,
                        now_seconds() - f.started);

        if (a->n_outputs > 0) {
                r = download(c, a, &seal, f.job_id, a->quiet);
                if (r != 0)
                        return r;
        }
        return job_exit_code(final);
}
