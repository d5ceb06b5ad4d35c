/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>

#include "cli-events.h"
#include "cli-exit.h"
#include "cli-json.h"
#include "cli-lang.h"
#include "cli-outcome.h"
#include "cli-read.h"
#include "cli-report.h"
#include "cli-tests.h"
#include "cli-verify.h"
#include "cli-run.h"
#include "cli-seal.h"

static struct json_object *file_to_json(const RunFile *f) {
        _cleanup_(json_putp) struct json_object *o = json_object_new_object();
        gnutls_datum_t in = { .data = (unsigned char *) f->data, .size = f->size }, out = {};
        if (!o || f->size > UINT_MAX || gnutls_base64_encode2(&in, &out) < 0)
                return NULL;
        int r = json_add(o, "name", json_object_new_string(f->name));
        if (r >= 0)
                r = json_add(o, "content", json_object_new_string_len((const char *) out.data, (int) out.size));
        gnutls_free(out.data);
        if (r >= 0)
                r = json_add(o, "encoding", json_object_new_string("base64"));
        return r < 0 ? NULL : TAKE_PTR(o);
}

static struct json_object *files_to_json(const RunFile *files, size_t n) {
        _cleanup_(json_putp) struct json_object *arr = json_object_new_array();
        if (!arr)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                struct json_object *f = file_to_json(&files[i]);
                if (!f || json_object_array_add(arr, f) < 0) {
                        json_object_put(f);
                        return NULL;
                }
        }
        return TAKE_PTR(arr);
}

int run_request_to_json(const RunRequest *req, char **ret) {
        _cleanup_(json_putp) struct json_object *o = json_object_new_object();
        if (!o)
                return -ENOMEM;

        int r = json_add(o, "code", json_object_new_string_len(req->code, (int) req->code_size));
        if (r >= 0 && req->lang)
                r = json_add(o, "interpreter", json_object_new_string(req->lang));
        if (r >= 0 && req->stdin_data)
                r = json_add(o, "stdin", json_object_new_string_len(req->stdin_data, (int) req->stdin_size));
        if (r >= 0 && req->tests)
                r = json_add(o, "tests", json_object_get(req->tests));
        if (r >= 0 && req->timeout > 0)
                r = json_add(o, "timeout", json_object_new_int64(req->timeout));
        if (r >= 0 && req->n_args > 0)
                r = json_add_strings(o, "args", req->args, req->n_args);
        if (r >= 0 && req->name)
                r = json_add(o, "name", json_object_new_string(req->name));
        if (r >= 0 && req->n_files > 0)
                r = json_add(o, "files", files_to_json(req->files, req->n_files));
        if (r >= 0 && req->seal_to)
                r = json_add(o, "seal_to", json_object_get(req->seal_to));
        if (r < 0)
                return r;
        return json_to_string(o, ret);
}

static void write_all(FILE *f, const char *data, size_t size) {
        if (size > 0)
                fwrite(data, 1, size, f);
        fflush(f);
}

/* A /run answered with live output: the events parsed so far, and how much of each stream was printed. */
typedef struct LiveRun {
        EventParser parser;
        size_t printed[2];              /* stdout, stderr */
        char *result;                   /* the result event's data, the usual JSON answer */
        size_t result_len;
} LiveRun;

static void live_run_done(LiveRun *l) {
        event_parser_done(&l->parser);
        free(l->result);
}

int cli_print_output_event(const char *name, const char *data, size_t len, size_t printed[static 2]) {
        bool out = streq(name, "stdout");
        if (!out && !streq(name, "stderr"))
                return 0;

        _cleanup_(json_putp) struct json_object *o = NULL;
        struct json_object *text = NULL;        /* borrowed from o */
        json_tokener *tok = json_tokener_new_ex(4);
        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, data, (int) len);
        json_tokener_free(tok);
        if (!o || !json_object_object_get_ex(o, "text", &text) || !json_object_is_type(text, json_type_string))
                return -EBADMSG;
        size_t n = (size_t) json_object_get_string_len(text);
        write_all(out ? stdout : stderr, json_object_get_string(text), n);
        printed[out ? 0 : 1] += n;
        return 1;
}

static int on_event(const char *name, const char *data, size_t len, void *userdata) {
        LiveRun *l = userdata;

        int r = cli_print_output_event(name, data, len, l->printed);
        if (r != 0)
                return MIN(r, 0);
        if (streq(name, "result")) {
                free(l->result);
                l->result = strndup(data, len);
                l->result_len = len;
                return l->result ? 0 : -ENOMEM;
        }
        return 0;               /* "dropped", and whatever later servers add */
}

static int on_chunk(const char *data, size_t n, void *userdata) {
        LiveRun *l = userdata;
        return event_parser_feed(&l->parser, data, n, on_event, l);
}

/* Puts the opened answer where a streamed one's result goes, so that the rest reads it the same way. Without
 * an identity (--seal-to alone) the armored message goes to stdout for `age -d` to open. */
static int open_sealed_answer(HttpClient *c, const CliSeal *seal, const HttpResponse *response, LiveRun *live) {
        int r = cli_seal_open_answer(seal, response->body, response->size, &live->result, &live->result_len);
        if (r == -ENOKEY) {
                _cleanup_(json_putp) struct json_object *o = json_tokener_parse(response->body);
                struct json_object *sealed;
                if (!o || !json_object_object_get_ex(o, "sealed", &sealed))
                        return report_bad_answer(c, "POST /run");
                write_all(stdout, json_object_get_string(sealed), (size_t) json_object_get_string_len(sealed));
                return 0;
        }
        if (r == -ENOMEM)
                return report_transport_error(c, r);
        if (r < 0) {
                fprintf(stderr, "sandrun: cannot open the sealed answer: %s\n",
                        r == -EBADMSG ? "it is not a valid age message, or it was altered" : strerror(-r));
                return SANDRUN_EXIT_SERVER;
        }
        return 0;
}

