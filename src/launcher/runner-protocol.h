/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The protocol between the front (sandrund) and the runner (sandrun-runnerd): one message per
 * SOCK_SEQPACKET packet, file descriptors (code, stdin, uploads, results) alongside as SCM_RIGHTS, never
 * paths. A message is an 8-byte header (le16 version, le16 type, le32 payload length) and a payload of
 * fields (le16 tag, le16 zero, le32 length, value); numbers are le64, strings carry no NUL.
 *
 * The parser is a pure function of (buf, len): every length, count and value the peer controls has a
 * hard limit, unknown tags, duplicates, fields a type does not allow and missing required ones are
 * refused. It also checks what can be checked without state (job id syntax, absolute argv[0], a plain
 * file name for the code, fd masks), so the runner's own checks are about its state only.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "runner.h"

#define RUNNER_PROTOCOL_VERSION 1
#define RUNNER_HEADER_SIZE 8
#define RUNNER_MESSAGE_MAX (384U * 1024U)       /* header included */
#define RUNNER_STRING_MAX 4096U                 /* one argument, variable or pattern */
#define RUNNER_STRINGS_MAX 256U                 /* entries of each list */
#define RUNNER_CODE_NAME_MAX 64U
#define RUNNER_ERROR_MAX 256U
#define RUNNER_NODE_MAX 16U
#define RUNNER_JOB_ID_MAX (32U + 1U + RUNNER_NODE_MAX)
#define RUNNER_FDS_MAX (5U + RUNNER_TESTS_MAX)   /* most descriptors one message carries */
#define RUNNER_EXTRA_BUFFERS_MAX (2U + 2U * RUNNER_TESTS_MAX)

typedef enum RunnerMessageType {
        /* front -> runner */
        RUNNER_MSG_HELLO = 1,           /* must come first, once */
        RUNNER_MSG_START,
        RUNNER_MSG_KILL,
        RUNNER_MSG_SET_QUOTA,
        RUNNER_MSG_FREE,                /* kill and forget a job not yet finished */
        RUNNER_MSG_CPU_QUERY,
        /* runner -> front */
        RUNNER_MSG_WELCOME = 64,
        RUNNER_MSG_RUNNING,
        RUNNER_MSG_FINISHED,            /* the runner forgets the job after sending this */
        RUNNER_MSG_CPU,
        RUNNER_MSG_REFUSED,             /* a request was refused; the connection goes on */
        RUNNER_MSG_WARM,                /* a ready warm sandbox, offered to this front only: a START with
                                         * its id (32 hex) takes it */
        RUNNER_MSG_WARM_GONE,           /* that offer is withdrawn (taken, or the sandbox given up) */
} RunnerMessageType;

typedef enum RunnerField {
        /* strings */
        RUNNER_FIELD_JOB_ID = 1,
        RUNNER_FIELD_ARG,               /* repeated: argv */
        RUNNER_FIELD_ENV,               /* repeated: NAME=value */
        RUNNER_FIELD_OUTPUT_PATTERN,    /* repeated */
        RUNNER_FIELD_CODE_NAME,
        RUNNER_FIELD_ERROR,
        _RUNNER_FIELD_STRING_END,
        /* numbers */
        RUNNER_FIELD_VERSION = _RUNNER_FIELD_STRING_END,
        RUNNER_FIELD_FDS,               /* RUNNER_FD_* bits: which descriptors come along, in that order */
        RUNNER_FIELD_TIMEOUT_USEC,
        RUNNER_FIELD_MEMORY_MAX,
        RUNNER_FIELD_TASKS_MAX,
        RUNNER_FIELD_CPU_QUOTA,         /* per second, in usec */
        RUNNER_FIELD_PACK,              /* 1: pack outputs after the program (OUTPUT_PATTERNs, maybe none) */
        RUNNER_FIELD_REASON,            /* JobReason */
        RUNNER_FIELD_ERRNO,
        RUNNER_FIELD_COMPLETED,
        RUNNER_FIELD_EXIT_CODE,         /* two's complement of an int */
        RUNNER_FIELD_SIGNAL,
        RUNNER_FIELD_CPU_USEC,
        RUNNER_FIELD_MEMORY_PEAK,
        RUNNER_FIELD_WALL_USEC,
        RUNNER_FIELD_HAS_CPU,
        RUNNER_FIELD_HAS_MEMORY,
        RUNNER_FIELD_STAGE_EXIT,
        RUNNER_FIELD_T_SPAWNED,         /* the timeline, CLOCK_MONOTONIC usec */
        RUNNER_FIELD_T_READY,
        RUNNER_FIELD_T_SCOPE_STARTED,
        RUNNER_FIELD_T_RELEASED,
        RUNNER_FIELD_T_EXITED,
        RUNNER_FIELD_T_ACCOUNTED,
        RUNNER_FIELD_T_FINISHED,
        RUNNER_FIELD_STDOUT_LEN,        /* the result fd holds these five, in this order */
        RUNNER_FIELD_STDERR_LEN,
        RUNNER_FIELD_ARCHIVE_LEN,
        RUNNER_FIELD_LISTING_LEN,
        RUNNER_FIELD_STAGE_ERR_LEN,
        RUNNER_FIELD_STDOUT_DROPPED,    /* bytes the runner's caps dropped */
        RUNNER_FIELD_STDERR_DROPPED,
        RUNNER_FIELD_ARCHIVE_DROPPED,
        RUNNER_FIELD_LISTING_DROPPED,
        RUNNER_FIELD_STAGE_ERR_DROPPED,
        RUNNER_FIELD_CPU_V1,            /* the CPU fd is cpuacct.usage (ns), else cpu.stat */
        /* Compiled languages and test cases. */
        RUNNER_FIELD_COMPILE_ARG,       /* string, repeated: the compile step's argv */
        RUNNER_FIELD_TEST_STDINS,       /* string: one '0' or '1' per test case, '1' when a stdin fd comes */
        RUNNER_FIELD_COMPILE_RESULT,    /* string: a RunnerStepResult, runner_step_result_format() */
        RUNNER_FIELD_RUN_RESULT,        /* string: likewise */
        RUNNER_FIELD_CASE_RESULT,       /* string, repeated: likewise, one per test case */
        RUNNER_FIELD_EXTRA_BUFFERS,     /* string: "len dropped" pairs of compile out, err, each case's out, err */
        RUNNER_FIELD_COMPILE_TIMEOUT_USEC,
        RUNNER_FIELD_TEST_CPU_LIMIT_SEC,
        RUNNER_FIELD_TEST_WALL_LIMIT_USEC,
        RUNNER_FIELD_HAS_COMPILE,
        RUNNER_FIELD_T_RUN_STARTED,
        RUNNER_FIELD_COMPILE_MEMORY_MAX,
        _RUNNER_FIELD_MAX,
} RunnerField;

