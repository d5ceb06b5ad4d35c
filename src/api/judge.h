/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Judged test cases: "tests": [{"stdin": "...", "expected_output": "..."}, ...] and "compare":
 * "trim"|"exact" in a request, and the verdict of each case once the job ran them.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "macro.h"
#include "runner.h"

#define JUDGE_CASES_MAX RUNNER_TESTS_MAX
/* stdin and expected_output of all cases together; the request body is capped before anyway. */
#define JUDGE_BYTES_MAX (16U << 20)

typedef enum JudgeCompare {
        JUDGE_COMPARE_TRIM,     /* trailing whitespace at line ends and at the end is ignored */
        JUDGE_COMPARE_EXACT,
} JudgeCompare;

typedef struct JudgeCase {
        char *stdin_data;       /* NULL: none */
        size_t stdin_len;
        char *expected;         /* NULL: any output passes if the program exits 0 */
        size_t expected_len;
} JudgeCase;

typedef struct JudgeSpec {
        JudgeCase *cases;
        size_t n_cases;
        JudgeCompare compare;
} JudgeSpec;

typedef enum JudgeVerdict {
        JUDGE_ACCEPTED,
        JUDGE_WRONG_ANSWER,
        JUDGE_TIME_LIMIT,
        JUDGE_MEMORY_LIMIT,
        JUDGE_RUNTIME_ERROR,
        JUDGE_OUTPUT_LIMIT,
        JUDGE_SKIPPED,          /* never ran: the request's wall-clock cap ended it first */
} JudgeVerdict;

JudgeSpec *judge_spec_free(JudgeSpec *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(JudgeSpec *, judge_spec_free);

/*
 * From a request's "tests" and "compare" values (either may be NULL). *ret is NULL when there are no
 * tests. -EINVAL with ret_error for the client.
 */
int judge_spec_from_json(json_object *tests, json_object *compare, JudgeSpec **ret, const char **ret_error);

/* Whether output matches expected under the comparison. */
bool judge_output_matches(const char *out, size_t out_len, const char *expected, size_t expected_len,
                          JudgeCompare compare);

const char *judge_verdict_to_string(JudgeVerdict v);
JudgeVerdict judge_verdict(const RunnerStepResult *r, bool output_truncated, const JudgeCase *c,
                           const char *out, size_t out_len, JudgeCompare compare);

/* "tests": [...] and "summary": {...} of a finished job's cases, added to o. */
void judge_add_json(json_object *o, const JudgeSpec *spec, RunnerJob *rj);
