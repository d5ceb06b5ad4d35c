/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The API's handlers on fake HTTP requests (fake-http-request.c), over a real job manager whose runner
 * is the fake one (fake-runner.c): routing, errors, /languages, /run in JSON and plain form, a client
 * that goes away, /submit and the batch endpoints.
 */

#include <json-c/json.h>

#include "api.h"
#include "fake-http-request.h"
#include "fake-runner.h"
#include "interpreters.h"
#include "tests.h"

static sd_event *event;
static Runner *runner;
static JobManager *jobs;
static Api *api;
static FakeHttpHooks hooks;
static const char *node_name;   /* the host's --node-name in setup(), or NULL */

/* Each test gets a fresh manager and API; its requests (cleanup variables) end before they go. */
static void setup(void) {
        JobManagerConfig jc = {
                .finished_ttl_usec = 60 * USEC_PER_SEC,
                .default_cpu_quota = USEC_PER_SEC,
                .node_name = node_name,
        };
        ApiConfig ac = {
                .run_limits = { .max_args = 8, .max_arg_len = 64, .max_name_len = 32 },
                .default_timeout_usec = 10 * USEC_PER_SEC,
                .max_timeout_usec = 60 * USEC_PER_SEC,
                .upload_max = 1 << 20,
        };

        fair_config_init(&jc.fair, 1);
        ASSERT_OK(sd_event_new(&event));
        ASSERT_OK(fake_runner_new(&runner));
        ASSERT_OK(job_manager_new(&jobs, event, runner, &jc));
        ASSERT_OK(api_new(&api, jobs, &ac));
        hooks = (FakeHttpHooks) {
                .headers_hook = api_handle_headers,
                .handler = api_handle_request,
                .decorate = api_decorate_response,
                .userdata = api,
        };
}

static void teardown(void) {
        api = api_free(api);
        jobs = job_manager_free(jobs);
        ASSERT_EQ(runner_n_jobs(runner), 0);
        runner = runner_free(runner);
        event = sd_event_unref(event);
}

static HttpRequest *request(const char *method, const char *path, const char *const *query,
                            const char *const *headers, const char *body) {
        HttpRequest *r = NULL;

        ASSERT_OK(fake_http_request_new(&r, method, path, query, headers, body, body ? strlen(body) : 0));
        fake_http_request_dispatch(r, &hooks);
        return r;
}

/* The reply's JSON, which must parse; the caller puts it. */
static json_object *reply_json(HttpRequest *r, unsigned status) {
        ASSERT_EQ(fake_http_reply_status(r), status);
        ASSERT_STREQ(fake_http_reply_header(r, "Content-Type"), "application/json");
        json_object *o = json_tokener_parse(fake_http_reply_body(r, NULL));
        ASSERT_TRUE(o && json_object_is_type(o, json_type_object));
        return o;
}

static const char *field(json_object *o, const char *name) {
        json_object *v;
        return json_object_object_get_ex(o, name, &v) ? json_object_get_string(v) : NULL;
}

static void assert_error(HttpRequest *r, unsigned status) {
        json_object *o = reply_json(r, status);
        ASSERT_TRUE(field(o, "error") && *field(o, "error"));
        json_object_put(o);
}

TEST(routing_and_errors) {
        _cleanup_(fake_http_request_freep) HttpRequest *nope = request("GET", "/nope", NULL, NULL, NULL);
        assert_error(nope, 404);
        /* Personal and momentary: never cached. */
        ASSERT_STREQ(fake_http_reply_header(nope, "Cache-Control"), "no-store");
        ASSERT_TRUE(fake_http_reply_header(nope, "X-Sandrun-Budget-Remaining") != NULL);

        _cleanup_(fake_http_request_freep) HttpRequest *put = request("PUT", "/run", NULL, NULL, "x");
        assert_error(put, 405);
        ASSERT_STREQ(fake_http_reply_header(put, "Allow"), "POST");

        _cleanup_(fake_http_request_freep) HttpRequest *empty = request("POST", "/run", NULL, NULL, "");
        assert_error(empty, 400);

        _cleanup_(fake_http_request_freep) HttpRequest *cobol =
                request("POST", "/run", (const char *const[]) { "lang", "cobol", NULL }, NULL, "x");
        assert_error(cobol, 400);

        _cleanup_(fake_http_request_freep) HttpRequest *bad_id = request("GET", "/status/xyz", NULL, NULL, NULL);
        assert_error(bad_id, 404);
        _cleanup_(fake_http_request_freep) HttpRequest *unknown =
                request("GET", "/status/0123456789abcdef0123456789abcdef", NULL, NULL, NULL);
        assert_error(unknown, 404);
        _cleanup_(fake_http_request_freep) HttpRequest *post_status =
                request("POST", "/status/0123456789abcdef0123456789abcdef", NULL, NULL, NULL);
        assert_error(post_status, 405);
        ASSERT_EQ(fake_runner_n_started(runner), 0);
}

