/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-id128.h>
#include <unistd.h>

#include "held-box.h"
#include "io-util.h"
#include "job.h"
#include "list.h"
#include "log-sink.h"
#include "memfd-util.h"
#include "memlock.h"
#include "receipt-verify.h"
#include "share.h"
#include "strv.h"
#include "wipe.h"

/* How often running jobs' CPU is billed to their clients and their quotas revised. */
#define BILLING_INTERVAL_USEC (250 * USEC_PER_MSEC)
/* How often idle clients are forgotten. */
#define EVICT_INTERVAL_USEC (60 * USEC_PER_SEC)

struct Job {
        JobManager *manager;
        Job *prev, *next;               /* in the manager's list of all jobs, newest first */
        char id[JOB_ID_MAX];            /* hex, then "-<node>" if the host has a node name */
        char hex_id[33];                /* what the runner names the scope after */
        bool id_unseen;                 /* nobody was told the id yet: it may become a warm sandbox's */
        char *interpreter;
        JobStatus status;
        bool kept;
        bool dropped;                   /* failed without running: its place was given to another client */
        ClientKey client;
        FairJob fair;

        /* What to run; handed to the runner when the job starts. */
        RunnerJobSpec spec;
        char **argv, **envp, **output_patterns, **compile_argv;
        int test_stdin_fds[RUNNER_TESTS_MAX];
        char *code_name;
        JudgeSpec *judge;               /* its test cases' expectations, to judge them once it ran */
        SealRecipients *seal_to;        /* its results leave only sealed to these; NULL: readable */

        RunnerJob *runner_job;
        RunnerResult launch_failure;    /* when the runner refused to start it at all */
        uint64_t cpu_billed_usec;       /* CPU already charged to the client */
        uint64_t quota_applied;         /* the CPUQuota last asked of systemd */
        uint64_t submitted_usec;
        uint64_t finished_usec;
        sd_event_source *expire_source;

        job_handler_t done_handler;
        void *done_userdata;

        job_output_handler_t output_handler;
        void *output_userdata;

        void *attachment;               /* the API's own data about the job (its receipt) */
        void (*free_attachment)(void *data);

        /* A finished batch job's packed outputs, encrypted under a key of the job's own, and their digest
         * (for the receipt) taken before. */
        HeldBox *archive, *listing;
        char archive_sha256[65];
        /* Likewise its stdout and stderr once it finished, while they wait to be read. */
        HeldBox *streams[2];
        char streams_sha256[2][65];
        /* And while it waits in the queue, its uploads (code, stdin, bundle): the memfds are made anew
         * when it starts. */
        HeldBox *uploads[3];
};

