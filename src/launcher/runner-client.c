/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * runner.h for the front: every call becomes a runner-protocol message to sandrun-runnerd, and its
 * answers become the job's states, results and buffers. The front holds no bus and starts nothing
 * itself. While the runner is away (crashed, restarting) the jobs it ran are finished as failed,
 * runner_is_usable() says no, and a timer reconnects; systemd's socket activation brings it back.
 */

#include <assert.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "cgroup-stat.h"
#include "list.h"
#include "memfd-util.h"
#include "pipe-drain.h"
#include "runner-socket.h"
#include "runner.h"
#include "warm-pool.h"
#include "wipe.h"

#define RECONNECT_USEC (250 * USEC_PER_MSEC)
/* How long a send may wait for the runner to read; longer means it is stuck, and it is dropped. */
#define SEND_TIMEOUT_USEC (2 * USEC_PER_SEC)
#define MESSAGES_PER_WAKEUP 64
#define STARTUP_WAIT_USEC (10 * USEC_PER_SEC)

struct Runner {
        sd_event *event;
        RunnerConfig config;
        char *socket_path;
        int fd;
        bool welcomed;
        uint64_t limits[_RUNNER_FIELD_MAX];     /* the runner's own, from WELCOME; 0 when not said */
        sd_event_source *io_source, *retry_source;
        void *buf;                      /* RUNNER_MESSAGE_MAX, for receiving */
        RunnerJob *jobs;
        unsigned n_jobs;
        /* Ready warm sandboxes the runner told us of, oldest first: a job named after one runs in it. */
        char warm[WARM_POOL_SIZE_MAX][33];
        size_t n_warm;
};

struct RunnerJob {
        Runner *runner;
        RunnerJob *prev, *next;
        char id[RUNNER_JOB_ID_MAX + 1];
        RunnerJobState state;
        runner_job_handler_t handler;
        void *userdata;
        runner_output_handler_t output_handler;
        void *output_userdata;
        bool kill_sent, cpu_query_sent, has_cpu, finished_pending;
        uint64_t cpu_usec;
        CgroupJob *cgroup;              /* the job's CPU counter, from the runner, read live */
        /* The program's stdout and stderr, read here as it writes them. */
        int pipe_fd[2];
        sd_event_source *pipe_source[2];
        RunnerResult result;
        char error[RUNNER_ERROR_MAX + 1];
        CappedBuffer out, err, archive, listing, stage_err, compile_out, compile_err;
        size_t n_cases;
        RunnerStepResult *cases;
        CappedBuffer *case_out, *case_err;
        RunnerTimeline timeline;
};

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

bool runner_is_usable(Runner *r) {
        return r->fd >= 0 && r->welcomed;
}

unsigned runner_n_warm_ready(const Runner *r) {
        return (unsigned) r->n_warm;
}

unsigned runner_n_jobs(const Runner *r) {
        return r->n_jobs;
}

static void job_unlink(RunnerJob *j) {
        Runner *r = j->runner;

        if (!r)
                return;
        LIST_REMOVE(r->jobs, j);
        j->runner = NULL;
        r->n_jobs--;
}

static RunnerJob *job_find(Runner *r, const char *id) {
        for (RunnerJob *j = r->jobs; j; j = j->next)
                if (strcmp(j->id, id) == 0)
                        return j;
        return NULL;
}

static void job_notify(RunnerJob *j) {
        if (j->handler)
                j->handler(j, j->userdata);
}

static void job_set_error(RunnerJob *j, const char *error) {
        snprintf(j->error, sizeof(j->error), "%s", error);
        j->result.error = j->error;
}

static void job_close_pipe(RunnerJob *j, size_t i) {
        j->pipe_source[i] = sd_event_source_disable_unref(j->pipe_source[i]);
        j->pipe_fd[i] = safe_close(j->pipe_fd[i]);
}

/* Finished once the runner said so and the output is all read. */
static void job_maybe_finish(RunnerJob *j) {
        if (!j->finished_pending || j->pipe_fd[0] >= 0 || j->pipe_fd[1] >= 0)
                return;
        j->finished_pending = false;
        j->cgroup = cgroup_job_free(j->cgroup);
        j->state = RUNNER_JOB_FINISHED;
        job_notify(j);
}

