/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <string.h>

#include "fake-runner.h"
#include "list.h"
#include "tests.h"

struct Runner {
        RunnerJob *jobs;
        unsigned n_jobs, n_started;
        unsigned n_fail;
        int fail_error;
        bool unusable;
        char warm[8][33];               /* ready warm ids, oldest first */
        size_t n_warm;
};

struct RunnerJob {
        Runner *runner;
        RunnerJob *prev, *next;
        char id[33];
        char *program, *code_name;
        RunnerJobState state;
        runner_job_handler_t handler;
        void *userdata;
        runner_output_handler_t output_handler;
        void *output_userdata;
        RunnerResult result;
        CappedBuffer out, err, archive, listing, stage_err;
        RunnerTimeline timeline;
        uint64_t cpu_usec, quota;
        bool killed;
        JobReason kill_reason;
};

const char *fake_runner_job_program(const RunnerJob *j) {
        return j->program;
}

const char *fake_runner_job_code_name(const RunnerJob *j) {
        return j->code_name;
}

int fake_runner_new(Runner **ret) {
        Runner *r = calloc(1, sizeof(Runner));

        if (!r)
                return -ENOMEM;
        *ret = r;
        return 0;
}

int runner_new(Runner **ret, sd_event *event, sd_bus *bus, const RunnerConfig *config) {
        return fake_runner_new(ret);
}

Runner *runner_free(Runner *r) {
        if (!r)
                return NULL;
        while (r->jobs) {
                RunnerJob *j = r->jobs;
                j->handler = NULL;
                runner_job_free(j);
        }
        free(r);
        return NULL;
}

void fake_runner_fail_starts(Runner *r, unsigned n, int error) {
        r->n_fail = n;
        r->fail_error = error;
}

unsigned fake_runner_n_started(const Runner *r) {
        return r->n_started;
}

RunnerJob *fake_runner_last(Runner *r) {
        return r->jobs;
}

RunnerJob *fake_runner_find(Runner *r, const char *id) {
        for (RunnerJob *j = r->jobs; j; j = j->next)
                if (streq(j->id, id))
                        return j;
        return NULL;
}

void fake_runner_set_usable(Runner *r, bool usable) {
        r->unusable = !usable;
}

bool runner_is_usable(Runner *r) {
        return !r->unusable;
}

void fake_runner_add_warm(Runner *r, const char *id) {
        ASSERT_TRUE(r->n_warm < ELEMENTSOF(r->warm) && strlen(id) == 32);
        memcpy(r->warm[r->n_warm++], id, 33);
}

size_t fake_runner_n_warm(const Runner *r) {
        return r->n_warm;
}

unsigned runner_n_warm_ready(const Runner *r) {
        return (unsigned) r->n_warm;
}

int runner_take_warm_id(Runner *r, const RunnerJobSpec *spec, char ret_id[static 33]) {
        if (r->unusable || r->n_warm == 0 || !runner_job_spec_fits_warm(spec))
                return 0;
        memcpy(ret_id, r->warm[0], 33);
        memmove(r->warm, r->warm + 1, --r->n_warm * sizeof(r->warm[0]));
        return 1;
}

unsigned runner_n_jobs(const Runner *r) {
        return r->n_jobs;
}

/* Taken fds must be real: a caller that hands over a closed or stale fd is a bug the test should see. */
static void take_fd(int fd) {
        if (fd < 0)
                return;
        ASSERT_TRUE(fcntl(fd, F_GETFD) >= 0);
        close(fd);
}

int runner_start(Runner *r, const RunnerJobSpec *spec, runner_job_handler_t handler, void *userdata,
                 RunnerJob **ret) {
        take_fd(spec->code_fd);
        take_fd(spec->stdin_fd);
        take_fd(spec->bundle_fd);
        for (size_t i = 0; i < spec->n_tests; i++) {
                take_fd(spec->test_stdin_fds[i]);
                spec->test_stdin_fds[i] = -EBADF;
        }

        if (r->n_fail > 0) {
                r->n_fail--;
                return r->fail_error;
        }
        if (strlen(spec->id) != 32 || strspn(spec->id, "0123456789abcdef") != 32)
                return -EINVAL;
        ASSERT_TRUE(spec->argv && spec->argv[0]);

        RunnerJob *j = calloc(1, sizeof(RunnerJob));
        if (!j)
                return -ENOMEM;
        j->runner = r;
        memcpy(j->id, spec->id, 33);
        j->program = strdup(spec->argv[0]);
        j->code_name = spec->code_name ? strdup(spec->code_name) : NULL;
        j->handler = handler;
        j->userdata = userdata;
        j->result.exit_code = -1;
        capped_buffer_init(&j->out, 1 << 20);
        capped_buffer_init(&j->err, 1 << 20);
        capped_buffer_init(&j->archive, 1 << 20);
        capped_buffer_init(&j->listing, 1 << 20);
        capped_buffer_init(&j->stage_err, 4096);
        LIST_PREPEND(r->jobs, j);
        r->n_jobs++;
        r->n_started++;
        *ret = j;
        return 0;
}

