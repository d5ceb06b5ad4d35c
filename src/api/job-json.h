/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A job as the API shows it in JSON: one builder for /run, /status, /logs and /submit's answer. */

#include <json-c/json.h>

#include "job.h"
#include "json-stream.h"

typedef enum JobJsonFlags {
        JOB_JSON_QUEUE    = 1 << 0,     /* queue_position and estimated_start, while queued */
        JOB_JSON_OUTCOME  = 1 << 1,     /* exit_code, signal, reason, error */
        JOB_JSON_STREAMS  = 1 << 2,     /* stdout, stderr, truncated */
        JOB_JSON_COMBINED = 1 << 3,     /* output: stdout then stderr, with JOB_JSON_STREAMS */
        JOB_JSON_METRICS  = 1 << 4,     /* cpu_seconds, memory_mb, wall_seconds: live while running */
        JOB_JSON_TIMELINE = 1 << 5,     /* the runner's milestones, for --debug */
        JOB_JSON_COMPILE  = 1 << 6,     /* compile: its own outcome, output and figures, if it had one */
} JobJsonFlags;

/* The program's own CPU (the compile's share taken out) and peak memory (for a compiled program its
 * largest process's: the scope's peak would be the compiler's). */
typedef struct JobRunFigures {
        bool has_cpu, has_memory;
        uint64_t cpu_usec, memory_bytes;
} JobRunFigures;
void job_run_figures(Job *j, JobRunFigures *ret);

/* Always job_id and status, then what flags ask for, in that order. NULL only when out of memory. */
json_object *job_to_json(Job *j, JobJsonFlags flags);

/* A job's output buffers, as answers quote them. */
typedef enum JobBufferTag {
        JOB_BUFFER_STDOUT,
        JOB_BUFFER_STDERR,              /* each STDERR right after its STDOUT */
        JOB_BUFFER_COMPILE_STDOUT,
        JOB_BUFFER_COMPILE_STDERR,
} JobBufferTag;

/* Copies bytes of job `id`'s buffer at offset as job_stream_read() does (they may be kept encrypted), or
 * -ENOENT when the job is gone: a batch job may expire or be downloaded while a slow client still reads. */
ssize_t job_buffer_read(JobManager *m, const char *id, JobBufferTag tag, uint64_t offset, void *buf, size_t max,
                        uint64_t *ret_size);

/* The same, with the job's output (stdout, stderr, output, the compile's) as holes of `stream` (made by
 * job_json_stream_new() for this job), escaped only as the answer is sent. */
json_object *job_to_json_streamed(Job *j, JobJsonFlags flags, JsonStream *stream);
int job_json_stream_new(JsonStream **ret, JobManager *m, Job *j);