typedef struct PipeChunkTarget {
        RunnerJob *job;
        size_t which;           /* 0: stdout, 1: stderr */
} PipeChunkTarget;

static int on_pipe_chunk(const void *buf, size_t n, void *userdata) {
        PipeChunkTarget *t = userdata;
        RunnerJob *j = t->job;

        /* Past the cap we keep reading and dropping, so a chatty job is never blocked by us. */
        int r = capped_buffer_append(t->which == 0 ? &j->out : &j->err, buf, n);
        if (r < 0)
                return r;
        if (j->output_handler)
                j->output_handler(j, t->which == 0 ? STDOUT_FILENO : STDERR_FILENO, buf, n, j->output_userdata);
        return 0;
}

static int on_pipe(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        RunnerJob *j = userdata;
        PipeChunkTarget t = { .job = j, .which = fd == j->pipe_fd[0] ? 0 : 1 };
        CappedBuffer *b = t.which == 0 ? &j->out : &j->err;

        /* A bounded amount per dispatch (pipe-drain.h): the rest waits for the next one. Past the cap, with
         * nobody watching live, dropped without a copy. */
        if ((!j->output_handler && b->len >= b->limit ? pipe_discard(fd, &b->dropped)
                                                      : pipe_drain(fd, on_pipe_chunk, &t)) > 0)
                return 0;
        job_close_pipe(j, t.which);
        job_maybe_finish(j);
        return 0;
}

/* Finishes a job the runner will say nothing more about. */
static void job_fail(RunnerJob *j, JobReason reason, const char *error, int error_errno) {
        job_close_pipe(j, 0);
        job_close_pipe(j, 1);
        j->finished_pending = false;
        j->result.reason = reason;
        j->result.exit_code = -1;
        j->result.error_errno = error_errno;
        if (reason == JOB_REASON_SIGNAL)
                j->result.signal = SIGKILL;
        job_set_error(j, error);
        j->timeline.finished = now_usec();
        j->state = RUNNER_JOB_FINISHED;
        job_notify(j);
}

static void runner_disconnect(Runner *r);

static int send_or_drop(Runner *r, const RunnerMessage *m, const int *fds, unsigned n_fds) {
        int k;

        if (r->fd < 0)
                return -ENOTCONN;
        k = runner_socket_send(r->fd, m, fds, n_fds);
        if (k == -E2BIG || k == -EINVAL)
                return k;       /* this message only */
        if (k < 0)
                runner_disconnect(r);
        return k;
}

static int send_job_message(RunnerJob *j, RunnerMessageType type, RunnerField field, uint64_t value) {
        RunnerMessage m = { .type = type, .job_id = j->id };

        if (field)
                runner_message_set(&m, field, value);
        return send_or_drop(j->runner, &m, NULL, 0);
}

static int read_buffers(RunnerJob *j, const RunnerMessage *m, int fd) {
        static const RunnerField fields[] = { RUNNER_FIELD_STDOUT_LEN, RUNNER_FIELD_STDERR_LEN,
                                              RUNNER_FIELD_ARCHIVE_LEN, RUNNER_FIELD_LISTING_LEN,
                                              RUNNER_FIELD_STAGE_ERR_LEN };
        CappedBuffer *bufs[5 + RUNNER_EXTRA_BUFFERS_MAX] = { &j->out, &j->err, &j->archive, &j->listing,
                                                              &j->stage_err, &j->compile_out, &j->compile_err };
        uint64_t lens[ELEMENTSOF(bufs)] = {}, extra[2 * RUNNER_EXTRA_BUFFERS_MAX];
        uint64_t total = 0, off = 0;
        size_t n_bufs = 5;
        struct stat st;
        _cleanup_(wipe_64kp) char chunk[WIPE_STACK_64K];
        int n_extra = 0;

        for (size_t i = 0; i < j->n_cases; i++) {
                bufs[7 + 2 * i] = &j->case_out[i];
                bufs[8 + 2 * i] = &j->case_err[i];
        }
        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                lens[i] = m->u64[fields[i]];
                bufs[i]->dropped += m->u64[fields[i] + 5];  /* its _DROPPED field */
        }
        if (m->extra_buffers) {
                n_extra = runner_numbers_parse(m->extra_buffers, extra, ELEMENTSOF(extra));
                if (n_extra < 0 || (size_t) n_extra != 2 * (2 + 2 * j->n_cases))
                        return -EBADMSG;
                for (int i = 0; i < n_extra / 2; i++) {
                        lens[5 + i] = extra[2 * i];
                        bufs[5 + i]->dropped += extra[2 * i + 1];
                }
                n_bufs += (size_t) n_extra / 2;
        }
        for (size_t i = 0; i < n_bufs; i++) {
                if (lens[i] > UINT64_MAX - total)
                        return -EBADMSG;
                total += lens[i];
        }
        if (total == 0)
                return 0;
        /* A sealed memfd: its size, checked here, is the size it keeps while we read it. */
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !memfd_is_sealed(fd) ||
            (uint64_t) st.st_size != total)
                return -EBADMSG;
        for (size_t i = 0; i < n_bufs; i++)
                for (uint64_t left = lens[i]; left > 0;) {
                        ssize_t n = pread(fd, chunk, MIN(left, sizeof(chunk)), (off_t) off);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0)
                                return n < 0 ? -errno : -EBADMSG;
                        if (capped_buffer_append(bufs[i], chunk, n) < 0)
                                return -ENOMEM;
                        left -= n;
                        off += n;
                }
        return 0;
}

