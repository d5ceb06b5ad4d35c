/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A job's signed receipt: what ran (interpreter, limits), what it cost (usage billed), and SHA-256
 * digests of everything that went in and came out, never the content itself. The digests of the
 * inputs are taken as the request arrives and kept with the job; the receipt is made and signed once,
 * when the job has finished, and the same bytes are handed out from then on.
 */

#include <json-c/json.h>
#include <stdint.h>

#include "job.h"
#include "receipt-key.h"

typedef struct ReceiptConfig {
        const ReceiptKey *key;          /* NULL: no receipts */
        const char *node;               /* this host's name, as the receipt gives it */
        uint64_t memory_max;            /* bytes */
        uint64_t tasks_max;
        uint64_t cpu_quota_per_sec_usec;
        uint64_t output_max;            /* bytes kept of stdout and of stderr, each */
} ReceiptConfig;

typedef struct JobReceipt JobReceipt;

int job_receipt_new(JobReceipt **ret);
JobReceipt *job_receipt_free(JobReceipt *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(JobReceipt *, job_receipt_free);
/* Hangs the receipt's inputs on the job (job_set_attachment), which frees them. */
void job_receipt_attach(Job *j, JobReceipt *r);

/* The wall-clock limit the job got. */
void job_receipt_set_timeout(JobReceipt *r, uint64_t usec);
/* The digest of a whole input: "code", "stdin", "args" (each argument followed by a NUL), "manifest". */
int job_receipt_add_input(JobReceipt *r, const char *name, const void *data, size_t len);
/* A test case, in order: the digests of its stdin and expected output (NULL: none). */
int job_receipt_add_test_case(JobReceipt *r, const char *stdin_data, size_t stdin_len, const char *expected,
                              size_t expected_len);
/* An uploaded file or archive, streamed: one begin, any number of updates, one end. kind: "files",
 * "archives". */
int job_receipt_upload_begin(JobReceipt *r, const char *kind);
int job_receipt_upload_update(JobReceipt *r, const void *data, size_t len);
int job_receipt_upload_end(JobReceipt *r);

/*
 * The job's receipt, {"payload", "signature", "key_id"}, as a new reference; made and signed the first
 * time it is asked for after the job finished. NULL while the job runs, when it has no receipt inputs,
 * without a key, or when out of memory.
 */
json_object *job_receipt_get(const ReceiptConfig *c, Job *j);