RunnerJob *runner_job_free(RunnerJob *j) {
        if (!j)
                return NULL;
        if (j->runner) {
                LIST_REMOVE(j->runner->jobs, j);
                j->runner->n_jobs--;
        }
        capped_buffer_done(&j->out);
        capped_buffer_done(&j->err);
        capped_buffer_done(&j->archive);
        capped_buffer_done(&j->listing);
        capped_buffer_done(&j->stage_err);
        free(j->program);
        free(j->code_name);
        free(j);
        return NULL;
}

void fake_runner_job_run(RunnerJob *j) {
        ASSERT_TRUE(j->state == RUNNER_JOB_STARTING);
        j->state = RUNNER_JOB_RUNNING;
        j->timeline.released = 1;
        if (j->handler)
                j->handler(j, j->userdata);
}

void fake_runner_job_finish(RunnerJob *j, const RunnerResult *result, const char *out, const char *err) {
        ASSERT_TRUE(j->state != RUNNER_JOB_FINISHED);
        j->result = *result;
        if (out)
                ASSERT_OK(capped_buffer_append(&j->out, out, strlen(out)));
        if (out && j->output_handler)
                j->output_handler(j, STDOUT_FILENO, out, strlen(out), j->output_userdata);
        if (err)
                ASSERT_OK(capped_buffer_append(&j->err, err, strlen(err)));
        if (err && j->output_handler)
                j->output_handler(j, STDERR_FILENO, err, strlen(err), j->output_userdata);
        j->state = RUNNER_JOB_FINISHED;
        if (j->handler)
                j->handler(j, j->userdata);
}

bool fake_runner_job_killed(const RunnerJob *j, JobReason *ret_reason) {
        if (ret_reason)
                *ret_reason = j->kill_reason;
        return j->killed;
}

uint64_t fake_runner_job_quota(const RunnerJob *j) {
        return j->quota;
}

void fake_runner_job_set_cpu(RunnerJob *j, uint64_t cpu_usec) {
        j->cpu_usec = cpu_usec;
}

void runner_job_set_output_handler(RunnerJob *j, runner_output_handler_t handler, void *userdata) {
        j->output_handler = handler;
        j->output_userdata = userdata;
}

RunnerJobState runner_job_state(const RunnerJob *j) {
        return j->state;
}

const char *runner_job_id(const RunnerJob *j) {
        return j->id;
}

const RunnerResult *runner_job_result(const RunnerJob *j) {
        return j->state == RUNNER_JOB_FINISHED ? &j->result : NULL;
}

const CappedBuffer *runner_job_stdout(const RunnerJob *j) {
        return &j->out;
}

const CappedBuffer *runner_job_stderr(const RunnerJob *j) {
        return &j->err;
}

const CappedBuffer *runner_job_archive(const RunnerJob *j) {
        return &j->archive;
}

void runner_job_discard_archive(RunnerJob *j) {
        capped_buffer_discard(&j->archive);
        capped_buffer_discard(&j->listing);
}

void runner_job_discard_streams(RunnerJob *j) {
        capped_buffer_discard(&j->out);
        capped_buffer_discard(&j->err);
}

const CappedBuffer *runner_job_listing(const RunnerJob *j) {
        return &j->listing;
}

const CappedBuffer *runner_job_stage_error(const RunnerJob *j) {
        return &j->stage_err;
}

/* No compile step and no test cases here: empty output, no cases. */
const CappedBuffer *runner_job_compile_stdout(const RunnerJob *j) {
        return &j->stage_err;
}

const CappedBuffer *runner_job_compile_stderr(const RunnerJob *j) {
        return &j->stage_err;
}

size_t runner_job_n_cases(const RunnerJob *j) {
        return 0;
}

const RunnerStepResult *runner_job_case(const RunnerJob *j, size_t i) {
        return NULL;
}

const CappedBuffer *runner_job_case_stdout(const RunnerJob *j, size_t i) {
        return NULL;
}

const CappedBuffer *runner_job_case_stderr(const RunnerJob *j, size_t i) {
        return NULL;
}

const RunnerTimeline *runner_job_timeline(const RunnerJob *j) {
        return &j->timeline;
}

int runner_job_cpu_usec(RunnerJob *j, uint64_t *ret) {
        *ret = j->cpu_usec;
        return 0;
}

uint64_t runner_job_wall_usec(const RunnerJob *j) {
        return 0;
}

int runner_job_kill(RunnerJob *j, JobReason reason) {
        if (j->state == RUNNER_JOB_FINISHED || j->killed)
                return 0;
        j->killed = true;
        j->kill_reason = reason;
        return 0;
}

int runner_job_set_cpu_quota(RunnerJob *j, uint64_t cpu_quota_per_sec_usec) {
        if (j->state != RUNNER_JOB_RUNNING)
                return -ESRCH;
        j->quota = cpu_quota_per_sec_usec;
        return 0;
}