static void read_timeline(RunnerJob *j, const RunnerMessage *m) {
        const struct {
                RunnerField f;
                uint64_t *t;
        } map[] = {
                { RUNNER_FIELD_T_SPAWNED, &j->timeline.spawned },
                { RUNNER_FIELD_T_READY, &j->timeline.ready },
                { RUNNER_FIELD_T_SCOPE_STARTED, &j->timeline.scope_started },
                { RUNNER_FIELD_T_RELEASED, &j->timeline.released },
                { RUNNER_FIELD_T_EXITED, &j->timeline.exited },
                { RUNNER_FIELD_T_ACCOUNTED, &j->timeline.accounted },
                { RUNNER_FIELD_T_FINISHED, &j->timeline.finished },
                { RUNNER_FIELD_T_RUN_STARTED, &j->timeline.run_started },
        };
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (runner_message_has(m, map[i].f))
                        *map[i].t = m->u64[map[i].f];
}

static void on_finished(RunnerJob *j, const RunnerMessage *m, int fd) {
        RunnerResult *res = &j->result;
        int k;

        read_timeline(j, m);
        res->completed = m->u64[RUNNER_FIELD_COMPLETED] != 0;
        res->exit_code = (int) (int64_t) m->u64[RUNNER_FIELD_EXIT_CODE];
        res->signal = (int) m->u64[RUNNER_FIELD_SIGNAL];
        res->reason = m->u64[RUNNER_FIELD_REASON] <= JOB_REASON_COMPILE ? (JobReason) m->u64[RUNNER_FIELD_REASON]
                                                                       : JOB_REASON_LAUNCH;
        res->cpu_usec = m->u64[RUNNER_FIELD_CPU_USEC];
        res->memory_peak_bytes = m->u64[RUNNER_FIELD_MEMORY_PEAK];
        res->wall_usec = m->u64[RUNNER_FIELD_WALL_USEC];
        res->has_cpu = m->u64[RUNNER_FIELD_HAS_CPU] != 0;
        res->has_memory = m->u64[RUNNER_FIELD_HAS_MEMORY] != 0;
        res->stage_exit_code = (int) m->u64[RUNNER_FIELD_STAGE_EXIT];
        res->error_errno = (int) m->u64[RUNNER_FIELD_ERRNO];
        if (m->error)
                job_set_error(j, m->error);
        if (!res->completed && res->exit_code == 0)
                res->exit_code = -1;
        res->has_compile = m->u64[RUNNER_FIELD_HAS_COMPILE] != 0;
        if (m->compile_result)
                (void) runner_step_result_parse(m->compile_result, &res->compile);
        if (m->run_result)
                (void) runner_step_result_parse(m->run_result, &res->run);
        for (size_t i = 0; i < j->n_cases && m->case_results && m->case_results[i]; i++)
                (void) runner_step_result_parse(m->case_results[i], &j->cases[i]);

        k = read_buffers(j, m, fd);
        if (k < 0 && !res->error) {
                res->error_errno = -k;
                job_set_error(j, "cannot read the job's output from the runner");
        }
        j->finished_pending = true;
        job_maybe_finish(j);
}

