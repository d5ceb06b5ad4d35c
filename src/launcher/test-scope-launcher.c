/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The scope launcher against a fake systemd on a socketpair, through PID 1 re-executions at every point of a
 * start: each scenario says what the fake does and what the start must come to, and how soon. The fake keeps
 * its units and start jobs across a "re-execution" (it drops the connection, as PID 1 does), and a start job
 * puts the process in its scope some time after it was made, as systemd's run queue does after a re-exec.
 */

#include <sys/socket.h>
#include <time.h>

#include "log-sink.h"
#include "runner.h"
#include "scope-launcher.h"
#include "tests.h"

#define TIMEOUT_USEC (2 * USEC_PER_SEC)
#define JOB_USEC (100 * USEC_PER_MSEC)
/* Whatever does not wait for the start's deadline ends well before it, even on a loaded machine. */
#define FAST_USEC (TIMEOUT_USEC / 2)

typedef enum Drop {
        DROP_NEVER,
        DROP_AFTER_REPLY,       /* answers the first start, then re-executes before its job runs */
        DROP_UNANSWERED,        /* makes the unit and its job, then re-executes before answering */
        DROP_UNREAD,            /* re-executes before it reads the first start */
} Drop;

typedef struct Scenario {
        const char *name;
        Drop drop;
        unsigned drops;         /* re-executions (the later ones while the launcher resynchronises) */
        bool silent;            /* never answers a start nor runs its job */
        bool attach_silently;   /* ... but the process lands in its scope anyway */
        unsigned failing_jobs;  /* so many start jobs fail, the first ones */
        bool collected;         /* a failed unit is collected at once (CollectMode=inactive-or-failed) */
        bool give_up;           /* the start is given up, its unit stopped, while the connection is down */
        int error;              /* what the start must come to */
        bool at_deadline;       /* ... at its deadline, or well before */
} Scenario;

typedef struct FakeUnit {
        char name[128];
        bool exists, attached, failed;
        uint32_t job_id;        /* start job still to run; 0: none */
} FakeUnit;

typedef struct Fake {
        const Scenario *scenario;
        sd_event *event;
        sd_bus *server, *client;
        ScopeLauncher *launcher;
        ScopeStart **start;
        FakeUnit units[4];
        uint32_t next_job;
        unsigned n_starts, n_drops, n_stops, n_failed_jobs;
        /* what the launcher told */
        bool done;
        int error;
        uint64_t started, finished;
} Fake;

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static FakeUnit *fake_unit(Fake *f, const char *name, bool create) {
        for (size_t i = 0; i < ELEMENTSOF(f->units); i++)
                if (f->units[i].exists && strcmp(f->units[i].name, name) == 0)
                        return &f->units[i];
        if (!create)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(f->units); i++)
                if (!f->units[i].exists) {
                        f->units[i] = (FakeUnit) { .exists = true };
                        snprintf(f->units[i].name, sizeof(f->units[i].name), "%s", name);
                        return &f->units[i];
                }
        abort();
}

static int fake_membership(const ScopeSpec *spec, void *userdata) {
        FakeUnit *u = fake_unit(userdata, spec->unit, false);

        return u && u->attached;
}

static void job_path(uint32_t id, char *buf, size_t size) {
        snprintf(buf, size, "/org/freedesktop/systemd1/job/%" PRIu32, id);
}

typedef struct FakeJob {
        Fake *fake;
        FakeUnit *unit;
        uint32_t id;
} FakeJob;

/* The run queue: the start job puts the process in the scope and says so to whoever is connected now. */
static int on_job_run(sd_event_source *source, uint64_t usec, void *userdata) {
        FakeJob *job = userdata;
        Fake *f = job->fake;
        FakeUnit *u = job->unit;
        char path[64];

        if (u->exists && u->job_id == job->id) {
                u->job_id = 0;
                u->failed = f->n_failed_jobs < f->scenario->failing_jobs;
                u->attached = !u->failed;
                f->n_failed_jobs += u->failed;
                u->exists = !(u->failed && f->scenario->collected);
                job_path(job->id, path, sizeof(path));
                if (f->server)
                        ASSERT_OK(sd_bus_emit_signal(f->server, "/org/freedesktop/systemd1",
                                                     "org.freedesktop.systemd1.Manager", "JobRemoved", "uoss",
                                                     job->id, path, u->name, u->failed ? "failed" : "done"));
        }
        free(job);
        sd_event_source_unref(source);
        return 0;
}