/*
 * START: code, stdin, uploads (readable files), the program's stdout and stderr (pipes the front reads
 * live); FINISHED: the result buffers (a sealed memfd); RUNNING: the job's CPU counter (read-only).
 */
enum {
        RUNNER_FD_CODE = 1 << 0,
        RUNNER_FD_STDIN = 1 << 1,
        RUNNER_FD_BUNDLE = 1 << 2,
        RUNNER_FD_RESULT = 1 << 3,
        RUNNER_FD_STDOUT = 1 << 4,
        RUNNER_FD_STDERR = 1 << 5,
        RUNNER_FD_CPU = 1 << 6,
};
#define RUNNER_FDS_START (RUNNER_FD_CODE | RUNNER_FD_STDIN | RUNNER_FD_BUNDLE | RUNNER_FD_STDOUT | RUNNER_FD_STDERR)

typedef struct RunnerMessage {
        RunnerMessageType type;
        uint64_t present;               /* 1 << RunnerField */
        uint64_t u64[_RUNNER_FIELD_MAX];
        char *job_id, *code_name, *error;
        char **args, **env, **output_patterns;  /* NULL-terminated, NULL when none */
        char **compile_args, **case_results;
        char *test_stdins, *compile_result, *run_result, *extra_buffers;
} RunnerMessage;

static inline bool runner_message_has(const RunnerMessage *m, RunnerField f) {
        return m->present & (UINT64_C(1) << f);
}

/* Sets a number field. */
static inline void runner_message_set(RunnerMessage *m, RunnerField f, uint64_t v) {
        m->u64[f] = v;
        m->present |= UINT64_C(1) << f;
}

/*
 * Parses one message into *ret, which then owns its strings (runner_message_done()). -EBADMSG for
 * anything malformed, -EPROTONOSUPPORT for another version, -E2BIG past RUNNER_MESSAGE_MAX.
 */
int runner_message_parse(const void *buf, size_t len, RunnerMessage *ret);
void runner_message_done(RunnerMessage *m);

/*
 * Encodes *m (whose strings are only borrowed) into a malloc'd buffer. Numbers are sent when `present`
 * says so, strings when not NULL. Fails with -E2BIG past the limits, -EINVAL for what the parser would
 * refuse.
 */
int runner_message_encode(const RunnerMessage *m, void **ret, size_t *ret_len);

/* How many descriptors a mask announces. */
unsigned runner_fds_count(uint64_t mask);
/* How many descriptors a parsed message announces: its FDS mask's, and one per '1' of TEST_STDINS. */
unsigned runner_message_n_fds(const RunnerMessage *m);

/* A step's result as "ran status timed_out oom cpu_usec maxrss_kb wall_usec scope_cpu_usec". */
#define RUNNER_STEP_RESULT_MAX 200
void runner_step_result_format(const RunnerStepResult *r, char buf[static RUNNER_STEP_RESULT_MAX]);
int runner_step_result_parse(const char *s, RunnerStepResult *ret);
/* Up to `max` decimal numbers separated by single spaces; how many, or -EBADMSG. */
int runner_numbers_parse(const char *s, uint64_t *ret, size_t max);

/*
 * A public job id is 32 lowercase hex digits, optionally followed by '-' and a node name [a-z0-9]{1,16}.
 * Writes the hex part (the only part scope names are made of) to ret_hex.
 */
int runner_job_id_parse(const char *id, char ret_hex[static 33]);