static void on_running(RunnerJob *j, const RunnerMessage *m, int *fd) {
        read_timeline(j, m);
        if (*fd >= 0) {
                j->cgroup = cgroup_job_free(j->cgroup);
                j->cgroup = calloc(1, sizeof(CgroupJob));
                if (j->cgroup)
                        *j->cgroup = (CgroupJob) { .cpu_fd = TAKE_FD(*fd), .cpu_is_v1 = m->u64[RUNNER_FIELD_CPU_V1],
                                                   .memory_peak_fd = -EBADF, .oom_fd = -EBADF,
                                                   /* a warm sandbox's setup, not the job's */
                                                   .cpu_base_usec = m->u64[RUNNER_FIELD_CPU_USEC] };
        }
        j->state = RUNNER_JOB_RUNNING;
        job_notify(j);
}

static void warm_forget(Runner *r, const char *id) {
        for (size_t i = 0; i < r->n_warm; i++)
                if (streq(r->warm[i], id)) {
                        memmove(r->warm + i, r->warm + i + 1, (r->n_warm - i - 1) * sizeof(r->warm[0]));
                        r->n_warm--;
                        return;
                }
}

static void warm_add(Runner *r, const char *id) {
        /* More than a pool holds: the runner's own count is off; the extra ones just run cold. */
        if (r->n_warm >= ELEMENTSOF(r->warm))
                return;
        warm_forget(r, id);
        memcpy(r->warm[r->n_warm++], id, 33);
}

int runner_take_warm_id(Runner *r, const RunnerJobSpec *spec, char ret_id[static 33]) {
        if (!runner_is_usable(r) || r->n_warm == 0 || !runner_job_spec_fits_warm(spec))
                return 0;
        memcpy(ret_id, r->warm[0], 33);
        warm_forget(r, ret_id);
        return 1;
}

static void dispatch(Runner *r, const RunnerMessage *m, int *fd) {
        RunnerJob *j = m->job_id ? job_find(r, m->job_id) : NULL;

        switch (m->type) {
        case RUNNER_MSG_WELCOME:
                memcpy(r->limits, m->u64, sizeof(r->limits));
                r->welcomed = true;
                return;
        case RUNNER_MSG_RUNNING:
                if (j && j->state == RUNNER_JOB_STARTING)
                        on_running(j, m, fd);
                return;
        case RUNNER_MSG_FINISHED:
                if (j && j->state != RUNNER_JOB_FINISHED && !j->finished_pending)
                        on_finished(j, m, *fd);
                return;
        case RUNNER_MSG_CPU:
                if (!j)
                        return;
                j->cpu_query_sent = false;
                j->has_cpu = true;
                j->cpu_usec = MAX(j->cpu_usec, m->u64[RUNNER_FIELD_CPU_USEC]);
                return;
        case RUNNER_MSG_REFUSED:
                /* A refused START never ran; the runner forgets it. Other refusals change nothing. */
                if (j && j->state == RUNNER_JOB_STARTING)
                        job_fail(j, JOB_REASON_LAUNCH, m->error, (int) m->u64[RUNNER_FIELD_ERRNO]);
                return;
        case RUNNER_MSG_WARM:
                warm_add(r, m->job_id);
                return;
        case RUNNER_MSG_WARM_GONE:
                warm_forget(r, m->job_id);
                return;
        default:
                return;
        }
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Runner *r = userdata;

        for (unsigned i = 0; i < MESSAGES_PER_WAKEUP; i++) {
                RunnerMessage m;
                int fds[RUNNER_FDS_MAX];
                unsigned n_fds = 0;
                int k = runner_socket_receive(r->fd, r->buf, &m, fds, &n_fds);

                if (k == -EAGAIN)
                        return 0;
                if (k <= 0) {
                        /* The runner is gone, or says what no runner says: start over with a new one. */
                        runner_disconnect(r);
                        return 0;
                }
                int first = n_fds > 0 ? TAKE_FD(fds[0]) : -EBADF;
                dispatch(r, &m, &first);
                safe_close(first);
                for (unsigned f = 0; f < n_fds; f++)
                        safe_close(fds[f]);
                runner_message_done(&m);
                if (r->fd < 0)
                        return 0;
        }
        return 0;
}

