/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "list.h"
#include "memfd-util.h"
#include "runner-bus.h"
#include "runner-server.h"
#include "runner-socket.h"
#include "warm-pool.h"

#define MESSAGES_PER_WAKEUP 64
/* The runner's answers are small; room for thousands of them keeps a busy front from losing one. */
#define SEND_BUFFER_BYTES (4 * 1024 * 1024)

typedef struct Connection Connection;
typedef struct ServerJob ServerJob;

struct RunnerServer {
        sd_event *event;
        Runner *runner;
        RunnerServerConfig config;
        int listen_fd;
        sd_event_source *listen_source;
        Connection *connections;
        unsigned n_connections, n_jobs;
        RunnerServerStats stats;
        void *buf;
        /* The ready warm sandboxes, each offered to one front at most (NULL: to none yet), so that no two
         * fronts name a job after the same one. */
        struct {
                char id[33];
                Connection *conn;
        } offers[WARM_POOL_SIZE_MAX];
        size_t n_offers;
};

struct Connection {
        RunnerServer *server;
        Connection *prev, *next;
        int fd;
        sd_event_source *io_source, *close_source;
        bool hello;
        ServerJob *jobs;
};

struct ServerJob {
        Connection *conn;
        ServerJob *prev, *next;
        char id[RUNNER_JOB_ID_MAX + 1];
        char hex[33];
        RunnerJob *job;
        uint64_t quota_wanted;          /* to apply again when systemd was away */
};

static ServerJob *server_job_free(ServerJob *sj) {
        if (!sj)
                return NULL;
        if (sj->conn) {
                LIST_REMOVE(sj->conn->jobs, sj);
                sj->conn->server->n_jobs--;
        }
        runner_job_free(sj->job);
        free(sj);
        return NULL;
}

static ServerJob *job_find(RunnerServer *s, const char *hex) {
        for (Connection *c = s->connections; c; c = c->next)
                for (ServerJob *sj = c->jobs; sj; sj = sj->next)
                        if (strcmp(sj->hex, hex) == 0)
                                return sj;
        return NULL;
}

static ServerJob *connection_job(Connection *c, const char *id) {
        for (ServerJob *sj = c->jobs; sj; sj = sj->next)
                if (strcmp(sj->id, id) == 0)
                        return sj;
        return NULL;
}

static void offers_take_back(RunnerServer *s, Connection *c);
static void offers_hand_out(RunnerServer *s);

static Connection *connection_free(Connection *c) {
        if (!c)
                return NULL;
        /* Our jobs die with the front's connection: nothing of theirs outlives it. */
        while (c->jobs)
                server_job_free(c->jobs);
        if (c->server) {
                LIST_REMOVE(c->server->connections, c);
                c->server->n_connections--;
                offers_take_back(c->server, c);
                offers_hand_out(c->server);
        }
        sd_event_source_disable_unref(c->io_source);
        sd_event_source_disable_unref(c->close_source);
        safe_close(c->fd);
        free(c);
        return NULL;
}

static int on_close_deferred(sd_event_source *source, void *userdata) {
        connection_free(userdata);
        return 0;
}

/* Closes the connection once the current callback is over (we may be deep inside a job's callback). */
static void connection_fail(Connection *c) {
        if (c->close_source)
                return;
        (void) sd_event_source_set_enabled(c->io_source, SD_EVENT_OFF);
        if (sd_event_add_defer(c->server->event, &c->close_source, on_close_deferred, c) < 0)
                c->fd = safe_close(c->fd);      /* the next use fails; the jobs end when the server does */
}

static void send_or_fail(Connection *c, const RunnerMessage *m, const int *fds, unsigned n_fds) {
        if (c->close_source)
                return;
        if (runner_socket_send(c->fd, m, fds, n_fds) < 0)
                connection_fail(c);
}

static void refuse(Connection *c, const char *job_id, int error, const char *why) {
        RunnerMessage m = { .type = RUNNER_MSG_REFUSED, .job_id = (char *) job_id, .error = (char *) why };

        c->server->stats.refused++;
        runner_message_set(&m, RUNNER_FIELD_ERRNO, (uint64_t) error);
        send_or_fail(c, &m, NULL, 0);
}