struct JobManager {
        sd_event *event;
        Runner *runner;
        JobManagerConfig config;
        FairScheduler *fair;
        Job *jobs;
        JobHold *holds;                 /* memory held for clients outside of jobs */
        unsigned n_running, n_queued;
        bool shutting_down, draining;
        sd_event_source *billing_source, *wakeup_source, *evict_source;
        sd_event_source *run_queue_source;      /* deferred: starts queued jobs as capacity allows */
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

/* A draining host refuses as a full one does: 503 and a retry, which a proxy sends elsewhere. So does a
 * host about to run out of lockable memory (memlock.h), rather than fail an allocation halfway. */
static int refuse_unavailable(const char *reason, FairRefusal *ret_refusal) {
        *ret_refusal = (FairRefusal) { .http_status = 503, .retry_after_sec = 5, .reason = reason };
        return 1;
}

static int refuse_if_unavailable(JobManager *m, FairRefusal *ret_refusal) {
        if (m->draining)
                return refuse_unavailable("this host is draining", ret_refusal);
        if (m->config.memlock_reserve > 0 && memlock_short_of(m->config.memlock_reserve))
                return refuse_unavailable("this host is out of lockable memory", ret_refusal);
        /* Without sandrun-runnerd (it is restarting) nothing can run: the client comes back shortly. */
        if (!runner_is_usable(m->runner)) {
                *ret_refusal = (FairRefusal) {
                        .http_status = 503,
                        .retry_after_sec = RUNNER_RETRY_AFTER_SEC,
                        .reason = "the job runner is not available",
                };
                return 1;
        }
        return 0;
}

int job_id_generate(char ret[static 33]) {
        sd_id128_t id;
        int r;

        r = sd_id128_randomize(&id);
        if (r < 0)
                return r;
        sd_id128_to_string(id, ret);
        return 0;
}

/* The event loop's time: the same for everything one wake-up does. */
static uint64_t manager_now(JobManager *m) {
        uint64_t t = 0;
        int r;

        r = sd_event_now(m->event, CLOCK_MONOTONIC, &t);
        if (r < 0)
                log_debug_errno(r, "Cannot read the event loop's clock, ignoring");
        return t;
}

static void spec_done(Job *j) {
        j->spec.code_fd = safe_close(j->spec.code_fd);
        j->spec.stdin_fd = safe_close(j->spec.stdin_fd);
        j->spec.bundle_fd = safe_close(j->spec.bundle_fd);
        for (size_t i = 0; i < ELEMENTSOF(j->uploads); i++)
                j->uploads[i] = held_box_free(j->uploads[i]);
        for (size_t i = 0; i < j->spec.n_tests; i++)
                j->test_stdin_fds[i] = safe_close(j->test_stdin_fds[i]);
}

/*
 * Starting queued jobs is a step of its own in the event loop, as systemd's job_add_to_run_queue()
 * does it: freeing or finishing a job only asks for it, so neither recurses into starting (and maybe
 * failing and finishing) other jobs while its caller still holds pointers into the job list.
 */
static void manager_add_to_run_queue(JobManager *m) {
        int r;

        if (!m->run_queue_source)
                return;
        r = sd_event_source_set_enabled(m->run_queue_source, SD_EVENT_ONESHOT);
        if (r < 0)
                log_debug_errno(r, "Cannot schedule starting queued jobs, ignoring (the next billing tick does)");
}

/* CPU the job used that its client has not been billed for yet. */
static uint64_t job_unbilled_cpu(Job *j) {
        uint64_t cpu = job_cpu_usec(j);
        return cpu > j->cpu_billed_usec ? cpu - j->cpu_billed_usec : 0;
}

Job *job_free(Job *j) {
        bool was_running;
        int r;

        if (!j)
                return NULL;
        JobManager *m = j->manager;
        was_running = j->status == JOB_RUNNING;
        if (m) {
                uint64_t now = manager_now(m);
                if (j->status == JOB_QUEUED) {
                        r = fair_scheduler_cancel(m->fair, &j->fair, now);
                        if (r < 0)
                                log_debug_errno(r, "Cannot take job %s out of the queue, ignoring", j->id);
                        m->n_queued--;
                }
                if (was_running) {
                        /* Killed because its client went away: bill what it used all the same. */
                        r = fair_scheduler_finish(m->fair, &j->fair, job_unbilled_cpu(j), now);
                        if (r < 0)
                                log_debug_errno(r, "Cannot bill job %s's last CPU, ignoring", j->id);
                        m->n_running--;
                }
                LIST_REMOVE(m->jobs, j);
        }
        runner_job_free(j->runner_job);
        held_box_free(j->archive);
        held_box_free(j->listing);
        held_box_free(j->streams[0]);
        held_box_free(j->streams[1]);
        sd_event_source_disable_unref(j->expire_source);
        if (j->free_attachment)
                j->free_attachment(j->attachment);
        spec_done(j);
        strv_free(j->argv);
        strv_free(j->envp);
        strv_free(j->output_patterns);
        strv_free(j->compile_argv);
        free(j->code_name);
        judge_spec_free(j->judge);
        seal_recipients_free(j->seal_to);
        free(j->interpreter);
        free(j);
        /* A slot opened. */
        if (m && was_running)
                manager_add_to_run_queue(m);
        return NULL;
}

static uint64_t buffer_bytes(const CappedBuffer *b) {
        return b->allocated;
}

/* RAM a job holds in the daemon: its upload while it waits, its output once it ran. */
static uint64_t job_held_bytes(Job *j) {
        uint64_t n = 0;
        struct stat st;

        if (j->spec.bundle_fd >= 0 && fstat(j->spec.bundle_fd, &st) >= 0)
                n += st.st_size;
        if (j->spec.code_fd >= 0 && fstat(j->spec.code_fd, &st) >= 0)
                n += st.st_size;
        if (j->runner_job)
                n += buffer_bytes(runner_job_stdout(j->runner_job)) + buffer_bytes(runner_job_stderr(j->runner_job)) +
                     buffer_bytes(runner_job_archive(j->runner_job)) + buffer_bytes(runner_job_listing(j->runner_job));
        if (j->archive)
                n += held_box_allocated(j->archive);
        if (j->listing)
                n += held_box_allocated(j->listing);
        for (size_t i = 0; i < ELEMENTSOF(j->streams); i++)
                if (j->streams[i])
                        n += held_box_allocated(j->streams[i]);
        /* An upload counts as its size whether a memfd or encrypted holds it (the tags add 0.1%), so that
         * waiting does not change what it was admitted for. */
        for (size_t i = 0; i < ELEMENTSOF(j->uploads); i++)
                if (j->uploads[i])
                        n += held_box_size(j->uploads[i]);
        return n;
}

static void job_finish(Job *j, JobStatus status);

/* The newest queued job of a client is given up for another client's room (share.h). It is failed, not
 * freed: whoever waits for it (a /run request, a client polling a batch job) learns why. */
static void job_drop(Job *j) {
        JobManager *m = j->manager;

        assert(j->status == JOB_QUEUED);
        m->n_queued--;
        j->dropped = true;
        /* Its upload goes now: that is the room. */
        spec_done(j);
        j->launch_failure = (RunnerResult) {
                .exit_code = -1,
                .reason = JOB_REASON_LAUNCH,
                .error = "dropped from the queue: the server was full and your address held more than its "
                         "share; retry later",
        };
        job_finish(j, JOB_FAILED);
}

/* The scheduler took the job out of its queue (FAIR_JOB_DONE) for another client's place. */
static void on_fair_drop(FairJob *fj, void *userdata) {
        job_drop(fj->userdata);
}

/* What each client holds: one entry per client key, with its newest queued job, if any. */
typedef struct HeldByKey {
        ClientKey key;
        Job *newest_queued;
} HeldByKey;

static size_t held_key_index(HeldByKey *keys, ShareUse *uses, size_t *n, const ClientKey *key) {
        for (size_t i = 0; i < *n; i++)
                if (client_key_equal(&keys[i].key, key))
                        return i;
        keys[*n] = (HeldByKey) { .key = *key };
        uses[*n] = (ShareUse) {};
        return (*n)++;
}

/* Decides, for `need` more bytes held for client, as share_decide() does, over every job and hold. */
static int manager_decide_held(JobManager *m, const ClientKey *client, uint64_t need, Job **ret_victim) {
        _cleanup_free_ HeldByKey *keys = NULL;
        _cleanup_free_ ShareUse *uses = NULL;
        size_t n_entries = 1, n = 0, victim;

        for (Job *j = m->jobs; j; j = j->next)
                n_entries++;
        for (JobHold *h = m->holds; h; h = h->next)
                n_entries++;
        keys = calloc(n_entries, sizeof(HeldByKey));
        uses = calloc(n_entries, sizeof(ShareUse));
        if (!keys || !uses)
                return -ENOMEM;

        size_t requester = held_key_index(keys, uses, &n, client);
        /* The list is newest first: the first queued job seen of a client is its newest. */
        for (Job *j = m->jobs; j; j = j->next) {
                size_t i = held_key_index(keys, uses, &n, &j->client);
                uses[i].used += job_held_bytes(j);
                if (j->status == JOB_QUEUED && !keys[i].newest_queued) {
                        keys[i].newest_queued = j;
                        uses[i].reclaimable = true;
                }
        }
        for (JobHold *h = m->holds; h; h = h->next)
                uses[held_key_index(keys, uses, &n, &h->client)].used += h->bytes;

        ShareDecision d = share_decide(uses, n, requester, need, m->config.memory_max, &victim);
        if (d == SHARE_RECLAIM)
                *ret_victim = keys[victim].newest_queued;
        return d;
}

/* Makes room for `need` more bytes held for client in its share of --held-max: 0 when there is (queued
 * jobs of clients most beyond their share may have been dropped for it), 1 with *ret_refusal when not. */
static int manager_make_room(JobManager *m, const ClientKey *client, uint64_t need, FairRefusal *ret_refusal) {
        /* Finished results expire within the batch TTL, which is when room comes back for sure. */
        uint64_t retry = MAX(m->config.finished_ttl_usec / USEC_PER_SEC, (uint64_t) 1);
        Job *victim;
        int r;

        if (m->config.memory_max == 0 || need == 0)
                return 0;
        /* The common case, without sorting anybody into keys: room for it. */
        uint64_t held = job_manager_held_bytes(m);
        for (JobHold *h = m->holds; h; h = h->next)
                held += h->bytes;
        if (held <= m->config.memory_max && need <= m->config.memory_max - held)
                return 0;
        for (;;) {
                r = manager_decide_held(m, client, need, &victim);
                if (r < 0)
                        return r;
                switch (r) {
                case SHARE_FITS:
                        return 0;
                case SHARE_RECLAIM:
                        r = fair_scheduler_cancel(m->fair, &victim->fair, manager_now(m));
                        if (r < 0)
                                return r;
                        job_drop(victim);
                        break;
                case SHARE_REFUSE_BEYOND_SHARE:
                        *ret_refusal = (FairRefusal) {
                                .http_status = 429,
                                .retry_after_sec = retry,
                                .reason = "your address holds more than its share of the server's memory for "
                                          "uploads and results; retry when some are downloaded or expired",
                        };
                        return 1;
                default:
                        *ret_refusal = (FairRefusal) {
                                .http_status = 503,
                                .retry_after_sec = retry,
                                .reason = "the server's memory for uploads and results is full",
                        };
                        return 1;
                }
        }
}

/* Holds are counted in steps of 1/1024 of memory_max (1 MiB of 1 GiB), so that an upload asks the
 * manager once per step, not once per read. */
static uint64_t hold_step(const JobManager *m) {
        return MAX(m->config.memory_max >> 10, (uint64_t) 1);
}

int job_hold_grow(JobManager *m, JobHold *h, const ClientKey *client, uint64_t bytes, FairRefusal *ret_refusal) {
        int r;

        if (!h->manager) {
                h->manager = m;
                h->client = *client;
                h->bytes = h->used = 0;
                LIST_PREPEND(m->holds, h);
        }
        if (bytes <= h->bytes - h->used) {
                h->used += bytes;
                return 0;
        }
        uint64_t missing = bytes - (h->bytes - h->used);
        uint64_t unit = hold_step(m);
        uint64_t step = missing > UINT64_MAX - unit ? missing : (missing + unit - 1) / unit * unit;
        r = manager_make_room(m, &h->client, step, ret_refusal);
        if (r != 0)
                return r;
        h->bytes += step;
        h->used += bytes;
        return 0;
}

void job_hold_release(JobHold *h) {
        if (!h || !h->manager)
                return;
        LIST_REMOVE(h->manager->holds, h);
        h->manager = NULL;
        h->bytes = h->used = 0;
}
static int on_expire(sd_event_source *s, uint64_t usec, void *userdata) {
        job_free(userdata);
        return 0;
}

/* A batch job's packed outputs wait to be downloaded encrypted, under a key of their own that goes with
 * them (held-box.h); the plaintext is wiped. If that cannot be done they stay as they are. */
static void job_hold_archive(Job *j) {
        const CappedBuffer *a = runner_job_archive(j->runner_job), *l = runner_job_listing(j->runner_job);
        int r;

        receipt_sha256_hex(a->data ?: "", a->len, j->archive_sha256);
        r = held_box_new_from(&j->archive, a->data ?: "", a->len);
        if (r >= 0)
                r = held_box_new_from(&j->listing, l->data ?: "", l->len);
        if (r < 0) {
                log_debug_errno(r, "Cannot encrypt job %s's outputs, keeping them as they are", j->id);
                j->archive = held_box_free(j->archive);
                return;
        }
        runner_job_discard_archive(j->runner_job);
}

/* Likewise its stdout and stderr, which wait for /logs; both or neither. */
static void job_hold_streams(Job *j) {
        const CappedBuffer *b[2] = { runner_job_stdout(j->runner_job), runner_job_stderr(j->runner_job) };
        int r = 0;

        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(b); i++) {
                receipt_sha256_hex(b[i]->data ?: "", b[i]->len, j->streams_sha256[i]);
                r = held_box_new_from(&j->streams[i], b[i]->data ?: "", b[i]->len);
        }
        if (r < 0) {
                log_debug_errno(r, "Cannot encrypt job %s's output, keeping it as it is", j->id);
                j->streams[0] = held_box_free(j->streams[0]);
                j->streams[1] = held_box_free(j->streams[1]);
                return;
        }
        runner_job_discard_streams(j->runner_job);
}