TEST(languages) {
        _cleanup_(fake_http_request_freep) HttpRequest *r = request("GET", "/languages", NULL, NULL, NULL);
        json_object *o = reply_json(r, 200), *list, *e, *v;
        bool saw_bash = false;

        ASSERT_TRUE(json_object_object_get_ex(o, "languages", &list));
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                e = json_object_array_get_idx(list, i);
                if (!streq(field(e, "name"), "bash"))
                        continue;
                /* Every extension of the shared table, not only the program file's. */
                ASSERT_TRUE(json_object_object_get_ex(e, "extensions", &v));
                for (size_t k = 0; k < json_object_array_length(v); k++)
                        saw_bash = saw_bash || streq(json_object_get_string(json_object_array_get_idx(v, k)), ".bash");
        }
        ASSERT_TRUE(saw_bash == (interpreter_find("bash") != NULL));
        json_object_put(o);
}

TEST(run_json) {
        _cleanup_(fake_http_request_freep) HttpRequest *r =
                request("POST", "/run", NULL, (const char *const[]) { "Content-Type", "application/json", NULL },
                        "{\"code\": \"echo hi\", \"lang\": \"sh\"}");

        /* Waits for its job, which runs /bin/sh or /usr/bin/sh on main.sh. */
        ASSERT_TRUE(fake_http_request_suspended(r));
        ASSERT_EQ(fake_http_reply_status(r), 0);
        RunnerJob *rj = fake_runner_last(runner);
        ASSERT_TRUE(rj);
        ASSERT_STREQ(fake_runner_job_code_name(rj), "main.sh");
        ASSERT_STREQ(fake_runner_job_program(rj), interpreter_find("sh")->path);

        fake_runner_job_run(rj);
        fake_runner_job_finish(rj, &(RunnerResult) { .completed = true, .exit_code = 0, .has_cpu = true, .cpu_usec = 1500000 },
                               "hi\n", "warn\n");
        json_object *o = reply_json(r, 200), *m, *cpu;
        ASSERT_STREQ(field(o, "status"), "completed");
        ASSERT_STREQ(field(o, "stdout"), "hi\n");
        ASSERT_STREQ(field(o, "stderr"), "warn\n");
        ASSERT_STREQ(field(o, "output"), "hi\nwarn\n");
        ASSERT_STREQ(field(o, "exit_code"), "0");
        ASSERT_TRUE(field(o, "reason") == NULL);
        ASSERT_TRUE(json_object_object_get_ex(o, "metrics", &m));
        ASSERT_TRUE(json_object_object_get_ex(m, "cpu_seconds", &cpu));
        ASSERT_TRUE(json_object_get_double(cpu) > 1.4999 && json_object_get_double(cpu) < 1.5001);
        json_object_put(o);
}

TEST(run_plain) {
        _cleanup_(fake_http_request_freep) HttpRequest *r =
                request("POST", "/run", (const char *const[]) { "lang", "sh", NULL }, NULL, "exit 7");
        RunnerJob *rj = fake_runner_last(runner);

        ASSERT_TRUE(rj && fake_http_request_suspended(r));
        fake_runner_job_finish(rj, &(RunnerResult) { .completed = true, .exit_code = 7 }, "out", NULL);
        ASSERT_EQ(fake_http_reply_status(r), 200);
        ASSERT_STREQ(fake_http_reply_body(r, NULL), "out");
        ASSERT_STREQ(fake_http_reply_header(r, "X-Sandrun-Exit-Code"), "7");
        ASSERT_STREQ(fake_http_reply_header(r, "X-Sandrun-Status"), "completed");
        ASSERT_TRUE(fake_http_reply_header(r, "X-Sandrun-Reason") == NULL);
}

