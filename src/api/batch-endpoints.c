/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * What a client asks about a job it submitted: GET /status/ID, /logs/ID, /outputs/ID and /download/ID.
 * Ids are 128 random bits, so knowing one is the only credential. An unknown id, an expired job, a
 * job already downloaded and an id naming another host all get the same 404.
 */

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "batch-endpoints.h"
#include "job-json.h"
#include "listing.h"

int parse_job_path(const char *path, const char *prefix, char ret_id[static JOB_ID_MAX]) {
        size_t n = strlen(prefix), len;

        if (strncmp(path, prefix, n) != 0)
                return -EINVAL;
        path += n;
        len = strlen(path);
        if (len < 32 || strspn(path, "0123456789abcdef") != 32)
                return -EINVAL;
        /* The node suffix names the host that holds the job; the proxy routes on it. */
        if (len > 32 && (path[32] != '-' || !job_node_name_is_valid(path + 33)))
                return -EINVAL;
        memcpy(ret_id, path, len + 1);
        return 0;
}

static void handle_status(Api *a, HttpRequest *req, Job *j) {
        json_object *o = job_to_json(j, JOB_JSON_QUEUE | JOB_JSON_OUTCOME | JOB_JSON_METRICS | JOB_JSON_COMPILE);
        /* Test cases are judged once the job has finished. */
        if (o && job_judge(j) && job_result(j))
                judge_add_json(o, job_judge(j), job_runner_job(j));
        json_object *receipt = job_receipt_get(&a->config.receipts, j);

        if (o && receipt)
                json_object_object_add(o, "receipt", receipt);
        else
                json_object_put(receipt);

        (void) http_request_reply_json(req, MHD_HTTP_OK, o, NULL);
        json_object_put(o);
}

static void handle_logs(Api *a, HttpRequest *req, Job *j) {
        json_object *o = job_to_json(j, JOB_JSON_STREAMS);

        (void) http_request_reply_json(req, MHD_HTTP_OK, o, NULL);
        json_object_put(o);
}

/* Outputs exist only for a job that completed and whose outputs were packed whole. */
static bool outputs_ready(HttpRequest *req, Job *j) {
        RunnerJob *rj = job_runner_job(j);
        const RunnerResult *res = job_result(j);

        if (!res) {
                (void) http_request_reply_error(req, MHD_HTTP_CONFLICT, NULL, "the job has not finished yet");
                return false;
        }
        if (!res->completed || !rj) {
                (void) http_request_reply_error(req, MHD_HTTP_CONFLICT, NULL,
                                                "the job failed (%s); its files were wiped",
                                                job_reason_to_string(res->reason) ?: "error");
                return false;
        }
        if (res->stage_exit_code != 0 || capped_buffer_truncated(runner_job_archive(rj)) ||
            capped_buffer_truncated(runner_job_listing(rj))) {
                const CappedBuffer *why = runner_job_stage_error(rj);
                (void) http_request_reply_error(req, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                                                "the outputs could not be packed: %.*s",
                                                why->len > 0 ? (int) strcspn(why->data, "\n") : 23,
                                                why->len > 0 ? why->data : "they exceed the limits");
                return false;
        }
        return true;
}

static void handle_outputs(Api *a, HttpRequest *req, Job *j) {
        if (!outputs_ready(req, j))
                return;

        /* The listing comes from inside the sandbox: parsed as untrusted, line by line. */
        const CappedBuffer *l = runner_job_listing(job_runner_job(j));
        json_object *o = json_object_new_object(), *files = json_object_new_array();
        for (const char *p = l->data, *end = l->data + l->len; p && p < end;) {
                const char *nl = memchr(p, '\n', end - p);
                size_t len = (nl ?: end) - p;
                _cleanup_free_ char *path = NULL;
                uint64_t size;
                if (len > 0 && listing_parse_line(p, len, &path, &size) >= 0) {
                        json_object *f = json_object_new_object();
                        json_object_object_add(f, "path", json_object_new_string(path));
                        json_object_object_add(f, "size", json_object_new_int64((int64_t) size));
                        json_object_array_add(files, f);
                }
                p = nl ? nl + 1 : end;
        }
        json_object_object_add(o, "job_id", json_object_new_string(job_id(j)));
        json_object_object_add(o, "files", files);
        (void) http_request_reply_json(req, MHD_HTTP_OK, o, NULL);
        json_object_put(o);
}

static void handle_download(Api *api, HttpRequest *req, Job *j) {
        /* HEAD gets the same headers, and leaves the one-shot download for the GET that fetches it. */
        bool head = streq(http_request_method(req), "HEAD");

        if (!outputs_ready(req, j))
                return;

        const CappedBuffer *a = runner_job_archive(job_runner_job(j));
        char disposition[96];
        snprintf(disposition, sizeof(disposition), "attachment; filename=\"sandrun-%s.tar.gz\"", job_id(j));
        /* The job is gone after this, so its receipt travels with the archive. */
        json_object *receipt = job_receipt_get(&api->config.receipts, j);
        const char *headers[] = {
                "Content-Disposition", disposition,
                receipt ? "X-Sandrun-Receipt" : NULL,
                receipt ? json_object_to_json_string_ext(receipt, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
                        : NULL,
                NULL,
        };
        /* The body is copied into the response, so the job can go now: a download is one-shot. */
        (void) http_request_reply(req, MHD_HTTP_OK, "application/gzip", a->data ?: "", a->len, headers);
        json_object_put(receipt);
        if (!head)
                job_free(j);
}

bool batch_endpoint_handle(Api *a, HttpRequest *req) {
        static const struct {
                const char *prefix;
                void (*handle)(Api *a, HttpRequest *req, Job *j);
        } routes[] = {
                { "/status/", handle_status },
                { "/logs/", handle_logs },
                { "/outputs/", handle_outputs },
                { "/download/", handle_download },
        };
        const char *path = http_request_path(req), *method = http_request_method(req);
        char id[JOB_ID_MAX];

        for (size_t i = 0; i < ELEMENTSOF(routes); i++) {
                if (strncmp(path, routes[i].prefix, strlen(routes[i].prefix)) != 0)
                        continue;
                if (!streq(method, "GET") && !streq(method, "HEAD")) {
                        reply_method_not_allowed(req, "GET");
                        return true;
                }
                Job *j = parse_job_path(path, routes[i].prefix, id) >= 0 ? job_manager_find(a->jobs, id) : NULL;
                if (!j || !job_is_kept(j)) {
                        (void) http_request_reply_error(req, MHD_HTTP_NOT_FOUND, NULL, "no such job");
                        return true;
                }
                routes[i].handle(a, req, j);
                return true;
        }
        return false;
}
