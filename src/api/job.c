/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "job.h"
#include "strv.h"

struct Job {
        JobManager *manager;
        Job *prev, *next;               /* in the manager's list of all jobs */
        Job *queue_next;
        char id[33];
        char *interpreter;
        JobStatus status;
        bool kept;

        /* What to run; handed to the runner when the job starts. */
        RunnerJobSpec spec;
        char **argv, **envp, **output_patterns;
        char *code_name;

        RunnerJob *runner_job;
        RunnerResult launch_failure;    /* when the runner refused to start it at all */
        uint64_t finished_usec;
        sd_event_source *expire_source;

        job_handler_t done_handler;
        void *done_userdata;
};

struct JobManager {
        sd_event *event;
        Runner *runner;
        JobManagerConfig config;
        Job *jobs;
        Job *queue_head, *queue_tail;
        unsigned n_running, n_queued;
        job_handler_t finished_hook;
        void *finished_userdata;
};

const char *job_status_to_string(JobStatus s) {
        static const char *const names[] = {
                [JOB_QUEUED] = "queued",
                [JOB_RUNNING] = "running",
                [JOB_COMPLETED] = "completed",
                [JOB_FAILED] = "failed",
        };
        return (size_t) s < ELEMENTSOF(names) ? names[s] : "unknown";
}

int job_id_generate(char ret[static 33]) {
        uint8_t b[16];
        size_t got = 0;

        while (got < sizeof(b)) {
                ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                got += n;
        }
        for (size_t i = 0; i < sizeof(b); i++)
                snprintf(ret + 2 * i, 3, "%02x", b[i]);
        return 0;
}

static uint64_t now_usec(sd_event *e) {
        uint64_t t = 0;
        (void) sd_event_now(e, CLOCK_MONOTONIC, &t);
        return t;
}

static void queue_remove(JobManager *m, Job *j) {
        Job **p = &m->queue_head, *prev = NULL;

        for (; *p; prev = *p, p = &(*p)->queue_next)
                if (*p == j) {
                        *p = j->queue_next;
                        if (m->queue_tail == j)
                                m->queue_tail = prev;
                        j->queue_next = NULL;
                        m->n_queued--;
                        return;
                }
}

static void spec_done(Job *j) {
        j->spec.code_fd = safe_close(j->spec.code_fd);
        j->spec.stdin_fd = safe_close(j->spec.stdin_fd);
        j->spec.bundle_fd = safe_close(j->spec.bundle_fd);
}

static void manager_start_queued(JobManager *m);

Job *job_free(Job *j) {
        bool was_running;

        if (!j)
                return NULL;
        JobManager *m = j->manager;
        was_running = j->status == JOB_RUNNING;
        if (m) {
                if (j->status == JOB_QUEUED)
                        queue_remove(m, j);
                if (j->status == JOB_RUNNING)
                        m->n_running--;
                if (j->prev)
                        j->prev->next = j->next;
                else
                        m->jobs = j->next;
                if (j->next)
                        j->next->prev = j->prev;
        }
        runner_job_free(j->runner_job);
        sd_event_source_disable_unref(j->expire_source);
        spec_done(j);
        strv_free(j->argv);
        strv_free(j->envp);
        strv_free(j->output_patterns);
        free(j->code_name);
        free(j->interpreter);
        free(j);
        /* A slot opened: a client that went away frees its running job. */
        if (m && was_running)
                manager_start_queued(m);
        return NULL;
}

static int on_expire(sd_event_source *s, uint64_t usec, void *userdata) {
        job_free(userdata);
        return 0;
}

static void job_finish(Job *j, JobStatus status) {
        JobManager *m = j->manager;

        if (j->status == JOB_RUNNING)
                m->n_running--;
        j->status = status;
        j->finished_usec = now_usec(m->event);

        if (m->finished_hook)
                m->finished_hook(j, m->finished_userdata);
        if (j->kept && m->config.finished_ttl_usec > 0)
                (void) sd_event_add_time_relative(m->event, &j->expire_source, CLOCK_MONOTONIC,
                                                  m->config.finished_ttl_usec, 0, on_expire, j);

        job_handler_t h = j->done_handler;
        j->done_handler = NULL;
        /* The handler may free the job; nothing of it is touched after. */
        if (h)
                h(j, j->done_userdata);
        manager_start_queued(m);
}

static void on_runner_change(RunnerJob *rj, void *userdata) {
        Job *j = userdata;
        const RunnerResult *res = runner_job_result(rj);

        if (!res)
                return; /* became RUNNING: nothing to do */
        job_finish(j, res->completed ? JOB_COMPLETED : JOB_FAILED);
}