TEST(run_launch_failure_answers_at_once) {
        fake_runner_fail_starts(runner, 1, -EAGAIN);
        _cleanup_(fake_http_request_freep) HttpRequest *r =
                request("POST", "/run", (const char *const[]) { "lang", "sh", NULL },
                        (const char *const[]) { "Accept", "application/json", NULL }, "true");
        json_object *o = reply_json(r, 200);

        ASSERT_STREQ(field(o, "status"), "failed");
        ASSERT_STREQ(field(o, "reason"), "launch");
        ASSERT_TRUE(strstr(field(o, "error"), strerror(EAGAIN)));
        json_object_put(o);
}

TEST(client_going_away_kills_the_job) {
        HttpRequest *r = request("POST", "/run", (const char *const[]) { "lang", "sh", NULL }, NULL, "sleep 9");

        ASSERT_EQ(runner_n_jobs(runner), 1);
        fake_runner_job_run(fake_runner_last(runner));
        /* The server ends the request unanswered: its job goes with it. */
        fake_http_request_free(r);
        ASSERT_EQ(runner_n_jobs(runner), 0);
        ASSERT_EQ(job_manager_n_running(jobs), 0);
}

static const char submit_body[] =
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"manifest\"\r\n\r\n"
        "{\"entrypoint\": \"main.bash\"}\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"f\"; filename=\"main.bash\"\r\n\r\n"
        "echo hi\r\n"
        "--XyZ--\r\n";

TEST(submit_and_status) {
        char path[128];

        if (!interpreter_find("bash"))
                return;
        _cleanup_(fake_http_request_freep) HttpRequest *r =
                request("POST", "/submit", NULL,
                        (const char *const[]) { "Content-Type", "multipart/form-data; boundary=XyZ", NULL },
                        submit_body);
        json_object *o = reply_json(r, 202);
        const char *id = field(o, "job_id");
        ASSERT_TRUE(id && strlen(id) == 32);
        ASSERT_STREQ(field(o, "status"), "running");
        snprintf(path, sizeof(path), "/status/%s", id);
        ASSERT_STREQ(fake_http_reply_header(r, "Location"), path);

        /* .bash, from the shared table, picks bash. */
        RunnerJob *rj = fake_runner_find(runner, id);
        ASSERT_TRUE(rj);
        ASSERT_STREQ(fake_runner_job_program(rj), interpreter_find("bash")->path);

        fake_runner_job_run(rj);
        _cleanup_(fake_http_request_freep) HttpRequest *running = request("GET", path, NULL, NULL, NULL);
        json_object *s = reply_json(running, 200);
        ASSERT_STREQ(field(s, "status"), "running");
        json_object_put(s);

        fake_runner_job_finish(rj, &(RunnerResult) { .completed = true, .exit_code = 0 }, "hi\n", NULL);
        _cleanup_(fake_http_request_freep) HttpRequest *done = request("GET", path, NULL, NULL, NULL);
        s = reply_json(done, 200);
        ASSERT_STREQ(field(s, "status"), "completed");
        ASSERT_STREQ(field(s, "exit_code"), "0");
        json_object_put(s);

        snprintf(path, sizeof(path), "/logs/%s", id);
        _cleanup_(fake_http_request_freep) HttpRequest *logs = request("GET", path, NULL, NULL, NULL);
        s = reply_json(logs, 200);
        ASSERT_STREQ(field(s, "stdout"), "hi\n");
        json_object_put(s);
        json_object_put(o);
}

TEST(submit_refuses_a_bad_upload) {
        _cleanup_(fake_http_request_freep) HttpRequest *no_boundary =
                request("POST", "/submit", NULL, (const char *const[]) { "Content-Type", "multipart/form-data", NULL },
                        submit_body);
        assert_error(no_boundary, 400);
        _cleanup_(fake_http_request_freep) HttpRequest *garbage =
                request("POST", "/submit", NULL,
                        (const char *const[]) { "Content-Type", "multipart/form-data; boundary=XyZ", NULL },
                        "not multipart at all");
        assert_error(garbage, 400);
        ASSERT_EQ(fake_runner_n_started(runner), 0);
}

/* A cluster host: ids carry its node name, the runner (and so the scope) gets the hex part, and any
 * other shape of id, another host's included, is the same 404 as an unknown one. */