static void send_warm(Connection *c, const char *id, bool ready) {
        RunnerMessage m = { .type = ready ? RUNNER_MSG_WARM : RUNNER_MSG_WARM_GONE, .job_id = (char *) id };

        send_or_fail(c, &m, NULL, 0);
}

static ssize_t offer_find(RunnerServer *s, const char *id) {
        for (size_t i = 0; i < s->n_offers; i++)
                if (streq(s->offers[i].id, id))
                        return (ssize_t) i;
        return -1;
}

/* The front (past HELLO, not closing) holding the fewest offers, or NULL. */
static Connection *offer_target(RunnerServer *s) {
        Connection *best = NULL;
        size_t best_n = SIZE_MAX;

        for (Connection *c = s->connections; c; c = c->next) {
                size_t n = 0;
                if (!c->hello || c->close_source)
                        continue;
                for (size_t i = 0; i < s->n_offers; i++)
                        n += s->offers[i].conn == c;
                if (n < best_n) {
                        best = c;
                        best_n = n;
                }
        }
        return best;
}

/* Offers every warm sandbox offered to no front yet. */
static void offers_hand_out(RunnerServer *s) {
        for (size_t i = 0; i < s->n_offers; i++) {
                if (s->offers[i].conn)
                        continue;
                s->offers[i].conn = offer_target(s);
                if (!s->offers[i].conn)
                        return;
                send_warm(s->offers[i].conn, s->offers[i].id, true);
        }
}

/* A front that goes away gives its offers back, to the others. */
static void offers_take_back(RunnerServer *s, Connection *c) {
        for (size_t i = 0; i < s->n_offers; i++)
                if (s->offers[i].conn == c)
                        s->offers[i].conn = NULL;
}

/* A warm sandbox that became ready is offered to one front; one that no longer is, withdrawn from it. */
static void on_warm_change(const char *id, bool ready, void *userdata) {
        RunnerServer *s = userdata;
        ssize_t i = offer_find(s, id);

        if (ready) {
                if (i >= 0 || s->n_offers >= ELEMENTSOF(s->offers))
                        return;
                memcpy(s->offers[s->n_offers].id, id, 33);
                s->offers[s->n_offers++].conn = NULL;
                offers_hand_out(s);
                return;
        }
        if (i < 0)
                return;
        if (s->offers[i].conn)
                send_warm(s->offers[i].conn, id, false);
        s->offers[i] = s->offers[--s->n_offers];
}

static void put_timeline(RunnerMessage *m, const RunnerTimeline *t) {
        const struct {
                RunnerField f;
                uint64_t v;
        } map[] = {
                { RUNNER_FIELD_T_SPAWNED, t->spawned },   { RUNNER_FIELD_T_READY, t->ready },
                { RUNNER_FIELD_T_SCOPE_STARTED, t->scope_started }, { RUNNER_FIELD_T_RELEASED, t->released },
                { RUNNER_FIELD_T_EXITED, t->exited },     { RUNNER_FIELD_T_ACCOUNTED, t->accounted },
                { RUNNER_FIELD_T_FINISHED, t->finished }, { RUNNER_FIELD_T_RUN_STARTED, t->run_started },
        };
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (map[i].v)
                        runner_message_set(m, map[i].f, map[i].v);
}

static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return k < 0 ? -errno : -EIO;
                p += k;
                n -= k;
        }
        return 0;
}

/* The compile's and the test cases' outputs follow the five in the memfd; their lengths go as text. */
static int extra_buffers(RunnerJob *job, const CappedBuffer **ret, size_t *ret_n) {
        size_t n = 0;

        ret[n++] = runner_job_compile_stdout(job);
        ret[n++] = runner_job_compile_stderr(job);
        for (size_t i = 0; i < runner_job_n_cases(job) && i < RUNNER_TESTS_MAX; i++) {
                ret[n++] = runner_job_case_stdout(job, i);
                ret[n++] = runner_job_case_stderr(job, i);
        }
        *ret_n = n;
        return 0;
}