static void job_start(Job *j) {
        JobManager *m = j->manager;
        int r;

        j->status = JOB_RUNNING;
        m->n_running++;
        j->spec.argv = j->argv;
        j->spec.envp = j->envp;
        j->spec.output_patterns = j->output_patterns;
        j->spec.code_name = j->code_name;
        j->spec.id = j->id;

        r = runner_start(m->runner, &j->spec, on_runner_change, j, &j->runner_job);
        /* The runner took the fds, whether it started or not. */
        j->spec.code_fd = j->spec.stdin_fd = j->spec.bundle_fd = -EBADF;
        if (r < 0) {
                j->launch_failure = (RunnerResult) {
                        .exit_code = -1,
                        .reason = JOB_REASON_LAUNCH,
                        .error = "cannot start the job",
                        .error_errno = -r,
                };
                job_finish(j, JOB_FAILED);
        }
}

static void manager_start_queued(JobManager *m) {
        while (m->queue_head && m->n_running < m->config.max_running) {
                Job *j = m->queue_head;
                queue_remove(m, j);
                job_start(j);
        }
}

int job_submit(JobManager *m, const RunnerJobSpec *spec, const char *interpreter, bool kept, Job **ret) {
        _cleanup_(job_freep) Job *j = NULL;
        int r;

        j = calloc(1, sizeof(Job));
        if (!j)
                return -ENOMEM;
        j->spec = *spec;
        j->spec.argv = j->spec.envp = j->spec.output_patterns = NULL;
        j->status = JOB_QUEUED; /* not yet in the queue: job_free must not unlink it */
        j->kept = kept;

        if (m->n_queued >= m->config.max_queued && m->n_running >= m->config.max_running) {
                spec_done(j);
                j->status = JOB_FAILED;
                return -EBUSY;
        }

        r = job_id_generate(j->id);
        if (r < 0)
                return r;
        j->argv = strv_copy(spec->argv);
        j->interpreter = strdup(interpreter ?: "");
        j->code_name = spec->code_name ? strdup(spec->code_name) : NULL;
        if (!j->argv || !j->interpreter || (spec->code_name && !j->code_name))
                return -ENOMEM;
        if (spec->envp && !(j->envp = strv_copy(spec->envp)))
                return -ENOMEM;
        if (spec->output_patterns && !(j->output_patterns = strv_copy(spec->output_patterns)))
                return -ENOMEM;

        j->manager = m;
        j->next = m->jobs;
        if (m->jobs)
                m->jobs->prev = j;
        m->jobs = j;

        if (m->queue_tail)
                m->queue_tail->queue_next = j;
        else
                m->queue_head = j;
        m->queue_tail = j;
        m->n_queued++;

        /* The caller owns the job even if it fails to start right here; its status then says so. */
        *ret = TAKE_PTR(j);
        manager_start_queued(m);
        return 0;
}

void job_set_done_handler(Job *j, job_handler_t handler, void *userdata) {
        j->done_handler = handler;
        j->done_userdata = userdata;
}

const char *job_id(const Job *j) {
        return j->id;
}

const char *job_interpreter(const Job *j) {
        return j->interpreter;
}

JobStatus job_status(const Job *j) {
        return j->status;
}

unsigned job_queue_position(const Job *j) {
        unsigned pos = 1;

        if (j->status != JOB_QUEUED || !j->manager)
                return 0;
        for (Job *q = j->manager->queue_head; q; q = q->queue_next, pos++)
                if (q == j)
                        return pos;
        return 0;
}

RunnerJob *job_runner_job(Job *j) {
        return j->runner_job;
}

const RunnerResult *job_result(const Job *j) {
        if (j->status != JOB_COMPLETED && j->status != JOB_FAILED)
                return NULL;
        return j->runner_job ? runner_job_result(j->runner_job) : &j->launch_failure;
}

uint64_t job_finished_usec(const Job *j) {
        return j->finished_usec;
}

Job *job_manager_find(JobManager *m, const char *id) {
        for (Job *j = m->jobs; j; j = j->next)
                if (strcmp(j->id, id) == 0)
                        return j;
        return NULL;
}

unsigned job_manager_n_running(const JobManager *m) {
        return m->n_running;
}

unsigned job_manager_n_queued(const JobManager *m) {
        return m->n_queued;
}

void job_manager_set_finished_hook(JobManager *m, job_handler_t hook, void *userdata) {
        m->finished_hook = hook;
        m->finished_userdata = userdata;
}

JobManager *job_manager_free(JobManager *m) {
        if (!m)
                return NULL;
        while (m->jobs) {
                Job *j = m->jobs;
                j->done_handler = NULL;
                job_free(j);
        }
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

int job_manager_new(JobManager **ret, sd_event *event, Runner *runner, const JobManagerConfig *config) {
        JobManager *m = calloc(1, sizeof(JobManager));

        if (!m)
                return -ENOMEM;
        m->event = sd_event_ref(event);
        m->runner = runner;
        m->config = *config;
        *ret = m;
        return 0;
}