static uint32_t fake_add_job(Fake *f, FakeUnit *u) {
        FakeJob *job = malloc(sizeof(FakeJob));

        ASSERT_TRUE(job);
        *job = (FakeJob) { .fake = f, .unit = u, .id = ++f->next_job };
        u->job_id = job->id;
        ASSERT_OK(sd_event_add_time_relative(f->event, NULL, CLOCK_MONOTONIC, JOB_USEC, 0, on_job_run, job));
        return job->id;
}

static int on_drop(sd_event_source *source, void *userdata) {
        Fake *f = userdata;

        /* PID 1 re-executes: the connection goes once what was written is flushed; units and jobs stay. */
        f->server = sd_bus_flush_close_unref(f->server);
        f->n_drops++;
        sd_event_source_unref(source);
        return 0;
}

static void fake_drop_soon(Fake *f) {
        ASSERT_OK(sd_event_add_defer(f->event, NULL, on_drop, f));
}

static int on_attach_silently(sd_event_source *source, uint64_t usec, void *userdata) {
        FakeUnit *u = userdata;

        u->attached = true;
        sd_event_source_unref(source);
        return 0;
}

static int method_start(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Fake *f = userdata;
        const Scenario *sc = f->scenario;
        const char *name, *mode;
        char path[64];
        FakeUnit *u;
        bool first = f->n_starts++ == 0;

        ASSERT_OK(sd_bus_message_read(m, "ss", &name, &mode));
        ASSERT_STREQ(mode, "fail");
        if (first && sc->drop == DROP_UNREAD) {
                fake_drop_soon(f);
                return 1;
        }
        if (fake_unit(f, name, false))
                return sd_bus_error_setf(ret_error, "org.freedesktop.systemd1.UnitExists",
                                         "Unit %s was already loaded or has a fragment file.", name);
        u = fake_unit(f, name, true);
        if (sc->silent) {
                if (sc->attach_silently)
                        ASSERT_OK(sd_event_add_time_relative(f->event, NULL, CLOCK_MONOTONIC, JOB_USEC, 0,
                                                             on_attach_silently, u));
                return 1;
        }
        job_path(fake_add_job(f, u), path, sizeof(path));
        if (first && sc->drop == DROP_UNANSWERED) {
                fake_drop_soon(f);
                return 1;
        }
        ASSERT_OK(sd_bus_reply_method_return(m, "o", path));
        if (first && sc->drop == DROP_AFTER_REPLY)
                fake_drop_soon(f);
        return 1;
}

static int method_list_units_by_names(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Fake *f = userdata;
        char **names = NULL;
        char path[64] = "/";

        ASSERT_OK(sd_bus_message_read_strv(m, &names));
        ASSERT_TRUE(names && names[0] && !names[1]);
        FakeUnit *u = fake_unit(f, names[0], false);
        if (u && u->job_id)
                job_path(u->job_id, path, sizeof(path));
        bool active = u && u->attached, failed = u && u->failed;
        ASSERT_OK(sd_bus_message_new_method_return(m, &reply));
        ASSERT_OK(sd_bus_message_append(reply, "a(ssssssouso)", 1, names[0], "", u ? "loaded" : "not-found",
                                        active ? "active" : failed ? "failed" : "inactive",
                                        active ? "running" : failed ? "failed" : "dead", "",
                                        "/org/freedesktop/systemd1/unit/x", u ? u->job_id : 0,
                                        u && u->job_id ? "start" : "", path));
        free(names[0]);
        free(names);
        return sd_bus_send(NULL, reply, NULL);
}

static int method_stop(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Fake *f = userdata;
        const char *name, *mode;
        FakeUnit *u;
        char path[64];

        ASSERT_OK(sd_bus_message_read(m, "ss", &name, &mode));
        f->n_stops++;
        u = fake_unit(f, name, false);
        if (!u)
                return sd_bus_error_setf(ret_error, "org.freedesktop.systemd1.NoSuchUnit", "Unit %s not loaded.",
                                         name);
        /* The stop job replaces a start job still waiting; the unit, stopped and empty, is collected. */
        u->exists = false;
        job_path(++f->next_job, path, sizeof(path));
        return sd_bus_reply_method_return(m, "o", path);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("StartTransientUnit", "ssa(sv)a(sa(sv))", "o", method_start, 0),
        SD_BUS_METHOD("ListUnitsByNames", "as", "a(ssssssouso)", method_list_units_by_names, 0),
        SD_BUS_METHOD("StopUnit", "ss", "o", method_stop, 0),
        SD_BUS_VTABLE_END
};

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