static int runner_connect(Runner *r);

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Runner *r = userdata;

        if (runner_connect(r) < 0)
                return sd_event_source_set_time_relative(s, RECONNECT_USEC) >= 0
                               ? sd_event_source_set_enabled(s, SD_EVENT_ONESHOT)
                               : 0;
        return 0;
}

static void arm_retry(Runner *r) {
        if (!r->retry_source) {
                if (sd_event_add_time_relative(r->event, &r->retry_source, CLOCK_MONOTONIC, RECONNECT_USEC, 0,
                                               on_retry, r) < 0)
                        return;
        } else
                (void) sd_event_source_set_time_relative(r->retry_source, RECONNECT_USEC);
        (void) sd_event_source_set_enabled(r->retry_source, SD_EVENT_ONESHOT);
}

static void runner_disconnect(Runner *r) {
        RunnerJob *j;

        r->io_source = sd_event_source_disable_unref(r->io_source);
        r->fd = safe_close(r->fd);
        r->welcomed = false;
        r->n_warm = 0;          /* the runner says again which are ready once we are back */

        /*
         * The runner's jobs died with it (or with our connection). A handler may free any job, so look for
         * the next unfinished one afresh each time.
         */
        for (;;) {
                for (j = r->jobs; j && j->state == RUNNER_JOB_FINISHED; j = j->next)
                        ;
                /* (One waiting only for its output to drain has its result; the pipes end soon.) */
                if (!j)
                        break;
                if (j->state == RUNNER_JOB_STARTING)
                        job_fail(j, JOB_REASON_LAUNCH, "the job runner went away", ECONNRESET);
                else
                        job_fail(j, JOB_REASON_SIGNAL, "the job runner went away", ECONNRESET);
        }
        arm_retry(r);
}

static int runner_connect(Runner *r) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int k;

        if (strlen(r->socket_path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, r->socket_path);

        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        /* Room for the biggest START; the kernel caps what an unprivileged process gets. */
        int size = 2 * RUNNER_MESSAGE_MAX;
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));

        RunnerMessage hello = { .type = RUNNER_MSG_HELLO };
        runner_message_set(&hello, RUNNER_FIELD_VERSION, RUNNER_PROTOCOL_VERSION);
        k = runner_socket_send(fd, &hello, NULL, 0);
        if (k < 0)
                return k;
        k = sd_event_add_io(r->event, &r->io_source, fd, EPOLLIN, on_io, r);
        if (k < 0)
                return k;
        r->fd = TAKE_FD(fd);
        return 0;
}

/* Sends blocking for a while: a START is rarely bigger than what the socket holds, and the runner reads fast. */
static int send_start(Runner *r, const RunnerMessage *m, const int *fds, unsigned n_fds) {
        uint64_t deadline = now_usec() + SEND_TIMEOUT_USEC;
        int k;

        for (;;) {
                k = send_or_drop(r, m, fds, n_fds);
                if (k != -EAGAIN)
                        return k;
                if (now_usec() > deadline)
                        break;
                struct pollfd p = { .fd = r->fd, .events = POLLOUT };
                (void) poll(&p, 1, 100);
        }
        runner_disconnect(r);
        return -ETIMEDOUT;
}

/* The test cases' stdins are taken too: closed here on every path, sent or not. */
static void spec_close_test_fds(const RunnerJobSpec **spec) {
        for (size_t i = 0; i < (*spec)->n_tests; i++)
                (*spec)->test_stdin_fds[i] = safe_close((*spec)->test_stdin_fds[i]);
}