/* The five buffers, one after another, in a sealed memfd; the message says how long each is. */
static int pack_buffers(RunnerJob *job, RunnerMessage *m, int *ret_fd, char **ret_extra) {
        const CappedBuffer *bufs[5 + RUNNER_EXTRA_BUFFERS_MAX] = {
                runner_job_stdout(job), runner_job_stderr(job), runner_job_archive(job),
                runner_job_listing(job), runner_job_stage_error(job) };
        size_t n_extra = 0, n_bufs;
        static const RunnerField lens[] = { RUNNER_FIELD_STDOUT_LEN, RUNNER_FIELD_STDERR_LEN,
                                            RUNNER_FIELD_ARCHIVE_LEN, RUNNER_FIELD_LISTING_LEN,
                                            RUNNER_FIELD_STAGE_ERR_LEN };
        _cleanup_close_ int fd = -EBADF;
        size_t total = 0;
        int k;

        (void) extra_buffers(job, bufs + 5, &n_extra);
        n_bufs = 5 + n_extra;
        for (size_t i = 0; i < ELEMENTSOF(lens); i++) {
                runner_message_set(m, lens[i], bufs[i]->len);
                if (bufs[i]->dropped)
                        runner_message_set(m, lens[i] + 5, bufs[i]->dropped);
        }
        /* "len dropped" of each further buffer, as text. */
        char *text = *ret_extra = malloc(n_extra * 42 + 1);
        if (!text)
                return -ENOMEM;
        size_t at = 0;
        text[0] = 0;
        for (size_t i = 5; i < n_bufs; i++)
                at += (size_t) snprintf(text + at, 43, "%s%zu %" PRIu64, at ? " " : "", bufs[i]->len, bufs[i]->dropped);
        if (n_extra > 0)
                m->extra_buffers = text;
        for (size_t i = 0; i < n_bufs; i++)
                total += bufs[i]->len;
        *ret_fd = -EBADF;
        if (total == 0)
                return 0;
        fd = memfd_create("sandrun-result", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;
        for (size_t i = 0; i < n_bufs; i++) {
                k = write_all(fd, bufs[i]->data, bufs[i]->len);
                if (k < 0)
                        return k;
        }
        k = memfd_seal(fd);
        if (k < 0)
                return k;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static void put_steps(RunnerJob *job, const RunnerResult *res, RunnerMessage *m, char **step_bufs) {
        char buf[RUNNER_STEP_RESULT_MAX];
        size_t n = 0;

        if (res->has_compile) {
                runner_message_set(m, RUNNER_FIELD_HAS_COMPILE, 1);
                runner_step_result_format(&res->compile, buf);
                m->compile_result = strdup(buf);
        }
        runner_step_result_format(&res->run, buf);
        m->run_result = strdup(buf);
        for (size_t i = 0; i < runner_job_n_cases(job) && i < RUNNER_TESTS_MAX; i++) {
                runner_step_result_format(runner_job_case(job, i), buf);
                step_bufs[n++] = strdup(buf);
        }
        step_bufs[n] = NULL;
        m->case_results = n > 0 ? step_bufs : NULL;
}

static void on_job_change(RunnerJob *job, void *userdata) {
        ServerJob *sj = userdata;
        Connection *c = sj->conn;
        RunnerMessage m = { .job_id = sj->id };
        const RunnerResult *res = runner_job_result(job);

        if (!res) {
                /* With a read-only handle on the job's CPU counter, so the front bills it live. */
                bool v1 = false;
                int cpu_fd = runner_job_cpu_fd(job, &v1);
                m.type = RUNNER_MSG_RUNNING;
                put_timeline(&m, runner_job_timeline(job));
                runner_message_set(&m, RUNNER_FIELD_FDS, cpu_fd >= 0 ? RUNNER_FD_CPU : 0);
                runner_message_set(&m, RUNNER_FIELD_CPU_V1, v1);
                if (runner_job_cpu_base_usec(job) > 0)
                        runner_message_set(&m, RUNNER_FIELD_CPU_USEC, runner_job_cpu_base_usec(job));
                send_or_fail(c, &m, &cpu_fd, cpu_fd >= 0 ? 1 : 0);
                return;
        }

        _cleanup_close_ int fd = -EBADF;
        m.type = RUNNER_MSG_FINISHED;
        put_timeline(&m, runner_job_timeline(job));
        runner_message_set(&m, RUNNER_FIELD_COMPLETED, res->completed);
        runner_message_set(&m, RUNNER_FIELD_EXIT_CODE, (uint64_t) (int64_t) res->exit_code);
        runner_message_set(&m, RUNNER_FIELD_SIGNAL, (uint64_t) res->signal);
        runner_message_set(&m, RUNNER_FIELD_REASON, res->reason);
        runner_message_set(&m, RUNNER_FIELD_CPU_USEC, res->cpu_usec);
        runner_message_set(&m, RUNNER_FIELD_MEMORY_PEAK, res->memory_peak_bytes);
        runner_message_set(&m, RUNNER_FIELD_WALL_USEC, res->wall_usec);
        runner_message_set(&m, RUNNER_FIELD_HAS_CPU, res->has_cpu);
        runner_message_set(&m, RUNNER_FIELD_HAS_MEMORY, res->has_memory);
        runner_message_set(&m, RUNNER_FIELD_STAGE_EXIT, (uint64_t) res->stage_exit_code);
        runner_message_set(&m, RUNNER_FIELD_ERRNO, (uint64_t) res->error_errno);
        m.error = (char *) res->error;
        _cleanup_free_ char *extra = NULL;
        char *steps[RUNNER_TESTS_MAX + 1];
        put_steps(job, res, &m, steps);
        if (pack_buffers(job, &m, &fd, &extra) < 0) {
                for (RunnerField f = RUNNER_FIELD_STDOUT_LEN; f <= RUNNER_FIELD_STAGE_ERR_DROPPED; f++)
                        m.present &= ~(UINT64_C(1) << f);
                m.extra_buffers = NULL;
                m.error = (char *) "the runner could not pass on the job's output";
        }
        runner_message_set(&m, RUNNER_FIELD_FDS, fd >= 0 ? RUNNER_FD_RESULT : 0);
        send_or_fail(c, &m, &fd, fd >= 0 ? 1 : 0);
        free(m.compile_result);
        free(m.run_result);
        for (char **p = m.case_results; p && *p; p++)
                free(*p);

        c->server->stats.jobs_finished++;
        server_job_free(sj);
}

/*
 * What the front may pass: files to read (code, stdin, uploads) and pipes to write (the program's output);
 * never a directory, socket, device or O_PATH handle.
 */
static bool fd_is_valid(int fd, bool output) {
        struct stat st;
        int flags = fcntl(fd, F_GETFL);

        if (flags < 0 || (flags & O_PATH) || fstat(fd, &st) < 0)
                return false;
        if (output)
                return S_ISFIFO(st.st_mode) && (flags & O_ACCMODE) != O_RDONLY;
        /* Inputs are sealed memfds: what the job and its stage read cannot change under them. */
        return S_ISREG(st.st_mode) && (flags & O_ACCMODE) != O_WRONLY && memfd_is_sealed(fd);
}

static void handle_start(Connection *c, const RunnerMessage *m, int *fds, unsigned n_fds) {
        RunnerServer *s = c->server;
        const RunnerServerConfig *cf = &s->config;
        static char *no_patterns[] = { NULL };
        char hex[33];
        int k;

        if (s->n_jobs >= cf->max_jobs)
                return refuse(c, m->job_id, EBUSY, "too many jobs");
        if (runner_job_id_parse(m->job_id, hex) < 0)
                return refuse(c, m->job_id, EINVAL, "invalid job id");
        if (job_find(s, hex))
                return refuse(c, m->job_id, EEXIST, "a job with this id exists");
        ssize_t offer = offer_find(s, hex);
        if (offer >= 0 && s->offers[offer].conn != c)
                return refuse(c, m->job_id, EBUSY, "a warm sandbox not offered to this front");
        if (m->u64[RUNNER_FIELD_TIMEOUT_USEC] > cf->timeout_max_usec ||
            m->u64[RUNNER_FIELD_COMPILE_TIMEOUT_USEC] > cf->timeout_max_usec ||
            m->u64[RUNNER_FIELD_TEST_WALL_LIMIT_USEC] > cf->timeout_max_usec ||
            m->u64[RUNNER_FIELD_TEST_CPU_LIMIT_SEC] > cf->timeout_max_usec / USEC_PER_SEC ||
            (runner_message_has(m, RUNNER_FIELD_MEMORY_MAX) && m->u64[RUNNER_FIELD_MEMORY_MAX] > cf->memory_max) ||
            (runner_message_has(m, RUNNER_FIELD_COMPILE_MEMORY_MAX) &&
             m->u64[RUNNER_FIELD_COMPILE_MEMORY_MAX] > cf->compile_memory_max) ||
            (runner_message_has(m, RUNNER_FIELD_TASKS_MAX) && m->u64[RUNNER_FIELD_TASKS_MAX] > cf->tasks_max) ||
            (runner_message_has(m, RUNNER_FIELD_CPU_QUOTA) &&
             m->u64[RUNNER_FIELD_CPU_QUOTA] > cf->cpu_quota_per_sec_usec))
                return refuse(c, m->job_id, EPERM, "a limit above the runner's");
        /* In the order of their bits; the caller closes whatever is left in fds[]. */
        uint64_t mask = m->u64[RUNNER_FIELD_FDS];
        int *by_bit[7] = {}, code_fd = -EBADF, stdin_fd = -EBADF, bundle_fd = -EBADF, stdout_fd = -EBADF,
            stderr_fd = -EBADF;
        by_bit[0] = &code_fd;
        by_bit[1] = &stdin_fd;
        by_bit[2] = &bundle_fd;
        by_bit[4] = &stdout_fd;
        by_bit[5] = &stderr_fd;
        for (unsigned bit = 0, next = 0; bit < ELEMENTSOF(by_bit); bit++) {
                if (!(mask & (UINT64_C(1) << bit)))
                        continue;
                assert(by_bit[bit] && next < n_fds);   /* the parser and the receiver checked */
                if (!fd_is_valid(fds[next], bit >= 4))
                        return refuse(c, m->job_id, EBADF, "a descriptor of the wrong kind");
                *by_bit[bit] = fds[next++];
        }

        ServerJob *sj = calloc(1, sizeof(ServerJob));
        if (!sj)
                return refuse(c, m->job_id, ENOMEM, "out of memory");
        snprintf(sj->id, sizeof(sj->id), "%s", m->job_id);
        memcpy(sj->hex, hex, sizeof(hex));

        /* Then one per test case with a stdin ('1' in TEST_STDINS). */
        int test_fds[RUNNER_TESTS_MAX];
        size_t n_tests = m->test_stdins ? strlen(m->test_stdins) : 0;
        for (size_t i = 0, next = runner_fds_count(mask); i < n_tests; i++) {
                test_fds[i] = -EBADF;
                if (m->test_stdins[i] != '1')
                        continue;
                if (!fd_is_valid(fds[next], false))
                        return refuse(c, m->job_id, EBADF, "a descriptor of the wrong kind");
                test_fds[i] = fds[next++];
        }

        /* From here on the runner owns them. */
        for (unsigned i = 0; i < n_fds; i++)
                fds[i] = -EBADF;
        RunnerJobSpec spec = {
                .id = hex,
                .argv = m->args,
                .envp = m->env,
                .code_fd = code_fd,
                .code_name = m->code_name,
                .stdin_fd = stdin_fd,
                .timeout_usec = m->u64[RUNNER_FIELD_TIMEOUT_USEC],
                .bundle_fd = bundle_fd,
                .stdout_fd = stdout_fd,
                .stderr_fd = stderr_fd,
                .output_patterns = m->u64[RUNNER_FIELD_PACK] ? m->output_patterns ?: no_patterns : NULL,
                .compile_argv = m->compile_args,
                .compile_timeout_usec = m->u64[RUNNER_FIELD_COMPILE_TIMEOUT_USEC],
                .test_stdin_fds = n_tests > 0 ? test_fds : NULL,
                .n_tests = n_tests,
                .test_cpu_limit_sec = m->u64[RUNNER_FIELD_TEST_CPU_LIMIT_SEC],
                .test_wall_limit_usec = m->u64[RUNNER_FIELD_TEST_WALL_LIMIT_USEC],
                .memory_max = m->u64[RUNNER_FIELD_MEMORY_MAX],
                .compile_memory_max = m->u64[RUNNER_FIELD_COMPILE_MEMORY_MAX],
                .tasks_max = m->u64[RUNNER_FIELD_TASKS_MAX],
                .cpu_quota_per_sec_usec = m->u64[RUNNER_FIELD_CPU_QUOTA],
        };
        k = runner_start(s->runner, &spec, on_job_change, sj, &sj->job);
        if (k < 0) {
                free(sj);
                return refuse(c, m->job_id, -k, "the runner could not start the job");
        }
        sj->conn = c;
        LIST_PREPEND(c->jobs, sj);
        s->n_jobs++;
        s->stats.jobs_started++;
}

static void handle(Connection *c, const RunnerMessage *m, int *fds, unsigned n_fds) {
        RunnerServer *s = c->server;
        ServerJob *sj = m->job_id ? connection_job(c, m->job_id) : NULL;

        if (m->type == RUNNER_MSG_HELLO) {
                if (c->hello)
                        return refuse(c, NULL, EPROTO, "HELLO twice");
                c->hello = true;
                RunnerMessage w = { .type = RUNNER_MSG_WELCOME };
                runner_message_set(&w, RUNNER_FIELD_VERSION, RUNNER_PROTOCOL_VERSION);
                runner_message_set(&w, RUNNER_FIELD_MEMORY_MAX, s->config.memory_max);
                runner_message_set(&w, RUNNER_FIELD_COMPILE_MEMORY_MAX, s->config.compile_memory_max);
                runner_message_set(&w, RUNNER_FIELD_TASKS_MAX, s->config.tasks_max);
                runner_message_set(&w, RUNNER_FIELD_CPU_QUOTA, s->config.cpu_quota_per_sec_usec);
                runner_message_set(&w, RUNNER_FIELD_TIMEOUT_USEC, s->config.timeout_max_usec);
                send_or_fail(c, &w, NULL, 0);
                offers_hand_out(s);
                return;
        }
        if (!c->hello)
                return refuse(c, m->job_id, EPROTO, "HELLO first");

        switch (m->type) {
        case RUNNER_MSG_START: {
                handle_start(c, m, fds, n_fds);
                /* A START naming one of its offers was refused if the offer is still there: the front let
                 * go of it when it sent the START, so it is told again that the sandbox is its own. */
                char hex[33];
                ssize_t i = runner_job_id_parse(m->job_id, hex) >= 0 ? offer_find(s, hex) : -1;
                if (i >= 0 && s->offers[i].conn == c)
                        send_warm(c, hex, true);
                return;
        }
        case RUNNER_MSG_FREE:
                /* Unknown: it finished while the FREE was on its way. */
                server_job_free(sj);
                return;
        case RUNNER_MSG_KILL:
                if (!sj)
                        return refuse(c, m->job_id, ESRCH, "no such job");
                (void) runner_job_kill(sj->job, (JobReason) m->u64[RUNNER_FIELD_REASON]);
                return;
        case RUNNER_MSG_SET_QUOTA: {
                uint64_t q = m->u64[RUNNER_FIELD_CPU_QUOTA];
                if (!sj)
                        return refuse(c, m->job_id, ESRCH, "no such job");
                if (q > s->config.cpu_quota_per_sec_usec)
                        return refuse(c, m->job_id, EPERM, "a CPU quota above the runner's");
                sj->quota_wanted = runner_job_set_cpu_quota(sj->job, q) == -ENOTCONN ? q : 0;
                return;
        }
        case RUNNER_MSG_CPU_QUERY: {
                uint64_t v = 0;
                if (!sj)
                        return refuse(c, m->job_id, ESRCH, "no such job");
                (void) runner_job_cpu_usec(sj->job, &v);
                RunnerMessage a = { .type = RUNNER_MSG_CPU, .job_id = sj->id };
                runner_message_set(&a, RUNNER_FIELD_CPU_USEC, v);
                return send_or_fail(c, &a, NULL, 0);
        }
        default:
                return refuse(c, m->job_id, EPROTO, "not a request");
        }
}

static int on_connection_io(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        Connection *c = userdata;
        RunnerServer *s = c->server;

        for (unsigned i = 0; i < MESSAGES_PER_WAKEUP && !c->close_source; i++) {
                RunnerMessage m;
                int fds[RUNNER_FDS_MAX];
                unsigned n_fds = 0;
                int k = runner_socket_receive(c->fd, s->buf, &m, fds, &n_fds);

                if (k == -EAGAIN)
                        return 0;
                if (runner_socket_error_is_message(k)) {
                        refuse(c, NULL, -k, "malformed message");
                        continue;
                }
                if (k <= 0) {
                        connection_free(c);
                        return 0;
                }
                handle(c, &m, fds, n_fds);
                for (unsigned f = 0; f < n_fds; f++)
                        safe_close(fds[f]);
                runner_message_done(&m);
        }
        return 0;
}

static int on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        RunnerServer *s = userdata;
        _cleanup_close_ int cfd = -EBADF;
        struct ucred cred;
        socklen_t len = sizeof(cred);

        cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (cfd < 0)
                return 0;
        if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != s->config.front_uid ||
            s->n_connections >= s->config.max_connections) {
                s->stats.rejected_peers++;
                return 0;
        }
        int size = SEND_BUFFER_BYTES;
        if (setsockopt(cfd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
                (void) setsockopt(cfd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));

        Connection *c = calloc(1, sizeof(Connection));
        if (!c)
                return 0;
        c->fd = TAKE_FD(cfd);
        c->server = s;
        if (sd_event_add_io(s->event, &c->io_source, c->fd, EPOLLIN, on_connection_io, c) < 0) {
                c->server = NULL;
                connection_free(c);
                return 0;
        }
        LIST_PREPEND(s->connections, c);
        s->n_connections++;
        s->stats.accepted++;
        return 0;
}

void runner_server_resync(RunnerServer *s) {
        for (Connection *c = s->connections; c; c = c->next)
                for (ServerJob *sj = c->jobs; sj; sj = sj->next)
                        if (sj->quota_wanted && runner_job_set_cpu_quota(sj->job, sj->quota_wanted) != -ENOTCONN)
                                sj->quota_wanted = 0;
}

const RunnerServerStats *runner_server_stats(const RunnerServer *s) {
        return &s->stats;
}

unsigned runner_server_n_connections(const RunnerServer *s) {
        return s->n_connections;
}

RunnerServer *runner_server_free(RunnerServer *s) {
        if (!s)
                return NULL;
        if (s->runner)
                runner_set_warm_handler(s->runner, NULL, NULL);
        s->n_offers = 0;
        while (s->connections)
                connection_free(s->connections);
        sd_event_source_disable_unref(s->listen_source);
        safe_close(s->listen_fd);
        sd_event_unref(s->event);
        free(s->buf);
        free(s);
        return NULL;
}

int runner_server_new(RunnerServer **ret, sd_event *event, Runner *runner, int listen_fd,
                      const RunnerServerConfig *config) {
        _cleanup_close_ int fd = listen_fd;
        _cleanup_(runner_server_freep) RunnerServer *s = NULL;
        int k;

        s = calloc(1, sizeof(RunnerServer));
        if (!s)
                return -ENOMEM;
        s->listen_fd = -EBADF;
        s->event = sd_event_ref(event);
        s->runner = runner;
        s->config = *config;
        s->buf = malloc(RUNNER_MESSAGE_MAX);
        if (!s->buf)
                return -ENOMEM;
        (void) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        k = sd_event_add_io(event, &s->listen_source, fd, EPOLLIN, on_accept, s);
        if (k < 0)
                return k;
        s->listen_fd = TAKE_FD(fd);
        char ids[WARM_POOL_SIZE_MAX][33];
        size_t n = runner_warm_ids(runner, ids, ELEMENTSOF(ids));
        for (size_t i = 0; i < n; i++)
                on_warm_change(ids[i], true, s);
        runner_set_warm_handler(runner, on_warm_change, s);
        *ret = TAKE_PTR(s);
        return 0;
}
