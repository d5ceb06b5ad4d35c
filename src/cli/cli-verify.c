/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-exit.h"
#include "cli-printable.h"
#include "cli-read.h"
#include "cli-report.h"
#include "cli-verify.h"
#include "receipt-verify.h"

#define DIGESTS_MAX 8192

typedef struct Digest {
        char label[64];
        char sha256[65];
} Digest;

typedef struct Digests {
        Digest *list;
        size_t n;
} Digests;

static bool is_sha256(const char *s) {
        return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* Every {"sha256": ...} below o, labelled by where it sits ("outputs.stdout", "inputs.files[1]"). */
static void collect(json_object *o, const char *label, Digests *d, unsigned depth) {
        char sub[64];

        if (depth > 8 || d->n >= DIGESTS_MAX)
                return;
        if (json_object_is_type(o, json_type_array)) {
                for (size_t i = 0; i < json_object_array_length(o); i++) {
                        snprintf(sub, sizeof(sub), "%s[%zu]", label, i);
                        collect(json_object_array_get_idx(o, i), sub, d, depth + 1);
                }
                return;
        }
        if (!json_object_is_type(o, json_type_object))
                return;
        json_object *h;
        if (json_object_object_get_ex(o, "sha256", &h) && json_object_is_type(h, json_type_string) &&
            is_sha256(json_object_get_string(h))) {
                Digest *l = reallocarray(d->list, d->n + 1, sizeof(Digest));
                if (!l)
                        return;
                d->list = l;
                snprintf(l[d->n].label, sizeof(l[d->n].label), "%s", label);
                snprintf(l[d->n].sha256, sizeof(l[d->n].sha256), "%s", json_object_get_string(h));
                d->n++;
                return;
        }
        json_object_object_foreach(o, key, value) {
                snprintf(sub, sizeof(sub), "%s%s%s", label, label[0] ? "." : "", key);
                collect(value, sub, d, depth + 1);
        }
}

static int file_sha256(const char *path, char ret[static 65]) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return -errno;
        return receipt_sha256_fd(fd, ret);
}

static int get_key(HttpClient *c, const CliArgs *a, const char *key_id, char **ret, size_t *ret_size) {
        int r;

        if (a->key_file) {
                r = read_full_file(a->key_file, RECEIPT_KEY_PEM_MAX, ret, ret_size);
                if (r < 0) {
                        fprintf(stderr, "sandrun: cannot read the key %s: %s\n", a->key_file, strerror(-r));
                        return SANDRUN_EXIT_USAGE;
                }
                return 0;
        }
        char path[64];
        snprintf(path, sizeof(path), "/receipt-key/%s", key_id);
        _cleanup_(http_response_freep) HttpResponse *response = NULL;
        r = http_get(c, path, &response);
        if (r >= 0 && response->status == 404) {
                printf("INVALID: %s does not know the key %s (receipts signed with a key made at a daemon's start "
                       "can be checked only until it restarts; see --key)\n", http_client_server(c), key_id);
                return SANDRUN_EXIT_INVALID;
        }
        r = report_request(c, r, response);
        if (r != 0)
                return r;
        if (response->size > RECEIPT_KEY_PEM_MAX)
                return report_bad_answer(c, path);
        *ret = TAKE_PTR(response->body);
        *ret_size = response->size;
        return 0;
}

static const char *field(json_object *o, const char *a, const char *b) {
        json_object *v;
        if (!json_object_object_get_ex(o, a, &v))
                return NULL;
        if (b && !json_object_object_get_ex(v, b, &v))
                return NULL;
        return json_object_is_type(v, json_type_null) ? NULL : json_object_get_string(v);
}

int cli_verify(HttpClient *c, const CliArgs *a) {
        _cleanup_free_ char *text = NULL, *key = NULL;
        size_t size, key_size;
        const char *error = NULL;
        Receipt receipt = {};
        Digests digests = {};
        json_object *p = NULL;
        int r, ret = SANDRUN_EXIT_INVALID;

        r = read_full_file(a->receipt, RECEIPT_MAX, &text, &size);
        if (r < 0) {
                fprintf(stderr, "sandrun: cannot read the receipt %s: %s\n", a->receipt, strerror(-r));
                return SANDRUN_EXIT_USAGE;
        }
        r = receipt_parse(text, size, &receipt, &error);
        if (r < 0) {
                printf("INVALID: %s: %s\n", a->receipt, error);
                return SANDRUN_EXIT_INVALID;
        }
        r = get_key(c, a, receipt.key_id, &key, &key_size);
        if (r != 0) {
                ret = r;
                goto finish;
        }
        r = receipt_verify(&receipt, key, key_size, &error);
        if (r < 0) {
                printf("INVALID: %s: %s\n", a->receipt, error);
                goto finish;
        }

        json_tokener *tok = json_tokener_new_ex(16);
        if (tok) {
                p = json_tokener_parse_ex(tok, (const char *) receipt.payload, (int) receipt.payload_len);
                json_tokener_free(tok);
        }
        if (!p || !json_object_is_type(p, json_type_object)) {
                printf("INVALID: %s: the signed payload is not a JSON object\n", a->receipt);
                goto finish;
        }
        const char *names[5] = { field(p, "job_id", NULL), field(p, "interpreter", "name"),
                                 field(p, "result", "status"), field(p, "node", NULL), field(p, "finished_at", NULL) };
        char *shown[5] = {};
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (printable_dup(names[i] ?: "?", strlen(names[i] ?: "?"), 128, &shown[i]) < 0)
                        shown[i] = NULL;
        printf("VALID: receipt of job %s (%s, %s) on %s, finished %s, signed by key %s\n", shown[0] ?: "?",
               shown[1] ?: "?", shown[2] ?: "?", shown[3] ?: "?", shown[4] ?: "?", receipt.key_id);
        for (size_t i = 0; i < ELEMENTSOF(shown); i++)
                free(shown[i]);

        collect(p, "", &digests, 0);
        ret = 0;
        for (size_t i = 0; i < a->n_args; i++) {
                char sha[65];
                r = file_sha256(a->args[i], sha);
                if (r < 0) {
                        fprintf(stderr, "sandrun: cannot read %s: %s\n", a->args[i], strerror(-r));
                        ret = SANDRUN_EXIT_USAGE;
                        continue;
                }
                const Digest *match = NULL;
                for (size_t k = 0; k < digests.n && !match; k++)
                        if (streq(digests.list[k].sha256, sha))
                                match = &digests.list[k];
                if (match)
                        printf("VALID: %s matches %s\n", a->args[i], match->label);
                else {
                        printf("INVALID: %s (sha256 %s) is nothing this receipt names\n", a->args[i], sha);
                        if (ret == 0)
                                ret = SANDRUN_EXIT_INVALID;
                }
        }
finish:
        json_object_put(p);
        free(digests.list);
        receipt_done(&receipt);
        return ret;
}

int cli_save_receipt(const char *path, const char *receipt) {
        if (!path)
                return 0;
        if (!receipt) {
                fprintf(stderr, "sandrun: the server's answer has no receipt to save in %s\n", path);
                return SANDRUN_EXIT_SERVER;
        }
        FILE *f = fopen(path, "we");
        bool ok = f && fprintf(f, "%s\n", receipt) >= 0;
        if (f && fclose(f) != 0)
                ok = false;
        if (!ok) {
                fprintf(stderr, "sandrun: cannot write the receipt to %s: %s\n", path, strerror(errno));
                return SANDRUN_EXIT_USAGE;
        }
        return 0;
}