int runner_start(Runner *r, const RunnerJobSpec *spec, runner_job_handler_t handler, void *userdata,
                 RunnerJob **ret) {
        _cleanup_(spec_close_test_fds) const RunnerJobSpec *tests_owner = spec;
        _cleanup_close_ int code_fd = spec->code_fd, stdin_fd = spec->stdin_fd, bundle_fd = spec->bundle_fd;
        _cleanup_(runner_job_freep) RunnerJob *j = NULL;
        _cleanup_close_pair_ int out[2] = { -EBADF, -EBADF }, err[2] = { -EBADF, -EBADF };
        int fds[RUNNER_FDS_MAX];
        unsigned n_fds = 0;
        uint64_t mask = 0;
        int k;

        if (strlen(spec->id) > RUNNER_JOB_ID_MAX)
                return -EINVAL;
        if (!runner_is_usable(r))
                return -ENOTCONN;
        if (job_find(r, spec->id))
                return -EEXIST;

        RunnerMessage m = {
                .type = RUNNER_MSG_START,
                .job_id = (char *) spec->id,
                .args = spec->argv,
                .env = spec->envp && spec->envp[0] ? spec->envp : NULL,
                .code_name = code_fd >= 0 ? (char *) spec->code_name : NULL,
                .output_patterns = spec->output_patterns && spec->output_patterns[0] ? spec->output_patterns : NULL,
        };
        /* The runner refuses anything above its own limits; ours and the job's may only be lower. */
        runner_message_set(&m, RUNNER_FIELD_TIMEOUT_USEC,
                           MIN(spec->timeout_usec, r->limits[RUNNER_FIELD_TIMEOUT_USEC] ?: UINT64_MAX));
        if (spec->output_patterns)
                runner_message_set(&m, RUNNER_FIELD_PACK, 1);
        const struct {
                RunnerField f;
                uint64_t spec, config;
        } limits[] = {
                { RUNNER_FIELD_MEMORY_MAX, spec->memory_max, r->config.memory_max },
                { RUNNER_FIELD_COMPILE_MEMORY_MAX, spec->compile_memory_max, 0 },
                { RUNNER_FIELD_TASKS_MAX, spec->tasks_max, r->config.tasks_max },
                { RUNNER_FIELD_CPU_QUOTA, spec->cpu_quota_per_sec_usec, r->config.cpu_quota_per_sec_usec },
        };
        for (size_t i = 0; i < ELEMENTSOF(limits); i++) {
                uint64_t v = MIN(limits[i].spec ?: UINT64_MAX, limits[i].config ?: UINT64_MAX);
                v = MIN(v, r->limits[limits[i].f] ?: UINT64_MAX);
                if (v != UINT64_MAX)
                        runner_message_set(&m, limits[i].f, v);
        }
        if (spec->n_tests > RUNNER_TESTS_MAX)
                return -E2BIG;
        m.compile_args = spec->compile_argv;
        if (spec->compile_argv)
                runner_message_set(&m, RUNNER_FIELD_COMPILE_TIMEOUT_USEC, spec->compile_timeout_usec);
        char test_stdins[RUNNER_TESTS_MAX + 1] = {};
        if (spec->n_tests > 0) {
                for (size_t i = 0; i < spec->n_tests; i++)
                        test_stdins[i] = spec->test_stdin_fds[i] >= 0 ? '1' : '0';
                m.test_stdins = test_stdins;
                runner_message_set(&m, RUNNER_FIELD_TEST_CPU_LIMIT_SEC, spec->test_cpu_limit_sec);
                runner_message_set(&m, RUNNER_FIELD_TEST_WALL_LIMIT_USEC, spec->test_wall_limit_usec);
        }
        if (code_fd >= 0) {
                mask |= RUNNER_FD_CODE;
                fds[n_fds++] = code_fd;
        }
        if (stdin_fd >= 0) {
                mask |= RUNNER_FD_STDIN;
                fds[n_fds++] = stdin_fd;
        }
        if (bundle_fd >= 0) {
                mask |= RUNNER_FD_BUNDLE;
                fds[n_fds++] = bundle_fd;
        }

        j = calloc(1, sizeof(RunnerJob));
        if (!j)
                return -ENOMEM;
        j->pipe_fd[0] = j->pipe_fd[1] = -EBADF;
        if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
                return -errno;
        mask |= RUNNER_FD_STDOUT | RUNNER_FD_STDERR;
        fds[n_fds++] = out[1];
        fds[n_fds++] = err[1];
        runner_message_set(&m, RUNNER_FIELD_FDS, mask);
        /* The test cases' stdins come last, one for each '1'. */
        for (size_t i = 0; i < spec->n_tests; i++)
                if (spec->test_stdin_fds[i] >= 0)
                        fds[n_fds++] = spec->test_stdin_fds[i];
        j->n_cases = spec->n_tests;
        if (j->n_cases > 0) {
                j->cases = calloc(j->n_cases, sizeof(RunnerStepResult));
                j->case_out = calloc(j->n_cases, sizeof(CappedBuffer));
                j->case_err = calloc(j->n_cases, sizeof(CappedBuffer));
                if (!j->cases || !j->case_out || !j->case_err)
                        return -ENOMEM;
                for (size_t i = 0; i < j->n_cases; i++) {
                        capped_buffer_init(&j->case_out[i], r->config.case_output_limit);
                        capped_buffer_init(&j->case_err[i], r->config.case_output_limit);
                }
        }
        for (size_t i = 0; i < 2; i++) {
                int *p = i == 0 ? out : err;
                if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0)
                        return -errno;
                k = sd_event_add_io(r->event, &j->pipe_source[i], p[0], EPOLLIN, on_pipe, j);
                if (k >= 0)
                        k = pipe_source_setup(j->pipe_source[i]);
                if (k < 0)
                        return k;
                j->pipe_fd[i] = TAKE_FD(p[0]);
        }
        snprintf(j->id, sizeof(j->id), "%s", spec->id);
        j->handler = handler;
        j->userdata = userdata;
        j->result.exit_code = -1;
        capped_buffer_init(&j->out, r->config.output_limit);
        capped_buffer_init(&j->err, r->config.output_limit);
        capped_buffer_init(&j->archive, r->config.archive_limit);
        capped_buffer_init(&j->listing, r->config.archive_limit);
        capped_buffer_init(&j->stage_err, 4096);
        capped_buffer_init(&j->compile_out, r->config.case_output_limit);
        capped_buffer_init(&j->compile_err, r->config.case_output_limit);
        j->timeline.spawned = now_usec();

        k = send_start(r, &m, fds, n_fds);
        if (k < 0)
                return k;
        j->runner = r;
        LIST_PREPEND(r->jobs, j);
        r->n_jobs++;
        *ret = TAKE_PTR(j);
        return 0;
}

