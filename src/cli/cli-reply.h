/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Parsers for the server's JSON answers. Each is a pure function of (buf, len) that checks every field
 * against a hard limit, so that a hostile or broken server cannot make the CLI print terminal escapes,
 * build odd URLs from a job id or allocate without bound. All return 0 or -EBADMSG (malformed, or a
 * value outside its limit), -ENOMEM.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define REPLY_JSON_DEPTH_MAX 16
#define REPLY_JOB_ID_MAX 128
#define REPLY_WORD_MAX 32               /* status, reason, signal */
#define REPLY_OUTPUT_MAX ((size_t) 64 << 20)
#define REPLY_ERROR_MAX 512
#define REPLY_QUEUE_POSITION_MAX 1000000
#define REPLY_METRIC_MAX 1e9
#define REPLY_PATH_MAX 4096
#define REPLY_FILES_MAX 100000
#define REPLY_LANGUAGES_MAX 64
#define REPLY_NAMES_MAX 16
#define REPLY_RECEIPT_MAX ((size_t) 256 << 10)

/* The answer of POST /run, POST /submit, GET /status/{id} and GET /logs/{id}; absent fields stay unset. */
typedef struct JobReply {
        char *job_id;                   /* only [A-Za-z0-9._-]: it becomes part of URLs */
        char *status;                   /* "queued", "running", "completed", "failed", ... */
        char *reason;                   /* "timeout", "memory", "signal", "launch", ... */
        char *signal;                   /* a number ("9") or a name ("SIGKILL") */
        char *error;                    /* why a launch failed, made printable */
        int exit_code;                  /* -1 when absent or null */
        int64_t queue_position;         /* -1 when absent or null */
        char *stdout_data;
        size_t stdout_size;
        char *stderr_data;
        size_t stderr_size;
        bool truncated;
        bool has_metrics;
        double cpu_seconds;
        double memory_mb;
        double wall_seconds;
        char *receipt;                  /* the signed receipt as compact JSON, once finished */
} JobReply;

int job_reply_parse(const char *buf, size_t len, JobReply **ret);
JobReply *job_reply_free(JobReply *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(JobReply*, job_reply_free);

/* The "error" text of a 4xx/5xx answer, with control characters replaced and cut to REPLY_ERROR_MAX. */
int error_reply_parse(const char *buf, size_t len, char **ret);

typedef struct OutputFile {
        char *path;                     /* printable, not checked for safety: see archive_path_check() */
        uint64_t size;
} OutputFile;

typedef struct OutputList {
        OutputFile *files;
        size_t n_files;
} OutputList;

int output_list_parse(const char *buf, size_t len, OutputList **ret);
OutputList *output_list_free(OutputList *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(OutputList*, output_list_free);

typedef struct Language {
        char *name;
        char **aliases;
        size_t n_aliases;
        char **extensions;
        size_t n_extensions;
} Language;

typedef struct LanguageList {
        Language *languages;
        size_t n_languages;
} LanguageList;

int language_list_parse(const char *buf, size_t len, LanguageList **ret);
LanguageList *language_list_free(LanguageList *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(LanguageList*, language_list_free);