static void job_finish(Job *j, JobStatus status) {
        JobManager *m = j->manager;
        int r;

        if (j->status == JOB_RUNNING) {
                r = fair_scheduler_finish(m->fair, &j->fair, job_unbilled_cpu(j), manager_now(m));
                if (r < 0)
                        log_debug_errno(r, "Cannot bill job %s's last CPU, ignoring", j->id);
                j->cpu_billed_usec += job_unbilled_cpu(j);
                m->n_running--;
        }
        j->status = status;
        j->finished_usec = manager_now(m);

        if (m->finished_hook)
                m->finished_hook(j, m->finished_userdata);
        if (j->kept && j->runner_job && status == JOB_COMPLETED)
                job_hold_archive(j);
        if (j->kept && j->runner_job)
                job_hold_streams(j);
        /* Finished results are never deleted early for others' room: only downloading or this timer
         * ends them. */
        if (j->kept && m->config.finished_ttl_usec > 0) {
                r = sd_event_add_time_relative(m->event, &j->expire_source, CLOCK_MONOTONIC,
                                               m->config.finished_ttl_usec, 0, on_expire, j);
                if (r < 0)
                        log_debug_errno(r, "Cannot arm job %s's expiry timer, ignoring", j->id);
        }

        job_handler_t h = j->done_handler;
        j->done_handler = NULL;
        /* The handler may free the job; nothing of it is touched after. */
        if (h)
                h(j, j->done_userdata);
        manager_add_to_run_queue(m);
}