static int load_tests(HttpClient *c, const char *path, struct json_object **ret) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r = read_full_file(path, READ_FULL_MAX, &text, &size);
        if (r < 0) {
                fprintf(stderr, "sandrun: cannot read tests %s: %s\n", path,
                        r == -EFBIG ? "larger than 16 MiB" : strerror(-r));
                return SANDRUN_EXIT_USAGE;
        }
        r = cli_tests_parse(text, size, ret);
        if (r == -ENOMEM)
                return report_transport_error(c, r);
        if (r < 0) {
                fprintf(stderr, "sandrun: %s: expected a JSON array of test cases such as "
                        "[{\"stdin\": \"1 2\\n\", \"expected_output\": \"3\"}]\n", path);
                return SANDRUN_EXIT_USAGE;
        }
        return 0;
}

int cli_run(HttpClient *c, const CliArgs *a, const char *path, JobReply **ret_reply) {
        bool from_stdin = !path || streq(path, "-");
        _cleanup_free_ char *code = NULL;
        size_t code_size;

        if (ret_reply)
                *ret_reply = NULL;

        int r = read_full_file(from_stdin ? "-" : path, READ_FULL_MAX, &code, &code_size);
        if (r < 0) {
                fprintf(stderr, "sandrun: cannot read %s: %s\n", from_stdin ? "the program from stdin" : path,
                        r == -EFBIG ? "larger than 16 MiB" : strerror(-r));
                return SANDRUN_EXIT_USAGE;
        }

        const char *lang = a->lang ?: lang_detect(from_stdin ? NULL : path, code, code_size);
        if (!lang && !from_stdin) {
                fprintf(stderr, "sandrun: cannot tell the language of %s from its name or a #! line; "
                        "use --lang (see --list-languages)\n", path);
                return SANDRUN_EXIT_USAGE;
        }

        RunRequest req = {
                .code = code, .code_size = code_size,
                .lang = lang,
        };
        return cli_run_request(c, a, &req, ret_reply);
}

int cli_run_request(HttpClient *c, const CliArgs *a, const RunRequest *req, JobReply **ret_reply) {
        int r;

        if (ret_reply)
                *ret_reply = NULL;

        _cleanup_(json_putp) struct json_object *tests = NULL;
        if (a->tests_file) {
                r = load_tests(c, a->tests_file, &tests);
                if (r != 0)
                        return r;
        }

        _cleanup_(cli_seal_done) CliSeal seal = {};
        r = cli_seal_setup(a, &seal);
        if (r != 0)
                return r;

        RunRequest full = *req;
        full.seal_to = seal.recipients;
        full.stdin_data = a->input;
        full.stdin_size = a->input_size;
        full.tests = tests;
        full.args = a->args;
        full.n_args = a->n_args;
        full.timeout = a->timeout;
        _cleanup_free_ char *json = NULL;
        r = run_request_to_json(&full, &json);
        if (r < 0)
                return report_transport_error(c, r);

        _cleanup_(http_response_freep) HttpResponse *response = NULL;
        _cleanup_(live_run_done) LiveRun live = {};
        /* A sealed run has no live output: its answer comes whole, and is opened here. */
        r = seal.enabled ? http_post_json(c, "/run", json, &response)
                         : http_post_json_events(c, "/run", json, on_chunk, &live, &response);
        if (r == -EBADMSG)
                return report_bad_answer(c, "POST /run");
        r = report_request(c, r, response);
        if (r != 0)
                return r;
        if (seal.enabled) {
                r = open_sealed_answer(c, &seal, response, &live);
                if (r != 0)
                        return r;
        }

        /* Live output was printed as it came; an older server's JSON answer is printed now. */
        _cleanup_(job_reply_freep) JobReply *j = NULL;
        bool streamed = live.result != NULL;
        if (streamed ? job_reply_parse(live.result, live.result_len, &j) < 0
                     : job_reply_parse(response->body, response->size, &j) < 0)
                return report_bad_answer(c, "POST /run");
        /* What the server could not stream to us (it drops events for a client that falls behind). */
        if (j->stdout_size > live.printed[0])
                write_all(stdout, j->stdout_data + live.printed[0], j->stdout_size - live.printed[0]);
        if (j->stderr_size > live.printed[1])
                write_all(stderr, j->stderr_data + live.printed[1], j->stderr_size - live.printed[1]);
        report_job_end(j, response, a->metrics);

        int saved = cli_save_receipt(a->receipt_file, j->receipt);
        if (saved != 0)
                return saved;
        r = job_exit_code(j);
        /* With tests, the verdicts are the outcome: 0 when every case passed, 1 otherwise. */
        if (tests) {
                int failed = streamed ? cli_tests_report(live.result, live.result_len, stdout)
                                      : cli_tests_report(response->body, response->size, stdout);
                fflush(stdout);
                if (failed < 0 && r == 0)
                        return report_bad_answer(c, "POST /run");
                if (r == 0)
                        r = failed > 0;
        }
        if (r == SANDRUN_EXIT_SERVER)
                fprintf(stderr, "sandrun: the server did not say how the program ended\n");
        if (ret_reply)
                *ret_reply = TAKE_PTR(j);
        return r;
}