/* A new connection to the fake PID 1, as sandrun-runnerd makes one: a direct one, signals from systemd1. */
static void fake_connect(Fake *f) {
        int pair[2];
        sd_id128_t id;

        ASSERT_TRUE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) == 0);
        ASSERT_OK(sd_id128_randomize(&id));
        ASSERT_OK(sd_bus_new(&f->server));
        ASSERT_OK(sd_bus_set_fd(f->server, pair[0], pair[0]));
        ASSERT_OK(sd_bus_set_server(f->server, 1, id));
        ASSERT_OK(sd_bus_set_sender(f->server, "org.freedesktop.systemd1"));
        ASSERT_OK(sd_bus_add_object_vtable(f->server, NULL, "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", manager_vtable, f));
        ASSERT_OK(sd_bus_start(f->server));
        ASSERT_OK(sd_bus_attach_event(f->server, f->event, 0));

        ASSERT_OK(sd_bus_new(&f->client));
        ASSERT_OK(sd_bus_set_fd(f->client, pair[1], pair[1]));
        ASSERT_OK(sd_bus_start(f->client));
        ASSERT_OK(sd_bus_attach_event(f->client, f->event, 0));
        ASSERT_OK(sd_bus_match_signal(f->client, NULL, "org.freedesktop.DBus.Local",
                                      "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local", "Disconnected",
                                      on_disconnected, f));
}

static int on_reconnect(sd_event_source *source, void *userdata) {
        Fake *f = userdata;

        /* As sandrun-runnerd's on_reconnect: no connection first, then the new one. */
        ASSERT_OK(scope_launcher_set_bus(f->launcher, NULL));
        f->client = sd_bus_flush_close_unref(f->client);
        fake_connect(f);
        ASSERT_OK(scope_launcher_set_bus(f->launcher, f->client));
        /* Again while the launcher resynchronises: its second start answered UnitExists, the poll is on. */
        if (f->n_drops < f->scenario->drops)
                fake_drop_soon(f);
        sd_event_source_unref(source);
        return 0;
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Fake *f = userdata;

        /* As runner_job_free() of a job whose client left: while there is no connection to stop it on. */
        if (f->scenario->give_up && *f->start) {
                const char *unit = "sandrun-job-0123456789abcdef0123456789abcdef.scope";
                *f->start = scope_start_free(*f->start);
                ASSERT_OK(scope_launcher_stop(f->launcher, unit));
        }
        ASSERT_OK(sd_event_add_defer(f->event, NULL, on_reconnect, f));
        return 0;
}

static void on_started(ScopeStart *s, int error, const char *message, void *userdata) {
        Fake *f = userdata;

        ASSERT_TRUE(!f->done);
        f->done = true;
        f->error = error;
        f->finished = now_usec();
}

static void run_scenario(const Scenario *sc) {
        _cleanup_(scope_start_freep) ScopeStart *start = NULL;
        Fake f = { .scenario = sc, .start = &start };
        ScopeSpec spec = {
                .unit = "sandrun-job-0123456789abcdef0123456789abcdef.scope",
                .slice = "sandrun-test.slice",
                .pid = getpid(),
                .pidfd = -EBADF,
                .memory_max = 64 << 20,
                .tasks_max = 8,
                .cpu_quota_per_sec_usec = USEC_PER_SEC,
        };

        ASSERT_OK(sd_event_new(&f.event));
        fake_connect(&f);
        ASSERT_OK(scope_launcher_new(&f.launcher, f.event, f.client, TIMEOUT_USEC));
        scope_launcher_set_membership_check(f.launcher, fake_membership, &f);

        f.started = now_usec();
        ASSERT_OK(scope_launcher_start(f.launcher, &spec, on_started, &f, &start));
        while (!f.done && now_usec() < f.started + (sc->give_up ? 5 * JOB_USEC : 2 * TIMEOUT_USEC))
                ASSERT_OK(sd_event_run(f.event, 100 * USEC_PER_MSEC));
        if (sc->give_up) {
                /* Stopped once, on the new connection, before its start job ran: no scope is left. */
                fprintf(stderr, "%-56s %u stops, %u re-execs\n", sc->name, f.n_stops, f.n_drops);
                ASSERT_TRUE(!f.done);
                ASSERT_EQ(f.n_stops, 1);
                ASSERT_EQ(f.n_drops, 1);
                ASSERT_TRUE(!fake_unit(&f, spec.unit, false));
                goto finish;
        }

        uint64_t took = f.finished - f.started;
        fprintf(stderr, "%-56s %s after %4" PRIu64 " ms, %u re-execs\n", sc->name,
                !f.done ? "no answer" : f.error == 0 ? "in scope" : strerror(-f.error), took / USEC_PER_MSEC,
                f.n_drops);
        ASSERT_TRUE(f.done);
        ASSERT_EQ(f.error, sc->error);
        ASSERT_EQ(f.n_drops, sc->drop == DROP_NEVER ? 0 : MAX(sc->drops, 1u));
        if (sc->at_deadline)
                ASSERT_TRUE(took >= TIMEOUT_USEC - 10 * USEC_PER_MSEC);
        else
                ASSERT_TRUE(took < FAST_USEC);
        if (sc->error == 0)
                ASSERT_TRUE(fake_membership(&spec, &f) > 0);

finish:
        start = scope_start_free(start);
        f.launcher = scope_launcher_free(f.launcher);
        f.client = sd_bus_flush_close_unref(f.client);
        f.server = sd_bus_flush_close_unref(f.server);
        /* Pending fake jobs and timers are floating sources: they go with the loop. */
        sd_event_unref(f.event);
}

