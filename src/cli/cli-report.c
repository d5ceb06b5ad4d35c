/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli-exit.h"
#include "cli-outcome.h"
#include "cli-printable.h"
#include "cli-report.h"
#include "cli-retry-after.h"

#define PIN_FILE "/run/sandrun/tls-pin"

int report_transport_error(const HttpClient *c, int error) {
        const char *server = http_client_server(c);
        const char *detail = http_client_error(c);

        switch (error) {
        case -ECONNREFUSED:
                fprintf(stderr, "sandrun: cannot connect to %s: %s\n"
                        "sandrun: is sandrund running there? (choose another server with --server or $SANDRUN_SERVER)\n",
                        server, detail);
                break;
        case -EHOSTUNREACH:
                fprintf(stderr, "sandrun: cannot connect to %s: %s\n", server, detail);
                break;
        case -EKEYREJECTED:
                fprintf(stderr, "sandrun: the public key of %s does not match the pin; not sending anything.\n"
                        "sandrun: the daemon logs its pin and writes it to " PIN_FILE ".\n", server);
                break;
        case -ENOKEY:
                fprintf(stderr, "sandrun: cannot verify the TLS certificate of %s: %s\n"
                        "sandrun: for a self-signed server, pass its key pin: --pin \"$(cat " PIN_FILE ")\"\n",
                        server, detail);
                break;
        case -ETIMEDOUT:
                fprintf(stderr, "sandrun: %s did not answer in time: %s\n", server, detail);
                break;
        case -EFBIG:
                fprintf(stderr, "sandrun: the answer from %s is too large\n", server);
                break;
        case -ENOMEM:
                fprintf(stderr, "sandrun: out of memory\n");
                break;
        default:
                fprintf(stderr, "sandrun: request to %s failed: %s\n", server,
                        detail[0] ? detail : strerror(-error));
        }
        return SANDRUN_EXIT_SERVER;
}

/* The error text of an answer: the JSON "error", else the body if it is short text, else nothing. */
static char *answer_text(const HttpResponse *r) {
        char *text = NULL;
        if (r->body && error_reply_parse(r->body, r->size, &text) >= 0)
                return text;
        if (r->body && r->size > 0 && r->size <= REPLY_ERROR_MAX && !memchr(r->body, '<', r->size) &&
            printable_dup(r->body, r->size, REPLY_ERROR_MAX, &text) >= 0)
                return text;
        return NULL;
}

static void print_wait(const HttpResponse *r) {
        uint64_t seconds;
        char wait[32];

        if (r->retry_after && retry_after_parse(r->retry_after, strlen(r->retry_after), time(NULL), &seconds) >= 0) {
                format_wait(seconds, wait, sizeof wait);
                fprintf(stderr, "sandrun: try again in %s.\n", wait);
        } else
                fprintf(stderr, "sandrun: try again later.\n");
}

int report_http_error(const HttpResponse *r) {
        _cleanup_free_ char *text = answer_text(r);
        const char *sep = text ? ": " : "";

        if (r->status == 429) {
                fprintf(stderr, "sandrun: refused, too many requests from this address (HTTP 429)%s%s\n",
                        sep, text ?: "");
                if (r->budget_remaining)
                        fprintf(stderr, "sandrun: CPU budget left: %s s\n", r->budget_remaining);
                print_wait(r);
                return SANDRUN_EXIT_REFUSED;
        }
        if (r->status >= 400 && r->status < 500) {
                fprintf(stderr, "sandrun: refused by the server (HTTP %ld)%s%s\n", r->status, sep, text ?: "");
                return SANDRUN_EXIT_REFUSED;
        }
        if (r->status == 503) {
                fprintf(stderr, "sandrun: the server is busy (HTTP 503)%s%s\n", sep, text ?: "");
                print_wait(r);
                return SANDRUN_EXIT_SERVER;
        }
        if (r->status >= 500)
                fprintf(stderr, "sandrun: server error (HTTP %ld)%s%s\n", r->status, sep, text ?: "");
        else
                fprintf(stderr, "sandrun: unexpected answer from the server (HTTP %ld)\n", r->status);
        return SANDRUN_EXIT_SERVER;
}

int report_bad_answer(const HttpClient *c, const char *what) {
        fprintf(stderr, "sandrun: %s sent a malformed answer to %s\n", http_client_server(c), what);
        return SANDRUN_EXIT_SERVER;
}

int report_request(const HttpClient *c, int r, const HttpResponse *response) {
        if (r < 0)
                return report_transport_error(c, r);
        if (response->status < 200 || response->status >= 300)
                return report_http_error(response);
        return 0;
}

void report_job_end(const JobReply *j, const HttpResponse *r, bool metrics) {
        if (j->truncated)
                fprintf(stderr, "sandrun: the output was truncated by the server\n");

        if (j->reason || j->signal || (j->exit_code < 0 && j->status && streq(j->status, "failed"))) {
                char why[64];
                job_describe_failure(j, why, sizeof why);
                fprintf(stderr, "sandrun: the program %s%s%s\n", why, j->error ? ": " : "", j->error ?: "");
        }

        if (metrics) {
                if (j->has_metrics)
                        fprintf(stderr, "sandrun: cpu %.3f s, memory %.1f MB, wall %.3f s\n",
                                j->cpu_seconds, j->memory_mb, j->wall_seconds);
                if (r && r->budget_remaining)
                        fprintf(stderr, "sandrun: CPU budget left: %s s\n", r->budget_remaining);
        }
}