TEST(node_names_in_ids) {
        char path[128], hex[33];

        if (!interpreter_find("bash"))
                return;
        _cleanup_(fake_http_request_freep) HttpRequest *r =
                request("POST", "/submit", NULL,
                        (const char *const[]) { "Content-Type", "multipart/form-data; boundary=XyZ", NULL },
                        submit_body);
        json_object *o = reply_json(r, 202);
        const char *id = field(o, "job_id");
        ASSERT_TRUE(id && strlen(id) == 35 && strspn(id, "0123456789abcdef") == 32 && streq(id + 32, "-n1"));
        snprintf(hex, sizeof(hex), "%.32s", id);
        ASSERT_TRUE(fake_runner_find(runner, hex));

        snprintf(path, sizeof(path), "/status/%s", id);
        _cleanup_(fake_http_request_freep) HttpRequest *mine = request("GET", path, NULL, NULL, NULL);
        json_object_put(reply_json(mine, 200));

        const char *const others[] = { "", "-n2", "-", "-N1", "-n1-", "-n1/", "-abcdefghijklmnopq", "n1" };
        for (size_t i = 0; i < ELEMENTSOF(others); i++) {
                snprintf(path, sizeof(path), "/logs/%s%s", hex, others[i]);
                _cleanup_(fake_http_request_freep) HttpRequest *other = request("GET", path, NULL, NULL, NULL);
                assert_error(other, 404);
        }
        json_object_put(o);
        /* Node names: what HAProxy server names and URLs take without escaping. */
        ASSERT_TRUE(job_node_name_is_valid("a") && job_node_name_is_valid("abcdefghijklmnop"));
        ASSERT_TRUE(!job_node_name_is_valid("") && !job_node_name_is_valid("abcdefghijklmnopq"));
        ASSERT_TRUE(!job_node_name_is_valid("A") && !job_node_name_is_valid("a-b"));
        ASSERT_TRUE(!job_node_name_is_valid("a.b") && !job_node_name_is_valid("a/b"));
}

TEST(health) {
        _cleanup_(fake_http_request_freep) HttpRequest *ok = request("GET", "/healthz", NULL, NULL, NULL);
        json_object *o = reply_json(ok, 200);
        ASSERT_STREQ(field(o, "status"), "ok");
        json_object_put(o);

        /* Draining is not a failure: held jobs must stay reachable. The agent check says it. */
        job_manager_set_draining(jobs, true);
        _cleanup_(fake_http_request_freep) HttpRequest *draining = request("GET", "/healthz", NULL, NULL, NULL);
        o = reply_json(draining, 200);
        ASSERT_STREQ(field(o, "status"), "draining");
        json_object_put(o);
        _cleanup_(fake_http_request_freep) HttpRequest *refused =
                request("POST", "/run", (const char *const[]) { "lang", "sh", NULL }, NULL, "true");
        assert_error(refused, 503);

        fake_runner_set_usable(runner, false);
        _cleanup_(fake_http_request_freep) HttpRequest *down = request("GET", "/healthz", NULL, NULL, NULL);
        assert_error(down, 503);
        _cleanup_(fake_http_request_freep) HttpRequest *post = request("POST", "/healthz", NULL, NULL, NULL);
        assert_error(post, 405);
        ASSERT_EQ(fake_runner_n_started(runner), 0);
}

#define RUN_WITH_API(name)                      \
        do {                                    \
                setup();                        \
                RUN(name);                      \
                teardown();                     \
        } while (0)

int main(void) {
        interpreters_detect(NULL);
        RUN_WITH_API(routing_and_errors);
        RUN_WITH_API(languages);
        if (!interpreter_find("sh")) {
                fprintf(stderr, "no sh on this host, skipping the /run tests\n");
                return 77;
        }
        RUN_WITH_API(run_json);
        RUN_WITH_API(run_plain);
        RUN_WITH_API(run_launch_failure_answers_at_once);
        RUN_WITH_API(client_going_away_kills_the_job);
        RUN_WITH_API(submit_and_status);
        RUN_WITH_API(submit_refuses_a_bad_upload);
        RUN_WITH_API(health);
        node_name = "n1";
        RUN_WITH_API(node_names_in_ids);
        node_name = NULL;
        return 0;
}