TEST(reexec) {
        static const Scenario scenarios[] = {
                { "no re-exec", DROP_NEVER },
                /* The CI failure: systemd answered the start, re-executed, and ran the job only after our
                 * reconnect, whose resent start was answered UnitExists. */
                { "re-exec after the answer", DROP_AFTER_REPLY },
                { "re-exec after the answer, twice", DROP_AFTER_REPLY, .drops = 2 },
                { "re-exec with the start taken, unanswered", DROP_UNANSWERED },
                { "re-exec before the start was read", DROP_UNREAD },
                /* Failed, and kept so: systemd would collect it (then as below); the deadline holds. */
                { "re-exec after the answer, the job fails", DROP_AFTER_REPLY, .failing_jobs = 1,
                  .error = -ETIMEDOUT, .at_deadline = true },
                /* Gone while our process waits for it: started anew. */
                { "re-exec after the answer, the job fails, unit collected", DROP_AFTER_REPLY,
                  .failing_jobs = 1, .collected = true },
                { "re-exec after the answer, every job fails", DROP_AFTER_REPLY, .failing_jobs = 99,
                  .collected = true, .error = -EIO },
                { "no answer, no job, but the process is in", DROP_NEVER, .silent = true,
                  .attach_silently = true, .at_deadline = true },
                /* The scope would come to be around an init killed meanwhile, and be kept. */
                { "re-exec after the answer, then given up", DROP_AFTER_REPLY, .give_up = true },
                { "no answer, nothing ever", DROP_NEVER, .silent = true, .error = -ETIMEDOUT,
                  .at_deadline = true },
        };

        for (size_t i = 0; i < ELEMENTSOF(scenarios); i++)
                run_scenario(&scenarios[i]);
}

TEST(unit_names) {
        ASSERT_TRUE(scope_unit_name_is_valid("sandrun-job-0123456789abcdef0123456789abcdef.scope"));
        ASSERT_TRUE(!scope_unit_name_is_valid("sandrun-job-x.service"));
        ASSERT_TRUE(!scope_unit_name_is_valid(".scope"));
        ASSERT_TRUE(!scope_unit_name_is_valid("a/b.scope"));
        ASSERT_TRUE(!scope_unit_name_is_valid("a b.scope"));
        char long_name[300];
        memset(long_name, 'a', sizeof(long_name));
        strcpy(long_name + 250, ".scope");
        ASSERT_TRUE(!scope_unit_name_is_valid(long_name));
}

TEST(reasons) {
        ASSERT_TRUE(job_reason_to_string(JOB_REASON_NONE) == NULL);
        ASSERT_STREQ(job_reason_to_string(JOB_REASON_TIMEOUT), "timeout");
        ASSERT_STREQ(job_reason_to_string(JOB_REASON_MEMORY), "memory");
        ASSERT_STREQ(job_reason_to_string(JOB_REASON_SIGNAL), "signal");
        ASSERT_STREQ(job_reason_to_string(JOB_REASON_LAUNCH), "launch");
}

/* SANDRUN_TEST_DEBUG=1 shows what the launcher says while it works. */
static void print_sink(int priority, int error, const char *message, void *userdata) {
        fprintf(stderr, "    %s%s%s\n", message, error ? ": " : "", error ? strerror(error) : "");
}

int main(void) {
        if (getenv("SANDRUN_TEST_DEBUG"))
                log_sink_set(print_sink, NULL);
        RUN(unit_names);
        RUN(reasons);
        RUN(reexec);
        return 0;
}