static void on_runner_change(RunnerJob *rj, void *userdata) {
        Job *j = userdata;
        const RunnerResult *res = runner_job_result(rj);

        if (!res)
                return; /* became RUNNING: nothing to do */
        job_finish(j, res->completed ? JOB_COMPLETED : JOB_FAILED);
}

static void on_runner_output(RunnerJob *rj, int fd, const void *data, size_t len, void *userdata) {
        Job *j = userdata;

        if (j->output_handler)
                j->output_handler(j, fd, data, len, j->output_userdata);
}

static const char *const upload_names[] = { "code", "stdin", "upload" };

static int *upload_fd(Job *j, size_t i) {
        return i == 0 ? &j->spec.code_fd : i == 1 ? &j->spec.stdin_fd : &j->spec.bundle_fd;
}

/* A job that has to wait keeps its uploads encrypted meanwhile (held-box.h): each memfd is read into a
 * box and closed; job_start() makes them anew. One that cannot be is left as it is. */
static void job_hold_uploads(Job *j) {
        for (size_t i = 0; i < ELEMENTSOF(j->uploads); i++) {
                int *fd = upload_fd(j, i);
                struct stat st;
                int r;

                if (*fd < 0 || fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                _cleanup_(wipe_freep) char *buf = malloc(MAX((size_t) st.st_size, (size_t) 1));
                if (!buf)
                        return;
                ssize_t n = loop_pread(*fd, buf, (size_t) st.st_size, 0);
                if (n != st.st_size) {
                        log_debug("Cannot read job %s's %s, keeping it as it is", j->id, upload_names[i]);
                        continue;
                }
                r = held_box_new_from(&j->uploads[i], buf, (size_t) n);
                if (r < 0) {
                        log_debug_errno(r, "Cannot encrypt job %s's %s, keeping it as it is", j->id, upload_names[i]);
                        continue;
                }
                *fd = safe_close(*fd);
        }
}

/* The memfds the runner gets, decrypted from the boxes; -errno if one cannot be made. */
static int job_restore_uploads(Job *j) {
        for (size_t i = 0; i < ELEMENTSOF(j->uploads); i++) {
                if (!j->uploads[i])
                        continue;
                size_t len = (size_t) held_box_size(j->uploads[i]);
                _cleanup_(wipe_freep) char *buf = malloc(MAX(len, (size_t) 1));
                if (!buf)
                        return -ENOMEM;
                ssize_t n = held_box_read(j->uploads[i], 0, buf, len);
                if (n < 0)
                        return (int) n;
                int fd = memfd_new_sealed(upload_names[i], buf, (size_t) n);
                if (fd < 0)
                        return fd;
                *upload_fd(j, i) = fd;
                j->uploads[i] = held_box_free(j->uploads[i]);
        }
        return 0;
}

/* The public id: the scope's, then "-<node>" on a host with a node name. */
static void job_set_id(Job *j, const JobManager *m, const char hex_id[static 33]) {
        if (hex_id != j->hex_id)
                memcpy(j->hex_id, hex_id, sizeof(j->hex_id));
        if (m->config.node_name)
                snprintf(j->id, sizeof(j->id), "%s-%s", j->hex_id, m->config.node_name);
        else
                memcpy(j->id, j->hex_id, sizeof(j->hex_id));
}

static unsigned manager_client_running(const JobManager *m, const ClientKey *client) {
        unsigned n = 0;

        for (const Job *j = m->jobs; j; j = j->next)
                n += j->status == JOB_RUNNING && client_key_equal(&j->client, client);
        return n;
}

/*
 * A job that starts as it arrives, before anyone saw its id, runs under a warm sandbox's id if one is
 * ready (runner.h), and so in that sandbox, already in its scope. Warm sandboxes are everyone's: a client
 * takes one only while more are ready than it has other jobs running, so that one address sending jobs
 * back to back leaves the others at least as many as it may run at once.
 */
static void job_take_warm_id(Job *j) {
        JobManager *m = j->manager;
        char id[33];

        if (!j->id_unseen)
                return;
        /* This job counts as running already. */
        if (runner_n_warm_ready(m->runner) < manager_client_running(m, &j->client))
                return;
        if (runner_take_warm_id(m->runner, &j->spec, id) <= 0)
                return;
        job_set_id(j, m, id);
}

static void job_start(Job *j) {
        JobManager *m = j->manager;
        int r;

        /* Billing ticks only while something runs; an idle daemon sleeps. */
        r = sd_event_source_set_enabled(m->billing_source, SD_EVENT_ON);
        if (r < 0)
                log_debug_errno(r, "Cannot enable CPU billing, ignoring");

        m->n_queued--;
        m->n_running++;
        j->status = JOB_RUNNING;
        j->quota_applied = m->config.default_cpu_quota;
        j->spec.argv = j->argv;
        j->spec.envp = j->envp;
        j->spec.output_patterns = j->output_patterns;
        j->spec.compile_argv = j->compile_argv;
        j->spec.test_stdin_fds = j->test_stdin_fds;
        j->spec.code_name = j->code_name;
        job_take_warm_id(j);
        j->spec.id = j->hex_id;

        r = job_restore_uploads(j);
        if (r >= 0)
                r = runner_start(m->runner, &j->spec, on_runner_change, j, &j->runner_job);
        else {
                j->spec.code_fd = safe_close(j->spec.code_fd);
                j->spec.stdin_fd = safe_close(j->spec.stdin_fd);
                j->spec.bundle_fd = safe_close(j->spec.bundle_fd);
        }
        /* The runner took the fds, whether it started or not. */
        j->spec.code_fd = j->spec.stdin_fd = j->spec.bundle_fd = -EBADF;
        if (r >= 0)
                runner_job_set_output_handler(j->runner_job, on_runner_output, j);
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

static void manager_start_queued(JobManager *m);

static int on_wakeup(sd_event_source *s, uint64_t usec, void *userdata) {
        manager_start_queued(userdata);
        return 0;
}

static int on_run_queue(sd_event_source *s, void *userdata) {
        manager_start_queued(userdata);
        return 0;
}

static void manager_start_queued(JobManager *m) {
        uint64_t now = manager_now(m);
        FairJob *fj;
        int r;

        if (m->shutting_down)
                return;
        while (fair_scheduler_start_next(m->fair, now, &fj) > 0)
                job_start(fj->userdata);

        /* A client waiting only for its budget to refill needs a nudge when it has. */
        uint64_t wake = fair_scheduler_next_wakeup(m->fair, manager_now(m));
        if (wake == UINT64_MAX)
                r = sd_event_source_set_enabled(m->wakeup_source, SD_EVENT_OFF);
        else {
                r = sd_event_source_set_time(m->wakeup_source, wake);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->wakeup_source, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                log_debug_errno(r, "Cannot arm the budget wake-up, ignoring");
}

/* Bills running jobs' CPU as it is used and throttles or restores them as their clients' budgets say. */
static int on_billing(sd_event_source *s, uint64_t usec, void *userdata) {
        JobManager *m = userdata;
        uint64_t now = manager_now(m), quota;
        int r;

        for (Job *j = m->jobs; j; j = j->next) {
                if (j->status != JOB_RUNNING || !j->runner_job)
                        continue;
                /* Also with no CPU used: that is how the scheduler learns a job sleeps. */
                uint64_t delta = job_unbilled_cpu(j);
                if (fair_scheduler_charge(m->fair, &j->fair, delta, now) >= 0)
                        j->cpu_billed_usec += delta;
                if (fair_scheduler_quota(m->fair, &j->fair, now, &quota) < 0)
                        continue;
                if (quota == FAIR_QUOTA_UNLIMITED || quota > m->config.default_cpu_quota)
                        quota = m->config.default_cpu_quota;
                if (quota == j->quota_applied || runner_job_state(j->runner_job) != RUNNER_JOB_RUNNING)
                        continue;
                r = runner_job_set_cpu_quota(j->runner_job, quota);
                if (r < 0)
                        log_debug_errno(r, "Cannot set job %s's CPU quota, trying again next tick", j->id);
                else
                        j->quota_applied = quota;
        }
        manager_start_queued(m);
        if (m->n_running == 0)
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        return sd_event_source_set_time_relative(s, BILLING_INTERVAL_USEC);
}

static int on_evict(sd_event_source *s, uint64_t usec, void *userdata) {
        JobManager *m = userdata;

        (void) fair_scheduler_evict_idle(m->fair, manager_now(m));
        return sd_event_source_set_time_relative(s, EVICT_INTERVAL_USEC);
}

int job_submit(JobManager *m, const RunnerJobSpec *spec, const char *interpreter, const ClientKey *client,
               bool kept, Job **ret, FairRefusal *ret_refusal) {
        _cleanup_(job_freep) Job *j = NULL;
        int r;

        j = calloc(1, sizeof(Job));
        if (!j) {
                /* The fds are ours whatever happens. */
                safe_close(spec->code_fd);
                safe_close(spec->stdin_fd);
                safe_close(spec->bundle_fd);
                for (size_t i = 0; i < spec->n_tests; i++)
                        spec->test_stdin_fds[i] = safe_close(spec->test_stdin_fds[i]);
                return -ENOMEM;
        }
        j->spec = *spec;
        j->spec.argv = j->spec.envp = j->spec.output_patterns = j->spec.compile_argv = NULL;
        /* The test cases' stdin fds are taken along with the others. */
        j->spec.test_stdin_fds = NULL;
        j->spec.n_tests = MIN(spec->n_tests, (size_t) RUNNER_TESTS_MAX);
        for (size_t i = 0; i < spec->n_tests; i++)
                if (i < RUNNER_TESTS_MAX)
                        j->test_stdin_fds[i] = TAKE_FD(spec->test_stdin_fds[i]);
                else
                        spec->test_stdin_fds[i] = safe_close(spec->test_stdin_fds[i]);
        j->status = JOB_QUEUED; /* not yet known to the manager: job_free leaves it alone */
        j->kept = kept;
        j->submitted_usec = manager_now(m);
        j->client = *client;

        r = refuse_if_unavailable(m, ret_refusal);
        if (r != 0)
                return r;
        r = job_id_generate(j->hex_id);
        if (r < 0)
                return r;
        job_set_id(j, m, j->hex_id);
        j->argv = strv_copy(spec->argv);
        j->interpreter = strdup(interpreter ?: "");
        j->code_name = spec->code_name ? strdup(spec->code_name) : NULL;
        if (!j->argv || !j->interpreter || (spec->code_name && !j->code_name))
                return -ENOMEM;
        if (spec->envp && !(j->envp = strv_copy(spec->envp)))
                return -ENOMEM;
        if (spec->output_patterns && !(j->output_patterns = strv_copy(spec->output_patterns)))
                return -ENOMEM;
        if (spec->compile_argv && !(j->compile_argv = strv_copy(spec->compile_argv)))
                return -ENOMEM;

        /* What its upload or code takes of the client's share of the memory held (a /submit's upload was
         * held on its way in: the caller lets go of that hold first). */
        r = manager_make_room(m, &j->client, job_held_bytes(j), ret_refusal);
        if (r != 0)
                return r;
        /* What it counts against the running jobs' memory bound (a compile step counts as the run). */
        j->fair.memory_max = spec->memory_max > 0 ? MIN(spec->memory_max, m->config.job_memory_max) :
                m->config.job_memory_max;
        j->fair.held_reserve = m->config.job_held_reserve +
                (strv_length(spec->output_patterns) > 0 ? m->config.job_packed_reserve : 0);
        r = fair_scheduler_enqueue(m->fair, &j->client, &j->fair, j, manager_now(m), ret_refusal);
        if (r != 0)
                return r;

        j->manager = m;
        m->n_queued++;
        LIST_PREPEND(m->jobs, j);

        /* The caller owns the job even if it fails to start right here; its status then says so. */
        *ret = TAKE_PTR(j);
        (*ret)->id_unseen = true;
        manager_start_queued(m);
        (*ret)->id_unseen = false;
        if ((*ret)->status == JOB_QUEUED)
                job_hold_uploads(*ret);
        return 0;
}

void job_set_judge(Job *j, JudgeSpec *judge) {
        judge_spec_free(j->judge);
        j->judge = judge;
}

const JudgeSpec *job_judge(const Job *j) {
        return j->judge;
}

void job_set_seal_to(Job *j, SealRecipients *seal_to) {
        seal_recipients_free(j->seal_to);
        j->seal_to = seal_to;
}

const SealRecipients *job_seal_to(const Job *j) {
        return j->seal_to;
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

bool job_is_kept(const Job *j) {
        return j->kept;
}

bool job_was_dropped(const Job *j) {
        return j->dropped;
}

const ClientKey *job_client(const Job *j) {
        return &j->client;
}

int job_queue_status(Job *j, unsigned *ret_position, uint64_t *ret_eta_realtime_usec) {
        FairJobStatus st;
        uint64_t now;
        int r;

        if (j->status != JOB_QUEUED || !j->manager)
                return -ENOENT;
        now = manager_now(j->manager);
        r = fair_scheduler_job_status(j->manager->fair, &j->fair, now, &st);
        if (r < 0)
                return r;
        uint64_t realtime = 0;
        (void) sd_event_now(j->manager->event, CLOCK_REALTIME, &realtime);
        *ret_position = st.queue_position;
        *ret_eta_realtime_usec = realtime + (st.estimated_start_usec > now ? st.estimated_start_usec - now : 0);
        return 0;
}

uint64_t job_cpu_usec(Job *j) {
        const RunnerResult *res;
        uint64_t v;

        if (!j->runner_job)
                return 0;
        res = runner_job_result(j->runner_job);
        if (res)
                return res->has_cpu ? res->cpu_usec : j->cpu_billed_usec;
        return runner_job_cpu_usec(j->runner_job, &v) >= 0 ? v : j->cpu_billed_usec;
}

RunnerJob *job_runner_job(Job *j) {
        return j->runner_job;
}

const RunnerResult *job_result(const Job *j) {
        if (j->status != JOB_COMPLETED && j->status != JOB_FAILED)
                return NULL;
        return j->runner_job ? runner_job_result(j->runner_job) : &j->launch_failure;
}

uint64_t job_submitted_usec(const Job *j) {
        return j->submitted_usec;
}

uint64_t job_manager_held_bytes(JobManager *m) {
        uint64_t held = 0;

        for (Job *j = m->jobs; j; j = j->next)
                held += job_held_bytes(j);
        return held;
}

void job_set_output_handler(Job *j, job_output_handler_t handler, void *userdata) {
        j->output_handler = handler;
        j->output_userdata = userdata;
}

void job_set_attachment(Job *j, void *data, void (*free_func)(void *data)) {
        if (j->free_attachment)
                j->free_attachment(j->attachment);
        j->attachment = data;
        j->free_attachment = free_func;
}

void *job_attachment(const Job *j) {
        return j->attachment;
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

unsigned job_manager_n_busy(const JobManager *m) {
        FairStats stats;

        fair_scheduler_get_stats(m->fair, &stats);
        return stats.n_busy;
}

bool job_node_name_is_valid(const char *name) {
        size_t n = strlen(name);
        return n >= 1 && n <= JOB_NODE_NAME_MAX && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789") == n;
}

void job_manager_set_draining(JobManager *m, bool draining) {
        m->draining = draining;
}

bool job_manager_is_draining(const JobManager *m) {
        return m->draining;
}

bool job_manager_can_run(JobManager *m) {
        return !m->shutting_down && runner_is_usable(m->runner);
}

int job_manager_admit(JobManager *m, const ClientKey *client, FairRefusal *ret_refusal) {
        int r = refuse_if_unavailable(m, ret_refusal);
        if (r != 0)
                return r;
        return fair_scheduler_admit(m->fair, client, manager_now(m), ret_refusal);
}

int64_t job_manager_budget_remaining(JobManager *m, const ClientKey *client) {
        return fair_scheduler_budget_remaining(m->fair, client, manager_now(m));
}

void job_manager_shutdown(JobManager *m) {
        m->shutting_down = true;
}

void job_manager_set_finished_hook(JobManager *m, job_handler_t hook, void *userdata) {
        m->finished_hook = hook;
        m->finished_userdata = userdata;
}

JobManager *job_manager_free(JobManager *m) {
        if (!m)
                return NULL;
        /* Every job leaves the scheduler before it goes. */
        while (m->jobs) {
                Job *j = m->jobs;
                j->done_handler = NULL;
                j->kept = false;
                job_free(j);
        }
        sd_event_source_disable_unref(m->billing_source);
        sd_event_source_disable_unref(m->wakeup_source);
        sd_event_source_disable_unref(m->evict_source);
        sd_event_source_disable_unref(m->run_queue_source);
        /* Holders outlive nothing they point at. */
        while (m->holds)
                job_hold_release(m->holds);
        fair_scheduler_free(m->fair);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

int job_manager_new(JobManager **ret, sd_event *event, Runner *runner, const JobManagerConfig *config) {
        _cleanup_(job_manager_freep) JobManager *m = NULL;
        sd_id128_t key;
        int r;

        if (config->node_name && !job_node_name_is_valid(config->node_name))
                return -EINVAL;
        m = calloc(1, sizeof(JobManager));
        if (!m)
                return -ENOMEM;
        m->event = sd_event_ref(event);
        m->runner = runner;
        m->config = *config;

        /* A secret hash key, so that nobody can pick addresses that collide in the client table. */
        _Static_assert(sizeof(key.bytes) == SIPHASH24_KEY_SIZE, "a 128-bit id is a siphash key");
        r = sd_id128_randomize(&key);
        if (r < 0)
                return r;
        r = fair_scheduler_new(&m->fair, &config->fair, key.bytes);
        if (r < 0)
                return r;
        fair_scheduler_set_drop_handler(m->fair, on_fair_drop, m);
        r = sd_event_add_time_relative(event, &m->billing_source, CLOCK_MONOTONIC, BILLING_INTERVAL_USEC, 0,
                                       on_billing, m);
        if (r < 0)
                return r;
        /* Billing and throttling are job limits: they come before reading jobs' pipes (pipe-drain.h). */
        r = sd_event_source_set_priority(m->billing_source, SD_EVENT_PRIORITY_IMPORTANT);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(m->billing_source, SD_EVENT_OFF);
        if (r < 0)
                return r;
        /* 10 ms accuracy: sd-event's default of 250 ms would keep a refilled client waiting that long. */
        r = sd_event_add_time(event, &m->wakeup_source, CLOCK_MONOTONIC, 0, 10 * USEC_PER_MSEC, on_wakeup, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(m->wakeup_source, SD_EVENT_OFF);
        r = sd_event_add_time_relative(event, &m->evict_source, CLOCK_MONOTONIC, EVICT_INTERVAL_USEC, 0,
                                       on_evict, m);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(m->evict_source, SD_EVENT_ON);
        if (r < 0)
                return r;
        r = sd_event_add_defer(event, &m->run_queue_source, on_run_queue, m);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(m->run_queue_source, SD_EVENT_OFF);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

HeldBox *job_archive(Job *j) {
        return j->archive;
}

HeldBox *job_listing(Job *j) {
        return j->listing;
}

HeldBox *job_take_archive(Job *j) {
        return TAKE_PTR(j->archive);
}

const char *job_archive_sha256(const Job *j) {
        return j->archive ? j->archive_sha256 : NULL;
}

ssize_t job_stream_read(Job *j, int fd, uint64_t offset, void *buf, size_t max, uint64_t *ret_size) {
        assert(fd == STDOUT_FILENO || fd == STDERR_FILENO);
        HeldBox *held = j->streams[fd - 1];

        if (held) {
                if (ret_size)
                        *ret_size = held_box_size(held);
                return max > 0 ? held_box_read(held, offset, buf, max) : 0;
        }
        const CappedBuffer *b = !j->runner_job ? NULL : fd == STDOUT_FILENO ? runner_job_stdout(j->runner_job)
                                                                            : runner_job_stderr(j->runner_job);
        size_t len = b ? b->len : 0, n = offset < len ? MIN(max, len - (size_t) offset) : 0;
        if (ret_size)
                *ret_size = len;
        if (n > 0)
                memcpy(buf, b->data + offset, n);
        return (ssize_t) n;
}

const char *job_stream_sha256(const Job *j, int fd) {
        assert(fd == STDOUT_FILENO || fd == STDERR_FILENO);
        return j->streams[fd - 1] ? j->streams_sha256[fd - 1] : NULL;
}