RunnerJob *runner_job_free(RunnerJob *j) {
        if (!j)
                return NULL;
        if (j->runner && j->state != RUNNER_JOB_FINISHED)
                (void) send_job_message(j, RUNNER_MSG_FREE, 0, 0);
        job_unlink(j);
        job_close_pipe(j, 0);
        job_close_pipe(j, 1);
        cgroup_job_free(j->cgroup);
        capped_buffer_done(&j->out);
        capped_buffer_done(&j->err);
        capped_buffer_done(&j->archive);
        capped_buffer_done(&j->listing);
        capped_buffer_done(&j->stage_err);
        capped_buffer_done(&j->compile_out);
        capped_buffer_done(&j->compile_err);
        for (size_t i = 0; i < j->n_cases && j->case_out && j->case_err; i++) {
                capped_buffer_done(&j->case_out[i]);
                capped_buffer_done(&j->case_err[i]);
        }
        free(j->case_out);
        free(j->case_err);
        free(j->cases);
        free(j);
        return NULL;
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

void runner_job_set_output_handler(RunnerJob *j, runner_output_handler_t handler, void *userdata) {
        j->output_handler = handler;
        j->output_userdata = userdata;
}

const CappedBuffer *runner_job_compile_stdout(const RunnerJob *j) {
        return &j->compile_out;
}

const CappedBuffer *runner_job_compile_stderr(const RunnerJob *j) {
        return &j->compile_err;
}

size_t runner_job_n_cases(const RunnerJob *j) {
        return j->n_cases;
}

const RunnerStepResult *runner_job_case(const RunnerJob *j, size_t i) {
        return i < j->n_cases ? &j->cases[i] : NULL;
}

const CappedBuffer *runner_job_case_stdout(const RunnerJob *j, size_t i) {
        return i < j->n_cases ? &j->case_out[i] : NULL;
}

const CappedBuffer *runner_job_case_stderr(const RunnerJob *j, size_t i) {
        return i < j->n_cases ? &j->case_err[i] : NULL;
}

const RunnerTimeline *runner_job_timeline(const RunnerJob *j) {
        return &j->timeline;
}

/* The figure the runner last sent; each call asks for a fresher one, which the next call sees. */
int runner_job_cpu_usec(RunnerJob *j, uint64_t *ret) {
        if (j->state == RUNNER_JOB_FINISHED) {
                if (!j->result.has_cpu)
                        return -ENODATA;
                *ret = j->result.cpu_usec;
                return 0;
        }
        /* Live from the cgroup while there is one; a runner that sent no counter is asked instead. */
        uint64_t v;
        if (j->cgroup && cgroup_job_cpu_usec(j->cgroup, &v) >= 0) {
                j->cpu_usec = MAX(j->cpu_usec, v);
                j->has_cpu = true;
        } else if (j->state == RUNNER_JOB_RUNNING && !j->cpu_query_sent && j->runner &&
                   send_job_message(j, RUNNER_MSG_CPU_QUERY, 0, 0) >= 0)
                j->cpu_query_sent = true;
        if (!j->has_cpu)
                return -ENODATA;
        *ret = j->cpu_usec;
        return 0;
}

uint64_t runner_job_wall_usec(const RunnerJob *j) {
        if (j->timeline.released == 0)
                return 0;
        if (j->state == RUNNER_JOB_FINISHED)
                return j->result.wall_usec;
        return now_usec() - MIN(j->timeline.released, now_usec());
}

int runner_job_kill(RunnerJob *j, JobReason reason) {
        if (j->state == RUNNER_JOB_FINISHED || j->kill_sent || !j->runner)
                return 0;
        if (reason != JOB_REASON_TIMEOUT && reason != JOB_REASON_SIGNAL)
                return -EINVAL;
        j->kill_sent = true;
        return send_job_message(j, RUNNER_MSG_KILL, RUNNER_FIELD_REASON, reason);
}

int runner_job_set_cpu_quota(RunnerJob *j, uint64_t cpu_quota_per_sec_usec) {
        if (j->state != RUNNER_JOB_RUNNING || !j->runner)
                return -ESRCH;
        uint64_t max = j->runner->limits[RUNNER_FIELD_CPU_QUOTA];
        return send_job_message(j, RUNNER_MSG_SET_QUOTA, RUNNER_FIELD_CPU_QUOTA,
                                MIN(cpu_quota_per_sec_usec, max ?: UINT64_MAX));
}

Runner *runner_free(Runner *r) {
        if (!r)
                return NULL;
        /* Closing the connection makes the runner kill every job of ours. */
        while (r->jobs) {
                RunnerJob *j = r->jobs;
                job_unlink(j);
                j->handler = NULL;
                runner_job_free(j);
        }
        sd_event_source_disable_unref(r->io_source);
        sd_event_source_disable_unref(r->retry_source);
        safe_close(r->fd);
        sd_event_unref(r->event);
        free(r->socket_path);
        free(r->buf);
        free(r);
        return NULL;
}

int runner_new(Runner **ret, sd_event *event, sd_bus *bus, const RunnerConfig *config) {
        _cleanup_(runner_freep) Runner *r = NULL;

        assert(!bus);   /* the front has none */
        if (!config->socket_path)
                return -EINVAL;
        r = calloc(1, sizeof(Runner));
        if (!r)
                return -ENOMEM;
        r->fd = -EBADF;
        r->event = sd_event_ref(event);
        r->config = *config;
        r->socket_path = strdup(config->socket_path);
        r->buf = malloc(RUNNER_MESSAGE_MAX);
        if (!r->socket_path || !r->buf)
                return -ENOMEM;
        /*
         * The runner is socket-activated with us: wait a little for its WELCOME, so the first requests
         * find it there. Not there yet (its socket unit starts later, or it restarts): keep trying.
         */
        if (runner_connect(r) < 0)
                arm_retry(r);
        for (uint64_t deadline = now_usec() + STARTUP_WAIT_USEC; r->fd >= 0 && !r->welcomed;) {
                uint64_t now = now_usec();
                if (now >= deadline)
                        break;
                struct pollfd p = { .fd = r->fd, .events = POLLIN };
                if (poll(&p, 1, (int) ((deadline - now) / USEC_PER_MSEC) + 1) > 0)
                        (void) on_io(r->io_source, r->fd, p.revents, r);
        }
        *ret = TAKE_PTR(r);
        return 0;
}
