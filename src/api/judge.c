/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "json-util.h"
#include "judge.h"
#include "wipe.h"

JudgeSpec *judge_spec_free(JudgeSpec *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_cases; i++) {
                wipe_free(s->cases[i].stdin_data);
                wipe_free(s->cases[i].expected);
        }
        free(s->cases);
        free(s);
        return NULL;
}

static int string_field(json_object *o, const char *key, char **ret, size_t *ret_len, size_t *total) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return -EINVAL;
        size_t len = json_object_get_string_len(v);
        *total += len;
        if (*total > JUDGE_BYTES_MAX)
                return -E2BIG;
        *ret = malloc(len + 1);
        if (!*ret)
                return -ENOMEM;
        memcpy(*ret, json_object_get_string(v), len + 1);
        *ret_len = len;
        return 0;
}

int judge_spec_from_json(json_object *tests, json_object *compare, JudgeSpec **ret, const char **ret_error) {
        _cleanup_(judge_spec_freep) JudgeSpec *s = NULL;
        size_t total = 0;
        int r;

        s = calloc(1, sizeof(JudgeSpec));
        if (!s)
                return -ENOMEM;
        if (compare && !json_object_is_type(compare, json_type_null)) {
                const char *c = json_object_is_type(compare, json_type_string) ? json_object_get_string(compare) : "";
                if (streq(c, "trim"))
                        s->compare = JUDGE_COMPARE_TRIM;
                else if (streq(c, "exact"))
                        s->compare = JUDGE_COMPARE_EXACT;
                else {
                        *ret_error = "\"compare\" must be \"trim\" or \"exact\"";
                        return -EINVAL;
                }
        }
        if (!tests || json_object_is_type(tests, json_type_null)) {
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(tests, json_type_array)) {
                *ret_error = "\"tests\" must be an array of {\"stdin\", \"expected_output\"} objects";
                return -EINVAL;
        }
        size_t n = json_object_array_length(tests);
        if (n == 0 || n > JUDGE_CASES_MAX) {
                *ret_error = "\"tests\" must have between 1 and " STRINGIFY(RUNNER_TESTS_MAX) " cases";
                return -EINVAL;
        }
        s->cases = calloc(n, sizeof(JudgeCase));
        if (!s->cases)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *t = json_object_array_get_idx(tests, i);
                JudgeCase *c = &s->cases[i];

                s->n_cases++;
                if (!json_object_is_type(t, json_type_object)) {
                        *ret_error = "each test must be an object with \"stdin\" and \"expected_output\" strings";
                        return -EINVAL;
                }
                json_object_object_foreach(t, key, val) {
                        (void) val;
                        if (!streq(key, "stdin") && !streq(key, "expected_output")) {
                                *ret_error = "a test has an unknown key; only \"stdin\" and \"expected_output\"";
                                return -EINVAL;
                        }
                }
                r = string_field(t, "stdin", &c->stdin_data, &c->stdin_len, &total);
                if (r >= 0)
                        r = string_field(t, "expected_output", &c->expected, &c->expected_len, &total);
                if (r == -ENOMEM)
                        return r;
                if (r == -E2BIG) {
                        *ret_error = "the tests' stdin and expected_output are too large together";
                        return -EINVAL;
                }
                if (r < 0) {
                        *ret_error = "\"stdin\" and \"expected_output\" of a test must be strings";
                        return -EINVAL;
                }
        }
        *ret = TAKE_PTR(s);
        return 0;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The next line of s from *pos, without its trailing blanks; false at the end. */
static bool next_line(const char *s, size_t len, size_t *pos, const char **ret, size_t *ret_len) {
        if (*pos > len)
                return false;
        const char *nl = memchr(s + *pos, '\n', len - *pos);
        size_t end = nl ? (size_t) (nl - s) : len;
        size_t l = end - *pos;
        while (l > 0 && is_blank(s[*pos + l - 1]))
                l--;
        *ret = s + *pos;
        *ret_len = l;
        *pos = end + 1;
        return true;
}

/* Length of s without trailing whitespace and newlines. */
static size_t trimmed_len(const char *s, size_t len) {
        while (len > 0 && (is_blank(s[len - 1]) || s[len - 1] == '\n'))
                len--;
        return len;
}

bool judge_output_matches(const char *out, size_t out_len, const char *expected, size_t expected_len,
                          JudgeCompare compare) {
        if (compare == JUDGE_COMPARE_EXACT)
                return out_len == expected_len && memcmp(out, expected, out_len) == 0;

        size_t a_len = trimmed_len(out, out_len), b_len = trimmed_len(expected, expected_len), pa = 0, pb = 0;
        for (;;) {
                const char *la, *lb;
                size_t na, nb;
                bool more_a = next_line(out, a_len, &pa, &la, &na), more_b = next_line(expected, b_len, &pb, &lb, &nb);
                if (!more_a || !more_b)
                        return more_a == more_b;
                if (na != nb || memcmp(la, lb, na) != 0)
                        return false;
        }
}

