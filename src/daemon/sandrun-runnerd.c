/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * sandrun-runnerd: the one sandrun process that talks to systemd. It holds a direct connection to PID 1
 * (/run/systemd/private, which only root may open), starts every job's scope and sandbox, and takes
 * orders only from the front (sandrund) over the runner protocol on the socket systemd passes
 * (sandrun-runner.socket). It is root-equivalent by construction: whatever may call StartTransientUnit
 * is. Its safety is in what it accepts, not in confinement.
 *
 * As root it maps each job's user namespace to a host uid of the job's own (--job-uid-range), which owns
 * nothing, and it locks its memory (memlock.h).
 */

#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "log-sink.h"
#include "log.h"
#include "option-error.h"
#include "check-limits.h"
#include "lock-memory.h"
#include "parse-util.h"
#include "runner-bus.h"
#include "runner-server.h"
#include "runner.h"
#include "warm-pool.h"

#define RECONNECT_USEC (100 * USEC_PER_MSEC)
#define BUS_AUTH_TIMEOUT_USEC (5 * USEC_PER_SEC)

static uint64_t now(clockid_t clock) {
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

typedef struct Options {
        const char *listen;
        const char *bus_address;
        const char *front_user;
        UidRange job_uids;
        const char *slice;
        const char *stage_path, *init_path;
        uint64_t memory_max, compile_memory_max, tasks_max, cpu_quota, timeout, output_max, test_output_max;
        uint64_t work_size, tmp_size, open_files;
        uint64_t max_jobs, max_connections, front_max_running;
        uint64_t pool_min, pool_max;
} Options;

static Options opts = {
        .bus_address = "unix:path=/run/systemd/private",
        .front_user = "sandrun",
        .job_uids = { .first = UID_POOL_DEFAULT_FIRST, .count = UID_POOL_DEFAULT_COUNT },
        .slice = "sandrun.slice",
        .stage_path = SANDRUN_LIBEXECDIR "/sandrun-stage",
        .init_path = SANDRUN_LIBEXECDIR "/sandrun-init",
        .memory_max = 512ULL << 20,
        .compile_memory_max = 1ULL << 30,
        .test_output_max = 64 << 10,
        .tasks_max = 64,
        .cpu_quota = 1000000,
        .timeout = 300 * USEC_PER_SEC,
        .output_max = 1 << 20,
        .work_size = 64 << 20,
        .tmp_size = 64 << 20,
        .open_files = 256,
        .max_jobs = 256,
        .max_connections = 4,
        .front_max_running = 0, /* 0: two per core, as sandrund's */
        .pool_min = WARM_POOL_MIN_DEFAULT,
        .pool_max = WARM_POOL_MAX_DEFAULT,
};

static void help(void) {
        printf("sandrun-runnerd " PACKAGE_VERSION " - starts sandrun's jobs for sandrund\n\n"
               "Usage: sandrun-runnerd [OPTIONS]\n\n"
               "  --listen PATH          listen on this AF_UNIX path instead of the socket systemd passes\n"
               "  --bus-address ADDRESS  how to reach PID 1 (default unix:path=/run/systemd/private)\n"
               "  --front-user NAME      the only user whose connections are served (default sandrun)\n"
               "  --job-uid-range A-B    host uids for jobs, one each (default " UID_POOL_DEFAULT_RANGE ")\n"
               "  --slice NAME           slice for job scopes (default sandrun.slice)\n"
               "  --memory-max SIZE      memory per job, tmpfs included (default 512M)\n"
               "  --compile-memory-max SIZE  memory of a compile step; the run gets --memory-max (default 1G)\n"
               "  --cpu-quota QUOTA      CPU per job, e.g. 100%% or 1.5 cores (default 100%%)\n"
               "  --tasks-max N          processes and threads per job (default 64)\n"
               "  --timeout DURATION     the longest wall-clock limit a job may ask for (default 300s)\n"
               "  --output-max SIZE      stdout and stderr kept per job, each (default 1M)\n"
               "  --test-output-max SIZE stdout and stderr kept per test case and compile, each (default 64K)\n"
               "  --work-size SIZE       size of a job's /work tmpfs (default 64M)\n"
               "  --tmp-size SIZE        size of a job's /tmp and /dev/shm tmpfs, each (default 64M)\n"
               "  --open-files N         open files per job process (default 256)\n"
               "  --max-jobs N           jobs at once, over all connections (default 256)\n"
               "  --front-max-running N  sandrund's --max-running: whose outputs we size our memory for\n"
               "                         (default two per core, as sandrund's)\n"
               "  --pool-min N           warm sandboxes kept ready when idle (default %u)\n"
               "  --pool-max N           warm sandboxes kept ready under load (default %u; 0: no pool)\n"
               "  --stage-path PATH      the sandrun-stage helper (default " SANDRUN_LIBEXECDIR "/sandrun-stage)\n"
               "  --init-path PATH       the sandrun-init helper, every job's PID 1 (default " SANDRUN_LIBEXECDIR "/sandrun-init)\n"
               "  -h --help              this help\n"
               "  --version              print the version\n\n"
               "The front may only lower these limits for a job, never raise them.\n",
               WARM_POOL_MIN_DEFAULT, WARM_POOL_MAX_DEFAULT);
}

static int parse_options(int argc, char **argv) {
        enum {
                ARG_LISTEN = 0x100, ARG_BUS, ARG_FRONT, ARG_JOB_UIDS, ARG_COMPILE_MEMORY, ARG_TEST_OUTPUT, ARG_SLICE, ARG_MEMORY, ARG_CPU, ARG_TASKS,
                ARG_TIMEOUT, ARG_OUTPUT, ARG_WORK, ARG_TMP, ARG_FILES, ARG_JOBS, ARG_STAGE, ARG_INIT, ARG_VERSION,
                ARG_POOL_MIN, ARG_POOL_MAX, ARG_FRONT_RUNNING,
        };
        static const struct option options[] = {
                { "listen", required_argument, NULL, ARG_LISTEN },
                { "bus-address", required_argument, NULL, ARG_BUS },
                { "front-user", required_argument, NULL, ARG_FRONT },
                { "job-uid-range", required_argument, NULL, ARG_JOB_UIDS },
                { "compile-memory-max", required_argument, NULL, ARG_COMPILE_MEMORY },
                { "test-output-max", required_argument, NULL, ARG_TEST_OUTPUT },
                { "slice", required_argument, NULL, ARG_SLICE },
                { "memory-max", required_argument, NULL, ARG_MEMORY },
                { "cpu-quota", required_argument, NULL, ARG_CPU },
                { "tasks-max", required_argument, NULL, ARG_TASKS },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "output-max", required_argument, NULL, ARG_OUTPUT },
                { "work-size", required_argument, NULL, ARG_WORK },
                { "tmp-size", required_argument, NULL, ARG_TMP },
                { "open-files", required_argument, NULL, ARG_FILES },
                { "max-jobs", required_argument, NULL, ARG_JOBS },
                { "front-max-running", required_argument, NULL, ARG_FRONT_RUNNING },
                { "stage-path", required_argument, NULL, ARG_STAGE },
                { "pool-min", required_argument, NULL, ARG_POOL_MIN },
                { "pool-max", required_argument, NULL, ARG_POOL_MAX },
                { "init-path", required_argument, NULL, ARG_INIT },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        int c, r = 0;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case ARG_LISTEN:
                        opts.listen = optarg;
                        break;
                case ARG_BUS:
                        opts.bus_address = optarg;
                        break;
                case ARG_FRONT:
                        opts.front_user = optarg;
                        break;
                case ARG_JOB_UIDS:
                        r = uid_range_parse(optarg, &opts.job_uids);
                        break;
                case ARG_COMPILE_MEMORY:
                        r = parse_job_memory_max(optarg, &opts.compile_memory_max);
                        break;
                case ARG_TEST_OUTPUT:
                        r = parse_size(optarg, &opts.test_output_max);
                        break;
                case ARG_SLICE:
                        opts.slice = optarg;
                        r = strlen(optarg) > 6 && strcmp(optarg + strlen(optarg) - 6, ".slice") == 0 ? 0 : -EINVAL;
                        break;
                case ARG_MEMORY:
                        r = parse_job_memory_max(optarg, &opts.memory_max);
                        break;
                case ARG_CPU:
                        r = parse_cpu_quota(optarg, &opts.cpu_quota);
                        break;
                case ARG_TASKS:
                        r = parse_job_tasks_max(optarg, &opts.tasks_max);
                        break;
                case ARG_TIMEOUT:
                        r = parse_job_timeout(optarg, &opts.timeout);
                        break;
                case ARG_OUTPUT:
                        r = parse_size(optarg, &opts.output_max);
                        break;
                case ARG_WORK:
                        r = parse_size(optarg, &opts.work_size);
                        break;
                case ARG_TMP:
                        r = parse_size(optarg, &opts.tmp_size);
                        break;
                case ARG_FILES:
                        r = parse_uint(optarg, 16, 1 << 20, &opts.open_files);
                        break;
                case ARG_JOBS:
                        r = parse_uint(optarg, 1, 100000, &opts.max_jobs);
                        break;
                case ARG_FRONT_RUNNING:
                        r = parse_uint(optarg, 1, 100000, &opts.front_max_running);
                        break;
                case ARG_POOL_MIN:
                        r = parse_uint(optarg, 0, WARM_POOL_SIZE_MAX, &opts.pool_min);
                        break;
                case ARG_POOL_MAX:
                        r = parse_uint(optarg, 0, WARM_POOL_SIZE_MAX, &opts.pool_max);
                        break;
                case ARG_STAGE:
                        opts.stage_path = optarg;
                        break;
                case ARG_INIT:
                        opts.init_path = optarg;
                        break;
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        puts(PACKAGE_VERSION);
                        return 0;
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return option_error("sandrun-runnerd", options, c, optarg, r);
        }
        if (optind < argc) {
                fprintf(stderr, "sandrun-runnerd: unexpected argument: %s\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

typedef struct Daemon {
        sd_event *event;
        sd_bus *bus;
        sd_bus_slot *disconnected_slot;
        sd_event_source *reconnect_source;
        Runner *runner;
        RunnerServer *server;
        uint64_t reconnects;
} Daemon;

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

/* Opens a connection to PID 1 with root's effective uid, which its private socket requires. */
static int bus_open(Daemon *d, sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        uid_t euid = geteuid();
        int r;

        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        r = sd_bus_set_address(bus, opts.bus_address);
        if (r < 0)
                return r;
        if (euid != 0 && seteuid(0) < 0)
                return -errno;
        /* Authentication happens after connect() and names our euid: wait for it while that is root. */
        r = sd_bus_start(bus);
        for (uint64_t deadline = now(CLOCK_MONOTONIC) + BUS_AUTH_TIMEOUT_USEC; r >= 0;) {
                r = sd_bus_is_ready(bus);
                if (r != 0)
                        break;
                r = sd_bus_process(bus, NULL);
                if (r == 0)
                        r = sd_bus_wait(bus, 50 * USEC_PER_MSEC);
                if (r >= 0 && now(CLOCK_MONOTONIC) > deadline)
                        r = -ETIMEDOUT;
        }
        if (euid != 0 && seteuid(euid) < 0)
                abort();        /* cannot happen: we just were euid; never go on as root by accident */
        if (r < 0)
                return r;
        r = sd_bus_attach_event(bus, d->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;
        r = sd_bus_match_signal(bus, &d->disconnected_slot, "org.freedesktop.DBus.Local",
                                "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local", "Disconnected",
                                on_disconnected, d);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

static int on_reconnect(sd_event_source *s, uint64_t usec, void *userdata) {
        Daemon *d = userdata;
        int r;

        if (d->bus) {
                /* Jobs starting now wait for the new connection; running ones go on regardless. */
                (void) runner_set_bus(d->runner, NULL);
                d->disconnected_slot = sd_bus_slot_unref(d->disconnected_slot);
                d->bus = sd_bus_flush_close_unref(d->bus);
        }
        /* bus_open() blocks the loop while PID 1 authenticates us: say how long, it delays every job. */
        uint64_t t0 = now(CLOCK_MONOTONIC);
        r = bus_open(d, &d->bus);
        log_debug("Connecting to systemd: %s after %" PRIu64 " ms", r < 0 ? strerror(-r) : "connected",
                  (now(CLOCK_MONOTONIC) - t0) / USEC_PER_MSEC);
        if (r < 0) {
                d->disconnected_slot = sd_bus_slot_unref(d->disconnected_slot);
                (void) sd_event_source_set_time_relative(s, RECONNECT_USEC);
                return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        }
        r = runner_set_bus(d->runner, d->bus);
        if (r < 0)
                return log_errno(LOG_ERR, r, "Cannot use the new connection to systemd");
        runner_server_resync(d->server);
        d->reconnects++;
        log_message(LOG_NOTICE, "Reconnected to systemd (reconnect %" PRIu64 ")", d->reconnects);
        return 0;
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Daemon *d = userdata;

        /* systemd re-executes (package upgrades do it) or restarts; come back as soon as it listens. */
        log_message(LOG_NOTICE, "Lost the connection to systemd, reconnecting");
        (void) sd_event_source_set_time_relative(d->reconnect_source, 0);
        (void) sd_event_source_set_enabled(d->reconnect_source, SD_EVENT_ONESHOT);
        return 0;
}

static int lookup_user(const char *name, uid_t *ret_uid, gid_t *ret_gid) {
        struct passwd *pw;

        errno = 0;
        pw = getpwnam(name);
        if (!pw)
                return errno > 0 ? -errno : -ESRCH;
        if (pw->pw_uid == 0)
                return -EPERM;
        *ret_uid = pw->pw_uid;
        *ret_gid = pw->pw_gid;
        return 0;
}

static int open_listen_socket(int *ret) {
        int n = sd_listen_fds(true);

        if (n < 0)
                return log_errno(LOG_ERR, n, "Cannot take sockets from systemd");
        if (n > 1)
                return log_errno(LOG_ERR, EINVAL, "Expected one socket from systemd, got %d", n);
        if (n == 1 && !opts.listen) {
                if (sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_SEQPACKET, 1, NULL, 0) <= 0)
                        return log_errno(LOG_ERR, EINVAL, "The socket from systemd is not a listening AF_UNIX SOCK_SEQPACKET");
                *ret = SD_LISTEN_FDS_START;
                return 0;
        }
        if (!opts.listen)
                return log_errno(LOG_ERR, EINVAL, "No socket from systemd and no --listen PATH given");

        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(opts.listen) >= sizeof(sa.sun_path))
                return log_errno(LOG_ERR, ENAMETOOLONG, "--listen path too long");
        strcpy(sa.sun_path, opts.listen);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return log_errno(LOG_ERR, errno, "socket");
        (void) unlink(opts.listen);
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return log_errno(LOG_ERR, errno, "Cannot bind %s", opts.listen);
        if (listen(fd, 16) < 0)
                return log_errno(LOG_ERR, errno, "listen");
        *ret = TAKE_FD(fd);
        return 0;
}

static void update_status(Daemon *d) {
        const RunnerServerStats *st = runner_server_stats(d->server);

        (void) sd_notifyf(false,
                          "STATUS=%u jobs, %u fronts; %" PRIu64 " started, %" PRIu64 " finished, %" PRIu64
                          " refused requests, %" PRIu64 " rejected peers, %" PRIu64 " reconnects to systemd; "
                          "%u warm sandboxes ready",
                          runner_n_jobs(d->runner), runner_server_n_connections(d->server), st->jobs_started,
                          st->jobs_finished, st->refused, st->rejected_peers, d->reconnects,
                          runner_n_warm_ready(d->runner));
}

static int on_status(sd_event_source *s, uint64_t usec, void *userdata) {
        update_status(userdata);
        /* A time source fires once unless enabled again. */
        (void) sd_event_source_set_time_relative(s, USEC_PER_SEC);
        return sd_event_source_set_enabled(s, SD_EVENT_ON);
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Stopping, killing running jobs");
        log_message(LOG_INFO, "Received %s, stopping", strsignal(si->ssi_signo));
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

/*
 * Our memory is locked: the jobs' outputs we hold never reach swap. What we can hold is the running jobs'
 * outputs and packed results; one more job's worth is the reserve. That is not --max-jobs' worth: most of
 * those jobs sleep and hold little, and sandrund's scheduler keeps all running jobs' outputs and packed
 * results within --max-running jobs' worth (its running_held_max). Sized for --max-jobs, the check below
 * warned at every start with the defaults (256 x 130 MiB against 3 GiB), and a warning that always fires
 * hides the one that matters. A front that breaks its own bound is stopped by our cgroup's MemoryMax=.
 */
static void lock_our_memory(void) {
        uint64_t per_job = 2 * opts.output_max + 2 * opts.work_size;
        uint64_t reserve = per_job + (8ULL << 20);
        uint64_t front_running = opts.front_max_running ?:
                2 * (uint64_t) MAX(sysconf(_SC_NPROCESSORS_ONLN), 1L);
        uint64_t need = MIN(opts.max_jobs, front_running) * per_job + reserve;

        (void) lock_memory(reserve, need);
        /* Each job's init starts here, until its scope takes it. */
        check_cgroup_limits(need, opts.max_jobs + 16,
                            "--front-max-running, --max-jobs, --output-max or --work-size");
        check_job_swap();
}

static int run(int argc, char **argv) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(runner_freep) Runner *runner = NULL;
        _cleanup_(runner_server_freep) RunnerServer *server = NULL;
        Daemon d = {};
        uid_t front_uid;
        gid_t front_gid;
        sigset_t mask;
        int listen_fd = -EBADF, r;

        log_setup();
        r = parse_options(argc, argv);
        if (r <= 0)
                return r;

        if (geteuid() != 0)
                return log_errno(LOG_ERR, EPERM, "sandrun-runnerd runs as root: only root may talk to PID 1 directly");
        r = lookup_user(opts.front_user, &front_uid, &front_gid);
        if (r < 0)
                return log_errno(LOG_ERR, r, "Cannot use %s as the front's user", opts.front_user);
        lock_our_memory();

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_errno(LOG_ERR, errno, "sigprocmask");
        (void) signal(SIGPIPE, SIG_IGN);

        r = sd_event_default(&event);
        if (r < 0)
                return log_errno(LOG_ERR, r, "Cannot create the event loop");
        d.event = event;
        (void) sd_event_add_signal(event, NULL, SIGTERM, on_exit_signal, NULL);
        (void) sd_event_add_signal(event, NULL, SIGINT, on_exit_signal, NULL);
        (void) sd_event_set_watchdog(event, true);
        r = sd_event_add_time_relative(event, &d.reconnect_source, CLOCK_MONOTONIC, RECONNECT_USEC, 0, on_reconnect,
                                       &d);
        if (r < 0)
                return log_errno(LOG_ERR, r, "Cannot set up the reconnect timer");
        (void) sd_event_source_set_enabled(d.reconnect_source, SD_EVENT_OFF);

        r = open_listen_socket(&listen_fd);
        if (r < 0)
                return r;
        r = bus_open(&d, &d.bus);
        if (r < 0) {
                safe_close(listen_fd);
                return log_errno(LOG_ERR, r, "Cannot connect to systemd at %s", opts.bus_address);
        }

        RunnerConfig rc = {
                .sandbox = {
                        .work_size = opts.work_size,
                        .tmp_size = opts.tmp_size,
                        .max_open_files = opts.open_files,
                        .max_file_size = MAX(opts.work_size, opts.tmp_size),
                },
                .slice = opts.slice,
                .memory_max = opts.memory_max,
                .compile_memory_max = opts.compile_memory_max,
                .tasks_max = opts.tasks_max,
                .cpu_quota_per_sec_usec = opts.cpu_quota,
                .output_limit = opts.output_max,
                .case_output_limit = MIN(opts.test_output_max, opts.output_max),
                .archive_limit = opts.work_size,
                .scope_timeout_usec = 10 * USEC_PER_SEC,
                .cgroup_root = "/sys/fs/cgroup",
                .stage_path = opts.stage_path,
                .init_path = opts.init_path,
                .job_uids = opts.job_uids,
                .max_jobs = (unsigned) opts.max_jobs,
                .pool_min = (unsigned) MIN(opts.pool_min, opts.pool_max),
                .pool_max = (unsigned) opts.pool_max,
        };
        /* runner_new() refuses such a range too; here it is said which id collides, and with what. */
        const char *uid_what;
        uid_t uid_at;
        r = uid_range_check_for_jobs(&opts.job_uids, (unsigned) (opts.max_jobs + opts.pool_max), &uid_what, &uid_at);
        if (r < 0) {
                safe_close(listen_fd);
                if (r == -ERANGE)
                        return log_errno(LOG_ERR, r, "--job-uid-range holds %u uids, fewer than --max-jobs %" PRIu64
                                         " and --pool-max %" PRIu64, (unsigned) uid_at, opts.max_jobs, opts.pool_max);
                return log_errno(LOG_ERR, r, "--job-uid-range %u-%u collides with %s at %u",
                                 (unsigned) opts.job_uids.first,
                                 (unsigned) (opts.job_uids.first + opts.job_uids.count - 1), uid_what, (unsigned) uid_at);
        }
        r = runner_new(&runner, event, d.bus, &rc);
        if (r < 0) {
                safe_close(listen_fd);
                return log_errno(LOG_ERR, r, "Cannot set up the job runner");
        }
        d.runner = runner;

        RunnerServerConfig sc = {
                .front_uid = front_uid,
                .max_connections = (unsigned) opts.max_connections,
                .max_jobs = (unsigned) opts.max_jobs,
                .memory_max = opts.memory_max,
                .compile_memory_max = opts.compile_memory_max,
                .tasks_max = opts.tasks_max,
                .cpu_quota_per_sec_usec = opts.cpu_quota,
                .timeout_max_usec = opts.timeout,
        };
        r = runner_server_new(&server, event, runner, listen_fd, &sc);
        if (r < 0)
                return log_errno(LOG_ERR, r, "Cannot serve the runner socket");
        d.server = server;
        (void) sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC, USEC_PER_SEC, 0, on_status, &d);

        log_message(LOG_INFO, "sandrun-runnerd %s ready: serving uid %u, jobs as uids %u-%u, in %s", PACKAGE_VERSION,
                    (unsigned) front_uid, (unsigned) opts.job_uids.first,
                    (unsigned) (opts.job_uids.first + opts.job_uids.count - 1), opts.slice);
        (void) sd_notify(false, "READY=1");
        update_status(&d);

        r = sd_event_loop(event);
        if (r < 0)
                log_errno(LOG_ERR, r, "Event loop failed");

        /* Every job ends with us: the fronts' connections close, each job's init is killed. */
        server = runner_server_free(server);
        runner = runner_free(runner);
        d.disconnected_slot = sd_bus_slot_unref(d.disconnected_slot);
        d.bus = sd_bus_flush_close_unref(d.bus);
        d.reconnect_source = sd_event_source_disable_unref(d.reconnect_source);
        log_message(LOG_INFO, "sandrun-runnerd stopped");
        return r < 0 ? r : 0;
}

int main(int argc, char **argv) {
        int r = run(argc, argv);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