const char *judge_verdict_to_string(JudgeVerdict v) {
        static const char *const names[] = {
                [JUDGE_ACCEPTED] = "accepted",
                [JUDGE_WRONG_ANSWER] = "wrong_answer",
                [JUDGE_TIME_LIMIT] = "time_limit",
                [JUDGE_MEMORY_LIMIT] = "memory_limit",
                [JUDGE_RUNTIME_ERROR] = "runtime_error",
                [JUDGE_OUTPUT_LIMIT] = "output_limit",
                [JUDGE_SKIPPED] = "skipped",
        };
        return (size_t) v < ELEMENTSOF(names) ? names[v] : "unknown";
}

JudgeVerdict judge_verdict(const RunnerStepResult *r, bool output_truncated, const JudgeCase *c,
                           const char *out, size_t out_len, JudgeCompare compare) {
        if (!r->ran)
                return JUDGE_SKIPPED;
        if (r->oom)
                return JUDGE_MEMORY_LIMIT;
        /* Past the cap first: a program that writes forever is stopped by a limit only later. */
        if (output_truncated)
                return JUDGE_OUTPUT_LIMIT;
        /* SIGXCPU at the CPU limit, SIGKILL a second later if it was caught, or the wall limit. */
        if (r->timed_out || (WIFSIGNALED(r->status) && WTERMSIG(r->status) == SIGXCPU))
                return JUDGE_TIME_LIMIT;
        if (WIFSIGNALED(r->status))
                return JUDGE_RUNTIME_ERROR;
        if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0)
                return JUDGE_RUNTIME_ERROR;
        if (c->expected && !judge_output_matches(out, out_len, c->expected, c->expected_len, compare))
                return JUDGE_WRONG_ANSWER;
        return JUDGE_ACCEPTED;
}

void judge_add_json(json_object *o, const JudgeSpec *spec, RunnerJob *rj) {
        json_object *arr = json_object_new_array(), *summary = json_object_new_object();
        size_t n = rj ? MIN(runner_job_n_cases(rj), spec->n_cases) : 0, passed = 0;

        for (size_t i = 0; i < spec->n_cases; i++) {
                static const RunnerStepResult not_run = {};
                const RunnerStepResult *r = i < n ? runner_job_case(rj, i) : &not_run;
                const CappedBuffer *out = i < n ? runner_job_case_stdout(rj, i) : NULL;
                const CappedBuffer *err = i < n ? runner_job_case_stderr(rj, i) : NULL;
                bool truncated = (out && capped_buffer_truncated(out)) || (err && capped_buffer_truncated(err));
                JudgeVerdict v = judge_verdict(r, out && capped_buffer_truncated(out), &spec->cases[i],
                                               out ? out->data : "", out ? out->len : 0, spec->compare);
                json_object *t = json_object_new_object();

                passed += v == JUDGE_ACCEPTED;
                json_object_object_add(t, "verdict", json_object_new_string(judge_verdict_to_string(v)));
                json_object_object_add(t, "exit_code", r->ran && WIFEXITED(r->status) && !r->timed_out
                                                               ? json_object_new_int(WEXITSTATUS(r->status)) : NULL);
                json_object_object_add(t, "signal", r->ran && WIFSIGNALED(r->status)
                                                            ? json_object_new_int(WTERMSIG(r->status)) : NULL);
                json_object_object_add(t, "stdout", json_string_from_bytes(out ? out->data : "", out ? out->len : 0));
                json_object_object_add(t, "stderr", json_string_from_bytes(err ? err->data : "", err ? err->len : 0));
                json_object_object_add(t, "truncated", json_object_new_boolean(truncated));
                json_object_object_add(t, "cpu_seconds", r->ran ? json_fixed3(r->cpu_usec / 1e6) : NULL);
                json_object_object_add(t, "wall_seconds", r->ran ? json_fixed3(r->wall_usec / 1e6) : NULL);
                json_object_object_add(t, "memory_mb", r->ran ? json_fixed3(r->maxrss_kb / 1024.0) : NULL);
                json_object_array_add(arr, t);
        }
        json_object_object_add(o, "tests", arr);
        json_object_object_add(summary, "total", json_object_new_int((int) spec->n_cases));
        json_object_object_add(summary, "passed", json_object_new_int((int) passed));
        json_object_object_add(summary, "failed", json_object_new_int((int) (spec->n_cases - passed)));
        json_object_object_add(o, "summary", summary);
}
