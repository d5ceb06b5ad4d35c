/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * sandrund: the socket-activated, internet-facing daemon. It wires the pieces together (the job manager,
 * the HTTP API on libmicrohttpd with TLS, and the runner client, which asks sandrun-runnerd for every job:
 * this process holds no bus and no privilege) and is the only layer that logs. Run by systemd
 * (sandrun.socket) or by hand with --listen.
 */

#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "agent-check.h"
#include "api.h"
#include "cidr.h"
#include "config.h"
#include "http-server.h"
#include "interpreters.h"
#include "job.h"
#include "listen-fds.h"
#include "log.h"
#include "option-error.h"
#include "check-limits.h"
#include "lock-memory.h"
#include "metrics.h"
#include "parse-util.h"
#include "runner.h"
#include "io-util.h"
#include "receipt-key.h"
#include "strv.h"
#include "time-util.h"
#include "tls-cert.h"

typedef struct Options {
        const char *listen;
        char port_listen[sizeof("[::]:65535")];    /* --port N: every address, IPv6 and IPv4 */
        const char *cert, *key;
        bool plain_http;
        bool debug;
        const char *runner_socket;
        uint64_t memory_max, tasks_max, cpu_quota, timeout, output_max, body_max, work_size;
        uint64_t max_running, max_queued, batch_ttl, connection_timeout, min_read_rate, read_grace;
        uint64_t cpu_budget, budget_period, max_running_per_ip, max_queued_per_ip, upload_max, held_max;
        uint64_t compile_timeout, test_cpu, tests_timeout, test_output_max;
        CidrList trusted_proxies;
        CorsPolicy cors;
        const char *node_name;
        const char *receipt_key;
        const char *metrics_listen;
        uint64_t max_connections_per_ip, max_connections_per_proxy, max_requests_per_ip;
        uint64_t running_memory_max;
} Options;

static Options opts = {
        .runner_socket = "/run/sandrun-runner/socket",
        /* Asked of the runner for every job; it applies these or its own, whichever is lower. */
        .memory_max = 512ULL << 20,
        .tasks_max = 64,
        .cpu_quota = 1000000,
        .timeout = 300 * USEC_PER_SEC,
        .output_max = 1 << 20,
        .body_max = 1 << 20,
        .work_size = 64 << 20,
        .max_running = 0, /* 0: two per core */
        .max_queued = 256,
        .batch_ttl = 60 * USEC_PER_SEC,
        .connection_timeout = 30,
        .min_read_rate = 4096,
        .read_grace = 30 * USEC_PER_SEC,
        .cpu_budget = 10 * USEC_PER_SEC,
        .budget_period = 60 * USEC_PER_SEC,
        .max_running_per_ip = 2,
        .max_queued_per_ip = 16,
        .upload_max = 64 << 20,
        .held_max = 1ULL << 30,
        .compile_timeout = 60 * USEC_PER_SEC,
        .test_cpu = 5 * USEC_PER_SEC,
        .tests_timeout = 120 * USEC_PER_SEC,
        .test_output_max = 64 << 10,
        .max_connections_per_ip = 64,
        /* Of the 1024 connections: a proxy carries many clients, and direct ones keep a quarter. */
        .max_connections_per_proxy = 768,
        .max_requests_per_ip = 32,
};

static void help(void) {
        printf("sandrund " PACKAGE_VERSION " - run untrusted code in sandboxed transient systemd scopes\n\n"
               "Usage: sandrund [OPTIONS]\n\n"
               "  --listen ADDR:PORT     listen here instead of on the socket systemd passes\n"
               "  --port PORT            listen on every address at PORT (--listen on [::] and 0.0.0.0)\n"
               "  --cert FILE --key FILE TLS certificate and key (PEM); default: systemd credentials\n"
               "                         tls.crt/tls.key, else an ephemeral self-signed certificate\n"
               "  --plain-http           no TLS; allowed only on a loopback address\n"
               "  --runner-socket PATH   sandrun-runnerd's socket (default /run/sandrun-runner/socket)\n"
               "  --memory-max SIZE      memory per job, tmpfs included (default 512M; the runner's, if lower)\n"
               "  --cpu-quota QUOTA      CPU per job, e.g. 100%% or 1.5 cores (default 100%%)\n"
               "  --tasks-max N          processes and threads per job (default 64; the runner's, if lower)\n"
               "  --timeout DURATION     wall-clock limit per job, the most a request may ask (default 300s)\n"
               "  --output-max SIZE      stdout and stderr kept per job, each (default 1M)\n"
               "  --body-max SIZE        largest request body (default 1M)\n"
               "  --upload-max SIZE      largest upload to /submit, all files together (default 64M)\n"
               "  --held-max SIZE        uploads, queued jobs and results kept in RAM, shared between client\n"
               "                         IPs: when full, the one most beyond its share loses its newest\n"
               "                         queued job (default 1G)\n"
               "  --compile-timeout DURATION wall-clock limit of a compile step (default 60s)\n"
               "  --test-timeout DURATION    CPU limit of each test case, the most a request may ask (default 5s)\n"
               "  --tests-timeout DURATION   wall-clock limit of all test cases of a request (default 120s)\n"
               "  --test-output-max SIZE     stdout and stderr kept per test case and compile, each (default 64K)\n"
               "  --work-size SIZE       packed outputs kept per batch job (default 64M)\n"
               "  --max-running N        busy jobs at once: jobs that sleep hold no slot (default 2 per core)\n"
               "  --running-memory-max SIZE  the running jobs' MemoryMax together, sleeping or not\n"
               "                         (default twice the RAM)\n"
               "  --max-queued N         jobs waiting at once (default 256)\n"
               "  --cpu-budget DURATION  CPU time each client IP may use per budget period (default 10s)\n"
               "  --budget-period DURATION  the period the budget refills over (default 60s)\n"
               "  --max-running-per-ip N jobs one client IP may run at once (default 2)\n"
               "  --max-queued-per-ip N  jobs one client IP may have waiting (default 16)\n"
               "  --trusted-proxy CIDR   believe X-Forwarded-For from these peers (repeatable)\n"
               "  --cors-origin ORIGIN   only pages from this origin (and sandrun's own) may call the API,\n"
               "                         e.g. https://docs.example.org (repeatable; default: any origin)\n"
               "  --metrics-listen ADDR:PORT  serve Prometheus metrics at /metrics here, not on the public port\n"
               "                         (default: off, or the socket systemd passes named \"metrics\")\n"
               "  --receipt-key FILE     sign receipts with this Ed25519 private key (PEM); default: the\n"
               "                         credential receipt.key, else a key made at start\n"
               "  --node-name NAME       this host's name in a cluster, [a-z0-9]{1,16}; job ids end in -NAME\n"
               "  --batch-ttl DURATION   how long a finished batch job is kept (default 60s)\n"
               "  --connection-timeout S idle HTTP connections are closed after S seconds (default 30)\n"
               "  --min-read-rate SIZE   a client must take its answer at SIZE bytes a second once the grace\n"
               "                         has passed, or it is dropped (default 4K; 0: no such rule)\n"
               "  --read-grace DURATION  how long an answer may wait for a slow client (default 30s)\n"
               "  --max-connections-per-ip N  connections one client (IPv4 address, IPv6 /64) may hold\n"
               "                         open (default 64)\n"
               "  --max-connections-per-proxy N  connections each --trusted-proxy may hold open (default 768)\n"
               "  --max-requests-per-ip N requests one client may have in flight, over any connections and\n"
               "                         proxies (default 32)\n"
               "  --debug                add each job's timeline to JSON answers\n"
               "  -h --help              this help\n"
               "  --version              print the version\n");
}

static int parse_options(int argc, char **argv) {
        enum {
                ARG_LISTEN = 0x100, ARG_CERT, ARG_KEY, ARG_PLAIN, ARG_RUNNER, ARG_MEMORY, ARG_CPU, ARG_TASKS,
                ARG_TIMEOUT, ARG_OUTPUT, ARG_BODY, ARG_WORK, ARG_RUNNING, ARG_QUEUED,
                ARG_CONN_TIMEOUT, ARG_MIN_READ_RATE, ARG_READ_GRACE, ARG_DEBUG, ARG_VERSION, ARG_BUDGET,
                ARG_PERIOD, ARG_RUNNING_IP,
                ARG_QUEUED_IP, ARG_PROXY, ARG_BATCH_TTL, ARG_UPLOAD, ARG_HELD,
                ARG_COMPILE_TIMEOUT, ARG_TEST_TIMEOUT, ARG_TESTS_TIMEOUT, ARG_TEST_OUTPUT,
                ARG_CORS_ORIGIN,
                ARG_RECEIPT_KEY,
                ARG_METRICS_LISTEN,
                ARG_NODE_NAME,
                ARG_RUNNING_MEMORY,
                ARG_PORT,
                ARG_CONNECTIONS_IP, ARG_CONNECTIONS_PROXY, ARG_REQUESTS_IP,
        };
        static const struct option options[] = {
                { "listen", required_argument, NULL, ARG_LISTEN },
                { "port", required_argument, NULL, ARG_PORT },
                { "cert", required_argument, NULL, ARG_CERT },
                { "key", required_argument, NULL, ARG_KEY },
                { "plain-http", no_argument, NULL, ARG_PLAIN },
                { "runner-socket", required_argument, NULL, ARG_RUNNER },
                { "memory-max", required_argument, NULL, ARG_MEMORY },
                { "cpu-quota", required_argument, NULL, ARG_CPU },
                { "tasks-max", required_argument, NULL, ARG_TASKS },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "output-max", required_argument, NULL, ARG_OUTPUT },
                { "body-max", required_argument, NULL, ARG_BODY },
                { "work-size", required_argument, NULL, ARG_WORK },
                { "max-running", required_argument, NULL, ARG_RUNNING },
                { "max-queued", required_argument, NULL, ARG_QUEUED },
                { "connection-timeout", required_argument, NULL, ARG_CONN_TIMEOUT },
                { "min-read-rate", required_argument, NULL, ARG_MIN_READ_RATE },
                { "read-grace", required_argument, NULL, ARG_READ_GRACE },
                { "debug", no_argument, NULL, ARG_DEBUG },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "cpu-budget", required_argument, NULL, ARG_BUDGET },
                { "budget-period", required_argument, NULL, ARG_PERIOD },
                { "max-running-per-ip", required_argument, NULL, ARG_RUNNING_IP },
                { "max-queued-per-ip", required_argument, NULL, ARG_QUEUED_IP },
                { "trusted-proxy", required_argument, NULL, ARG_PROXY },
                { "batch-ttl", required_argument, NULL, ARG_BATCH_TTL },
                { "upload-max", required_argument, NULL, ARG_UPLOAD },
                { "held-max", required_argument, NULL, ARG_HELD },
                { "compile-timeout", required_argument, NULL, ARG_COMPILE_TIMEOUT },
                { "test-timeout", required_argument, NULL, ARG_TEST_TIMEOUT },
                { "tests-timeout", required_argument, NULL, ARG_TESTS_TIMEOUT },
                { "test-output-max", required_argument, NULL, ARG_TEST_OUTPUT },
                { "cors-origin", required_argument, NULL, ARG_CORS_ORIGIN },
                { "receipt-key", required_argument, NULL, ARG_RECEIPT_KEY },
                { "metrics-listen", required_argument, NULL, ARG_METRICS_LISTEN },
                { "node-name", required_argument, NULL, ARG_NODE_NAME },
                { "max-connections-per-ip", required_argument, NULL, ARG_CONNECTIONS_IP },
                { "max-connections-per-proxy", required_argument, NULL, ARG_CONNECTIONS_PROXY },
                { "max-requests-per-ip", required_argument, NULL, ARG_REQUESTS_IP },
                { "running-memory-max", required_argument, NULL, ARG_RUNNING_MEMORY },
                {}
        };
        int c, r = 0;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case ARG_LISTEN:
                        opts.listen = optarg;
                        break;
                case ARG_PORT: {
                        uint64_t port;
                        r = parse_uint(optarg, 1, 65535, &port);
                        if (r >= 0)
                                snprintf(opts.port_listen, sizeof(opts.port_listen), "[::]:%" PRIu64, port);
                        break;
                }
                case ARG_CERT:
                        opts.cert = optarg;
                        break;
                case ARG_KEY:
                        opts.key = optarg;
                        break;
                case ARG_PLAIN:
                        opts.plain_http = true;
                        break;
                case ARG_RUNNER:
                        opts.runner_socket = optarg;
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
                case ARG_BODY:
                        r = parse_size(optarg, &opts.body_max);
                        break;
                case ARG_WORK:
                        r = parse_size(optarg, &opts.work_size);
                        break;
                case ARG_RUNNING:
                        r = parse_uint(optarg, 1, 100000, &opts.max_running);
                        break;
                case ARG_QUEUED:
                        r = parse_uint(optarg, 0, 1000000, &opts.max_queued);
                        break;
                case ARG_CONN_TIMEOUT:
                        r = parse_uint(optarg, 1, 3600, &opts.connection_timeout);
                        break;
                case ARG_MIN_READ_RATE:
                        r = parse_size(optarg, &opts.min_read_rate);
                        break;
                case ARG_READ_GRACE:
                        r = parse_duration(optarg, &opts.read_grace);
                        break;
                case ARG_DEBUG:
                        opts.debug = true;
                        break;
                case ARG_BUDGET:
                        r = parse_duration(optarg, &opts.cpu_budget);
                        break;
                case ARG_PERIOD:
                        r = parse_duration(optarg, &opts.budget_period);
                        break;
                case ARG_RUNNING_IP:
                        r = parse_uint(optarg, 1, 1024, &opts.max_running_per_ip);
                        break;
                case ARG_QUEUED_IP:
                        r = parse_uint(optarg, 0, 65536, &opts.max_queued_per_ip);
                        break;
                case ARG_PROXY: {
                        Cidr proxy;
                        r = cidr_parse(optarg, strlen(optarg), &proxy);
                        if (r >= 0)
                                r = cidr_list_add(&opts.trusted_proxies, &proxy);
                        break;
                }
                case ARG_METRICS_LISTEN:
                        opts.metrics_listen = optarg;
                        break;
                case ARG_RECEIPT_KEY:
                        opts.receipt_key = optarg;
                        break;
                case ARG_CORS_ORIGIN:
                        r = cors_policy_add(&opts.cors, optarg);
                        break;
                case ARG_HELD:
                        r = parse_size(optarg, &opts.held_max);
                        break;
                case ARG_RUNNING_MEMORY:
                        r = parse_size(optarg, &opts.running_memory_max);
                        if (r >= 0 && opts.running_memory_max == 0)
                                r = -ERANGE;
                        break;
                case ARG_UPLOAD:
                        r = parse_size(optarg, &opts.upload_max);
                        break;
                case ARG_BATCH_TTL:
                        r = parse_duration(optarg, &opts.batch_ttl);
                        break;
                case ARG_COMPILE_TIMEOUT:
                        r = parse_duration(optarg, &opts.compile_timeout);
                        if (r >= 0 && opts.compile_timeout < USEC_PER_SEC)
                                r = -ERANGE;
                        break;
                case ARG_TEST_TIMEOUT:
                        r = parse_duration(optarg, &opts.test_cpu);
                        if (r >= 0 && opts.test_cpu < USEC_PER_SEC)
                                r = -ERANGE;
                        break;
                case ARG_TESTS_TIMEOUT:
                        r = parse_duration(optarg, &opts.tests_timeout);
                        if (r >= 0 && opts.tests_timeout < USEC_PER_SEC)
                                r = -ERANGE;
                        break;
                case ARG_TEST_OUTPUT:
                        r = parse_size(optarg, &opts.test_output_max);
                        break;
                case ARG_NODE_NAME:
                        opts.node_name = optarg;
                        r = job_node_name_is_valid(optarg) ? 0 : -EINVAL;
                        break;
                case ARG_CONNECTIONS_IP:
                        r = parse_uint(optarg, 1, 1024, &opts.max_connections_per_ip);
                        break;
                case ARG_CONNECTIONS_PROXY:
                        r = parse_uint(optarg, 1, 1024, &opts.max_connections_per_proxy);
                        break;
                case ARG_REQUESTS_IP:
                        r = parse_uint(optarg, 1, 1024, &opts.max_requests_per_ip);
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
                        return option_error("sandrund", options, c, optarg, r);
        }
        if (optind < argc) {
                fprintf(stderr, "sandrund: unexpected argument: %s\n", argv[optind]);
                return -EINVAL;
        }
        if (opts.port_listen[0]) {
                if (opts.listen) {
                        fprintf(stderr, "sandrund: --port and --listen exclude each other\n");
                        return -EINVAL;
                }
                opts.listen = opts.port_listen;
        }
        if (!!opts.cert != !!opts.key) {
                fprintf(stderr, "sandrund: --cert and --key go together\n");
                return -EINVAL;
        }
        if (opts.max_running == 0)
                opts.max_running = 2 * (uint64_t) MAX(sysconf(_SC_NPROCESSORS_ONLN), 1L);
        /* Twice the RAM: jobs rarely all fill their MemoryMax at once, and when they do, the slice's own
         * MemoryMax has the kernel end a job, not the host. */
        if (opts.running_memory_max == 0) {
                long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
                opts.running_memory_max = pages > 0 && page_size > 0 ?
                        2 * (uint64_t) pages * (uint64_t) page_size : 2 * opts.memory_max;
        }
        return 1;
}

/* The sockets systemd passes, sorted by FileDescriptorName=: the public port, and HAProxy's agent
 * check (-EBADF when not configured). Sockets of other roles stay for whoever takes them. */
static int take_listen_fds(int *ret_public, int *ret_agent, int *ret_metrics) {
        static const char *const side_names[] = { LISTEN_FD_NAME_AGENT, LISTEN_FD_NAME_METRICS, NULL };
        _cleanup_strv_free_ char **names = NULL;
        int n, pub, agent, metrics;

        n = sd_listen_fds_with_names(true, &names);
        if (n < 0)
                return log_errno(LOG_ERR, n, "Cannot take sockets from systemd");
        pub = listen_fds_find(names, n, NULL, side_names);
        if (pub == -ENOTUNIQ)
                return log_errno(LOG_ERR, EINVAL, "Expected one public listening socket from systemd, got more");
        agent = listen_fds_find(names, n, LISTEN_FD_NAME_AGENT, side_names);
        if (agent == -ENOTUNIQ)
                return log_errno(LOG_ERR, EINVAL, "Expected one socket named \"agent\" from systemd, got more");
        metrics = listen_fds_find(names, n, LISTEN_FD_NAME_METRICS, side_names);
        if (metrics == -ENOTUNIQ)
                return log_errno(LOG_ERR, EINVAL, "Expected one socket named \"metrics\" from systemd, got more");
        for (int i = 0; i < n; i++)
                (void) fcntl(SD_LISTEN_FDS_START + i, F_SETFD, FD_CLOEXEC);
        if (agent >= 0 && sd_is_socket(SD_LISTEN_FDS_START + agent, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
                return log_errno(LOG_ERR, EINVAL, "The agent socket from systemd is not a listening stream");
        if (metrics >= 0 && sd_is_socket(SD_LISTEN_FDS_START + metrics, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
                return log_errno(LOG_ERR, EINVAL, "The metrics socket from systemd is not a listening stream");
        *ret_public = pub >= 0 ? SD_LISTEN_FDS_START + pub : -EBADF;
        *ret_agent = agent >= 0 ? SD_LISTEN_FDS_START + agent : -EBADF;
        *ret_metrics = metrics >= 0 ? SD_LISTEN_FDS_START + metrics : -EBADF;
        return 0;
}

/* A listening socket of our own on ADDR:PORT (--listen, --metrics-listen), for running by hand. */
static int bind_listen_address(const char *option, const char *address, int backlog, int *ret_fd,
                               bool *ret_loopback) {
        struct sockaddr_storage ss;
        socklen_t len;

        if (parse_listen_address(address, &ss, &len) < 0)
                return log_errno(LOG_ERR, EINVAL, "Invalid --%s address %s", option, address);
        _cleanup_close_ int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        bool any6 = ss.ss_family == AF_INET6 &&
                    IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *) &ss)->sin6_addr);
        if (fd < 0 && errno == EAFNOSUPPORT && any6) {
                /* A host without IPv6: the unspecified address is IPv4's then. */
                struct sockaddr_in *sa = (struct sockaddr_in *) &ss;
                uint16_t port = ((struct sockaddr_in6 *) &ss)->sin6_port;
                memset(&ss, 0, sizeof(ss));
                sa->sin_family = AF_INET;
                sa->sin_addr.s_addr = htonl(INADDR_ANY);
                sa->sin_port = port;
                len = sizeof(*sa);
                any6 = false;
                fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        }
        if (fd < 0)
                return log_errno(LOG_ERR, errno, "socket");
        int one = 1, zero = 0;
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        /* [::] takes IPv4 too, whatever net.ipv6.bindv6only says. */
        if (any6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0)
                return log_errno(LOG_ERR, errno, "Cannot make %s take IPv4 too", address);
        if (bind(fd, (struct sockaddr *) &ss, len) < 0)
                return log_errno(LOG_ERR, errno, "Cannot bind %s", address);
        if (listen(fd, backlog) < 0)
                return log_errno(LOG_ERR, errno, "listen");
        if (ret_loopback)
                *ret_loopback = sockaddr_is_loopback((struct sockaddr *) &ss);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* --metrics-listen: a plain HTTP listener of our own, which must not be the public one. */
static int open_metrics_socket(int *ret_fd) {
        if (opts.listen && streq(opts.listen, opts.metrics_listen))
                return log_errno(LOG_ERR, EINVAL, "--metrics-listen must not be the public --listen address");
        return bind_listen_address("metrics-listen", opts.metrics_listen, 64, ret_fd, NULL);
}

static int open_listen_socket(int systemd_fd, int *ret_fd, bool *ret_loopback) {
        if (systemd_fd >= 0 && !opts.listen) {
                int fd = systemd_fd;
                if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
                        return log_errno(LOG_ERR, EINVAL, "The socket from systemd is not a listening stream");
                struct sockaddr_storage ss;
                socklen_t len = sizeof(ss);
                if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
                        return log_errno(LOG_ERR, errno, "getsockname");
                *ret_loopback = sockaddr_is_loopback((struct sockaddr *) &ss);
                *ret_fd = fd;
                return 0;
        }
        if (!opts.listen)
                return log_errno(LOG_ERR, EINVAL, "No socket from systemd and no --listen ADDR:PORT given");
        return bind_listen_address("listen", opts.listen, SOMAXCONN, ret_fd, ret_loopback);
}

static int load_tls(TlsIdentity **ret) {
        const char *creds = getenv("CREDENTIALS_DIRECTORY");
        char cert[4096], key[4096];
        int r;

        if (opts.cert) {
                r = tls_identity_load(ret, opts.cert, opts.key);
                if (r < 0)
                        return log_errno(LOG_ERR, r, "Cannot load TLS certificate %s and key %s", opts.cert,
                                         opts.key);
                return 0;
        }
        if (creds) {
                snprintf(cert, sizeof(cert), "%s/tls.crt", creds);
                snprintf(key, sizeof(key), "%s/tls.key", creds);
                if (access(cert, R_OK) == 0 && access(key, R_OK) == 0) {
                        r = tls_identity_load(ret, cert, key);
                        if (r < 0)
                                return log_errno(LOG_ERR, r, "Cannot load the TLS credentials");
                        return 0;
                }
        }
        r = tls_identity_generate(ret, "localhost");
        if (r < 0)
                return log_errno(LOG_ERR, r, "Cannot generate an ephemeral TLS certificate");
        return 0;
}

/* The receipt signing key: --receipt-key, else the credential receipt.key (so that receipts outlive
 * restarts and a cluster's hosts share one key), else one made now. */
static int load_receipt_key(ReceiptKey **ret) {
        const char *creds = getenv("CREDENTIALS_DIRECTORY");
        char path[4096], pem[RECEIPT_KEY_PEM_MAX + 1];
        const char *file = opts.receipt_key;
        int r;

        if (!file && creds) {
                snprintf(path, sizeof(path), "%s/receipt.key", creds);
                if (access(path, F_OK) == 0)
                        file = path;
        }
        if (!file) {
                r = receipt_key_generate(ret);
                if (r < 0)
                        return log_errno(LOG_ERR, r, "Cannot make a receipt signing key");
                return 0;
        }
        _cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return log_errno(LOG_ERR, errno, "Cannot open the receipt key %s", file);
        ssize_t n = loop_pread(fd, pem, sizeof(pem), 0);
        if (n < 0)
                return log_errno(LOG_ERR, (int) -n, "Cannot read the receipt key %s", file);
        if ((size_t) n > RECEIPT_KEY_PEM_MAX)
                return log_errno(LOG_ERR, EFBIG, "The receipt key %s is too large", file);
        r = receipt_key_load(ret, pem, (size_t) n);
        explicit_bzero(pem, sizeof(pem));
        if (r < 0)
                return log_errno(LOG_ERR, r, "The receipt key %s is not an Ed25519 private key in PEM", file);
        return 0;
}

static void publish_pin(const TlsIdentity *tls) {
        const char *rt = getenv("RUNTIME_DIRECTORY");
        char path[4096], field[128];

        snprintf(field, sizeof(field), "SANDRUN_TLS_PIN=%s", tls->pin);
        log_struct(LOG_NOTICE, tls->ephemeral ? "Serving TLS with an ephemeral self-signed certificate"
                                              : "Serving TLS with the configured certificate",
                   (const char *const[]) { field, NULL });
        if (!rt)
                return;
        /* For clients on this host that want to pin: curl --pinnedpubkey "$(cat /run/sandrun/tls-pin)". */
        snprintf(path, sizeof(path), "%s/tls-pin", rt);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0 || write(fd, tls->pin, strlen(tls->pin)) < 0 || write(fd, "\n", 1) < 0)
                log_errno(LOG_WARNING, errno, "Cannot write %s", path);
        else
                (void) fchmod(fd, 0644);
}

/* One job's journal entry, written once its answer is out (see on_job_finished()). */
typedef struct JobLogEntry JobLogEntry;
struct JobLogEntry {
        JobLogEntry *next;
        int priority;
        char fields[12][96];
        size_t n_fields;
};

typedef struct Daemon {
        sd_event *event;
        JobManager *jobs;
        Metrics *metrics;
        uint64_t finished, failed;
        JobLogEntry *log_head, **log_tail;
        sd_event_source *log_source;    /* idle: writes the entries above and the status line */
        sd_event_source *status_source; /* a status line held back by STATUS_INTERVAL_USEC */
        uint64_t status_usec;           /* when the last one was sent */
} Daemon;

/* Each STATUS= wakes PID 1 (and it tells D-Bus): at most this often while jobs finish back to back. */
#define STATUS_INTERVAL_USEC (100 * USEC_PER_MSEC)

static void update_status(Daemon *d) {
        (void) sd_notifyf(false, "STATUS=%s%u running, %u queued, %" PRIu64 " finished (%" PRIu64 " failed)",
                          job_manager_is_draining(d->jobs) ? "Draining: " : "",
                          job_manager_n_running(d->jobs), job_manager_n_queued(d->jobs), d->finished, d->failed);
}

static bool daemon_is_draining(void *userdata) {
        Daemon *d = userdata;
        return job_manager_is_draining(d->jobs);
}

/* SIGUSR1 drains this host (no new jobs; held ones are still served until they expire), SIGUSR2 ends
 * that. Not SIGTERM, which still stops the daemon and wipes every job. */
static int on_drain_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Daemon *d = userdata;
        bool drain = si->ssi_signo == SIGUSR1;

        if (drain != job_manager_is_draining(d->jobs))
                log_message(LOG_INFO, drain ? "Draining: starting no new jobs" : "Taking new jobs again");
        job_manager_set_draining(d->jobs, drain);
        update_status(d);
        return 0;
}

/* GET /metrics on the metrics listener. */
static void on_metrics_request(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        _cleanup_free_ char *text = NULL;
        size_t len;

        if (!streq(http_request_path(req), "/metrics")) {
                (void) http_request_reply_error(req, 404, NULL, "only /metrics here");
                return;
        }
        if (!streq(http_request_method(req), "GET") && !streq(http_request_method(req), "HEAD")) {
                (void) http_request_reply_error(req, 405, (const char *const[]) { "Allow", "GET", NULL }, "use GET");
                return;
        }
        MetricsGauges g = {
                .running = job_manager_n_running(d->jobs),
                .busy = job_manager_n_busy(d->jobs),
                .queued = job_manager_n_queued(d->jobs),
                .held_bytes = job_manager_held_bytes(d->jobs),
        };
        if (metrics_format(d->metrics, &g, &text, &len) < 0) {
                (void) http_request_reply_error(req, 500, NULL, "out of memory");
                return;
        }
        (void) http_request_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len, NULL);
}

static void write_job_log_entry(const JobLogEntry *e) {
        const char *fields[ELEMENTSOF(e->fields) + 1];

        for (size_t i = 0; i < e->n_fields; i++)
                fields[i] = e->fields[i];
        fields[e->n_fields] = NULL;
        log_struct(e->priority, "Job finished", fields);
}

static void flush_job_log(Daemon *d) {
        while (d->log_head) {
                JobLogEntry *e = d->log_head;
                d->log_head = e->next;
                write_job_log_entry(e);
                free(e);
        }
        d->log_tail = &d->log_head;
}

static int on_status_due(sd_event_source *s, uint64_t usec, void *userdata) {
        Daemon *d = userdata;

        d->status_usec = usec;
        update_status(d);
        return 0;
}

static int on_job_log(sd_event_source *s, void *userdata) {
        Daemon *d = userdata;
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        int r;

        flush_job_log(d);
        if (now >= d->status_usec + STATUS_INTERVAL_USEC || !d->status_source) {
                d->status_usec = now;
                update_status(d);
                return 0;
        }
        /* The latest counts go out when the interval is over, once. */
        r = sd_event_source_set_time(d->status_source, d->status_usec + STATUS_INTERVAL_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(d->status_source, SD_EVENT_ONESHOT);
        if (r < 0) {
                log_errno(LOG_DEBUG, r, "Cannot hold back the status line, sending it now");
                update_status(d);
        }
        return 0;
}

/* One journal entry per job: metrics only. */
static void on_job_finished(Job *j, void *userdata) {
        Daemon *d = userdata;
        const RunnerResult *res = job_result(j);
        JobLogEntry stack_entry, *e;

        d->finished++;
        if (job_status(j) == JOB_FAILED)
                d->failed++;
        /* A job dropped from the queue never ran: not a failure to start one. */
        if (d->metrics && job_was_dropped(j))
                metrics_job_dropped(d->metrics);
        else if (d->metrics) {
                RunnerJob *started = job_runner_job(j);
                uint64_t released = started ? runner_job_timeline(started)->released : 0;
                double latency = released > job_submitted_usec(j) ? (released - job_submitted_usec(j)) / 1e6 : -1;
                metrics_job_finished(d->metrics, job_status_to_string(job_status(j)),
                                     res ? job_reason_to_string(res->reason) : "launch", res ? res->wall_usec / 1e6 : 0,
                                     job_cpu_usec(j) / 1e6, latency);
        }

        /* Written from an idle event source: the journal and PID 1 (STATUS=) are woken after the answer
         * went out, not before it. Out of memory: written now. */
        e = malloc(sizeof(JobLogEntry));
        if (!e)
                e = &stack_entry;
        *e = (JobLogEntry) { .priority = res && res->reason == JOB_REASON_LAUNCH ? LOG_WARNING : LOG_INFO };
        char (*f)[96] = e->fields;
        size_t n = 0;
        snprintf(f[n++], sizeof(f[0]), "SANDRUN_JOB_ID=%s", job_id(j));
        snprintf(f[n++], sizeof(f[0]), "SANDRUN_INTERPRETER=%s", job_interpreter(j));
        snprintf(f[n++], sizeof(f[0]), "SANDRUN_STATUS=%s", job_status_to_string(job_status(j)));
        if (res) {
                const char *reason = job_reason_to_string(res->reason);
                snprintf(f[n++], sizeof(f[0]), "SANDRUN_REASON=%s", reason ?: "none");
                if (res->completed)
                        snprintf(f[n++], sizeof(f[0]), "SANDRUN_EXIT_CODE=%d", res->exit_code);
                if (res->signal)
                        snprintf(f[n++], sizeof(f[0]), "SANDRUN_SIGNAL=%d", res->signal);
                snprintf(f[n++], sizeof(f[0]), "SANDRUN_CPU_USEC=%" PRIu64, res->cpu_usec);
                snprintf(f[n++], sizeof(f[0]), "SANDRUN_MEMORY_PEAK_BYTES=%" PRIu64, res->memory_peak_bytes);
                snprintf(f[n++], sizeof(f[0]), "SANDRUN_WALL_USEC=%" PRIu64, res->wall_usec);
                if (res->error)
                        snprintf(f[n++], sizeof(f[0]), "SANDRUN_ERROR=%s%s%s", res->error,
                                 res->error_errno ? ": " : "", res->error_errno ? strerror(res->error_errno) : "");
        }
        RunnerJob *rj = job_runner_job(j);
        if (rj) {
                snprintf(f[n++], sizeof(f[0]), "SANDRUN_STDOUT_BYTES=%zu", runner_job_stdout(rj)->len);
                snprintf(f[n++], sizeof(f[0]), "SANDRUN_STDERR_BYTES=%zu", runner_job_stderr(rj)->len);
        }
        e->n_fields = n;

        if (e == &stack_entry || !d->log_source ||
            sd_event_source_set_enabled(d->log_source, SD_EVENT_ONESHOT) < 0) {
                write_job_log_entry(e);
                if (e != &stack_entry)
                        free(e);
                update_status(d);
                return;
        }
        *d->log_tail = e;
        d->log_tail = &e->next;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Stopping, killing running jobs");
        log_message(LOG_INFO, "Received %s, stopping", strsignal(si->ssi_signo));
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* What one more request can make us hold: its body, a job's outputs and packed results, and slack for the
 * stack and the libraries' own buffers. Below this much lockable memory, new work gets 503. */
static uint64_t memlock_reserve(void) {
        return opts.body_max + 2 * opts.output_max + 2 * opts.work_size + (8ULL << 20);
}

/* What running jobs' outputs and packed results may take at most: max_running busy jobs' worth. More jobs
 * than that run when some sleep; the scheduler keeps them within this all the same. */
static uint64_t running_held_max(void) {
        return opts.max_running * (2 * opts.output_max + 2 * opts.work_size);
}

/*
 * What the configuration can make us hold at most, beyond what is locked at start: batch results held,
 * every running job's outputs and packed results, every queued request's body, every connection's
 * buffers (libmicrohttpd's pool and GnuTLS's records, about 64 KiB), and the reserve.
 */
static uint64_t memlock_config_need(void) {
        return opts.held_max + running_held_max() +
               opts.max_queued * opts.body_max + 1024 * (64ULL << 10) + memlock_reserve();
}

static int run(int argc, char **argv) {
        /* First, so that it goes last: the job manager's hooks count into it until the manager is gone. */
        _cleanup_(metrics_freep) Metrics *metrics = NULL;
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(runner_freep) Runner *runner = NULL;
        _cleanup_(job_manager_freep) JobManager *jobs = NULL;
        _cleanup_(api_freep) Api *api = NULL;
        _cleanup_(http_server_freep) HttpServer *server = NULL;
        _cleanup_(tls_identity_freep) TlsIdentity *tls = NULL;
        _cleanup_(receipt_key_freep) ReceiptKey *receipt_key = NULL;
        _cleanup_(agent_check_freep) AgentCheck *agent = NULL;
        sigset_t mask;
        bool loopback = false;
        int listen_fd = -EBADF, systemd_fd = -EBADF, agent_fd = -EBADF, r;
        _cleanup_close_ int metrics_fd = -EBADF;
        _cleanup_(http_server_freep) HttpServer *metrics_server = NULL;

        log_setup();
        r = parse_options(argc, argv);
        if (r <= 0)
                return r;

        /* The internet-facing process holds no privilege; sandrun-runnerd does what needs it. */
        if (geteuid() == 0)
                return log_errno(LOG_ERR, EPERM, "sandrund must not run as root; run it as the sandrun user");
        bool memory_locked = lock_memory(memlock_reserve(), memlock_config_need());
        /* One process, and at start the languages' version probes, one at a time (a JVM's threads). */
        check_cgroup_limits(memlock_config_need(), 64,
                            "--held-max, --max-running, --max-queued, --body-max, --output-max or --work-size");

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGUSR1);
        sigaddset(&mask, SIGUSR2);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_errno(LOG_ERR, errno, "sigprocmask");
        /* Writes to a job that has gone, or a client that has, must fail with EPIPE, not kill us. */
        (void) signal(SIGPIPE, SIG_IGN);

        r = sd_event_default(&event);
        if (r < 0)
                return log_errno(LOG_ERR, r, "Cannot create the event loop");
        /* SIGTERM and SIGINT are blocked now: without their sources nothing could stop us but SIGKILL. */
        r = sd_event_add_signal(event, NULL, SIGTERM, on_exit_signal, NULL);
        if (r < 0)
                return log_errno(LOG_ERR, r, "Cannot watch SIGTERM");
        r = sd_event_add_signal(event, NULL, SIGINT, on_exit_signal, NULL);
        if (r < 0)
                return log_errno(LOG_ERR, r, "Cannot watch SIGINT");
        r = sd_event_set_watchdog(event, true);
        if (r < 0)
                log_errno(LOG_WARNING, r, "Cannot enable the watchdog, ignoring");

        r = take_listen_fds(&systemd_fd, &agent_fd, &metrics_fd);
        if (r < 0)
                return r;
        if (opts.metrics_listen) {
                metrics_fd = safe_close(metrics_fd);
                r = open_metrics_socket(&metrics_fd);
                if (r < 0)
                        return r;
        }
        r = open_listen_socket(systemd_fd, &listen_fd, &loopback);
        if (r < 0)
                return r;
        if (opts.plain_http && !loopback) {
                safe_close(listen_fd);
                return log_errno(LOG_ERR, EPERM, "--plain-http is allowed only on a loopback address");
        }
        if (!opts.plain_http) {
                r = load_tls(&tls);
                if (r < 0) {
                        safe_close(listen_fd);
                        return r;
                }
        }

        interpreters_detect(NULL);
        interpreters_detect_versions();
        /* Limits here only lower sandrun-runnerd's own, which it enforces; buffers are what we keep. */
        RunnerConfig rc = {
                .memory_max = opts.memory_max,
                .tasks_max = opts.tasks_max,
                .cpu_quota_per_sec_usec = opts.cpu_quota,
                .output_limit = opts.output_max,
                .case_output_limit = MIN(opts.test_output_max, opts.output_max),
                .archive_limit = opts.work_size,
                .socket_path = opts.runner_socket,
        };
        r = runner_new(&runner, event, NULL, &rc);
        if (r < 0) {
                safe_close(listen_fd);
                return log_errno(LOG_ERR, r, "Cannot set up the job runner");
        }

        JobManagerConfig jc = {
                .node_name = opts.node_name,
                .finished_ttl_usec = opts.batch_ttl,
                .default_cpu_quota = opts.cpu_quota,
                .memory_max = opts.held_max,
                .job_memory_max = opts.memory_max,
                .job_held_reserve = 2 * opts.output_max,
                .job_packed_reserve = 2 * opts.work_size,
                .memlock_reserve = memory_locked ? memlock_reserve() : 0,
        };
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        fair_config_init(&jc.fair, (unsigned) MAX(ncpu, 1L));
        jc.fair.budget_usec = opts.cpu_budget;
        jc.fair.budget_period_usec = opts.budget_period;
        jc.fair.max_running_per_client = opts.max_running_per_ip;
        jc.fair.max_queued_per_client = opts.max_queued_per_ip;
        jc.fair.max_running = opts.max_running;
        jc.fair.running_memory_max = opts.running_memory_max;
        jc.fair.running_held_max = running_held_max();
        jc.fair.max_queued = opts.max_queued;
        const char *reason;
        if (fair_config_validate(&jc.fair, &reason) < 0) {
                safe_close(listen_fd);
                return log_errno(LOG_ERR, EINVAL, "Invalid fairness settings: %s", reason);
        }
        r = job_manager_new(&jobs, event, runner, &jc);
        if (r < 0) {
                safe_close(listen_fd);
                return log_errno(LOG_ERR, r, "Cannot set up the job manager");
        }
        if (metrics_fd >= 0) {
                r = metrics_new(&metrics);
                if (r < 0) {
                        safe_close(listen_fd);
                        return log_errno(LOG_ERR, r, "Cannot set up the metrics");
                }
        }
        Daemon daemon = { .event = event, .jobs = jobs, .metrics = metrics };
        daemon.log_tail = &daemon.log_head;
        r = sd_event_add_defer(event, &daemon.log_source, on_job_log, &daemon);
        if (r >= 0)
                r = sd_event_source_set_priority(daemon.log_source, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                r = sd_event_source_set_enabled(daemon.log_source, SD_EVENT_OFF);
        if (r < 0) {
                log_errno(LOG_WARNING, r, "Cannot defer the jobs' journal entries, writing them at once");
                daemon.log_source = sd_event_source_disable_unref(daemon.log_source);
        }
        r = sd_event_add_time(event, &daemon.status_source, CLOCK_MONOTONIC, 0, 10 * USEC_PER_MSEC, on_status_due,
                              &daemon);
        if (r >= 0)
                r = sd_event_source_set_enabled(daemon.status_source, SD_EVENT_OFF);
        if (r < 0) {
                log_errno(LOG_WARNING, r, "Cannot hold back status updates, sending one per job");
                daemon.status_source = sd_event_source_disable_unref(daemon.status_source);
        }
        job_manager_set_finished_hook(jobs, on_job_finished, &daemon);
        /* Blocked above: without their sources they stay pending and only draining is lost. */
        r = sd_event_add_signal(event, NULL, SIGUSR1, on_drain_signal, &daemon);
        if (r < 0)
                log_errno(LOG_WARNING, r, "Cannot watch SIGUSR1 (drain), ignoring");
        r = sd_event_add_signal(event, NULL, SIGUSR2, on_drain_signal, &daemon);
        if (r < 0)
                log_errno(LOG_WARNING, r, "Cannot watch SIGUSR2 (undrain), ignoring");
        if (agent_fd >= 0) {
                r = agent_check_new(&agent, event, agent_fd, daemon_is_draining, &daemon);
                if (r < 0) {
                        safe_close(listen_fd);
                        return log_errno(LOG_ERR, r, "Cannot set up the agent check listener");
                }
        }

        r = load_receipt_key(&receipt_key);
        if (r < 0) {
                safe_close(listen_fd);
                return r;
        }
        char node[HOST_NAME_MAX + 1] = "";
        if (!opts.node_name && gethostname(node, sizeof(node) - 1) < 0)
                log_errno(LOG_WARNING, errno, "Cannot get the host name, ignoring");
        char key_field[64];
        snprintf(key_field, sizeof(key_field), "SANDRUN_RECEIPT_KEY_ID=%s", receipt_key_id(receipt_key));
        log_struct(LOG_NOTICE, receipt_key_ephemeral(receipt_key) ? "Signing receipts with a key made at start"
                                                                  : "Signing receipts with the configured key",
                   (const char *const[]) { key_field, NULL });

        ApiConfig ac = {
                .run_limits = { .max_args = 64, .max_arg_len = 4096, .max_name_len = 32 },
                .trusted_proxies = opts.trusted_proxies,
                .default_timeout_usec = opts.timeout,
                .max_timeout_usec = opts.timeout,
                .upload_max = opts.upload_max,
                .debug_timeline = opts.debug,
                .compile_timeout_usec = opts.compile_timeout,
                .test_cpu_usec = opts.test_cpu,
                .tests_timeout_usec = opts.tests_timeout,
                .cpus = (unsigned) MAX(opts.cpu_quota / USEC_PER_SEC, (uint64_t) 1),
                .cors = opts.cors,
                .metrics = metrics,
                .event = event,
                .tls = tls != NULL,
                .receipts = {
                        .key = receipt_key,
                        .node = opts.node_name ?: node,
                        .memory_max = opts.memory_max,
                        .tasks_max = opts.tasks_max,
                        .cpu_quota_per_sec_usec = opts.cpu_quota,
                        .output_max = opts.output_max,
                },
        };
        r = api_new(&api, jobs, &ac);
        if (r < 0) {
                safe_close(listen_fd);
                return log_errno(LOG_ERR, r, "Cannot set up the API");
        }

        HttpServerConfig hc = {
                .listen_fd = listen_fd,
                .cert_pem = tls ? tls->cert_pem : NULL,
                .key_pem = tls ? tls->key_pem : NULL,
                .max_body = opts.body_max,
                .connection_timeout_sec = opts.connection_timeout,
                .min_read_rate = opts.min_read_rate,
                .read_grace_usec = opts.read_grace,
                .max_connections = 1024,
                .max_connections_per_ip = (unsigned) opts.max_connections_per_ip,
                .proxy_peer = api_peer_is_trusted_proxy,
                .max_connections_per_proxy = (unsigned) opts.max_connections_per_proxy,
                .request_client_key = api_request_client_key,
                .max_requests_per_client = (unsigned) opts.max_requests_per_ip,
        };
        r = http_server_new(&server, event, &hc, api_handle_request, api_decorate_response, api);
        if (r < 0)
                return log_errno(LOG_ERR, r, "Cannot start the HTTP server");
        http_server_set_headers_hook(server, api_handle_headers);
        if (metrics_fd >= 0) {
                /* Plain HTTP on its own socket, for the operator's Prometheus only. */
                HttpServerConfig mc = {
                        .listen_fd = TAKE_FD(metrics_fd),
                        .max_body = 0,
                        .connection_timeout_sec = 10,
                        .max_connections = 16,
                        .max_connections_per_ip = 16,
                };
                r = http_server_new(&metrics_server, event, &mc, on_metrics_request, NULL, &daemon);
                if (r < 0)
                        return log_errno(LOG_ERR, r, "Cannot start the metrics listener");
        }
        if (tls)
                publish_pin(tls);

        char list[256];
        interpreters_format_list(list, sizeof(list));
        log_message(LOG_INFO, "sandrund %s ready: %s, interpreters: %s, up to %" PRIu64 " jobs at once%s%s%s",
                    PACKAGE_VERSION, tls ? "https" : "plain http", list, opts.max_running,
                    opts.node_name ? ", node " : "", opts.node_name ?: "", agent ? ", agent check on" : "");
        (void) sd_notify(false, "READY=1");
        update_status(&daemon);

        r = sd_event_loop(event);
        if (r < 0)
                return log_errno(LOG_ERR, r, "Event loop failed");

        /* Stop taking requests and starting jobs, answer whoever waits, then kill and wipe every job. */
        job_manager_shutdown(jobs);
        http_server_quiesce(server);
        agent = agent_check_free(agent);
        metrics_server = http_server_free(metrics_server);
        server = http_server_free(server);
        jobs = job_manager_free(jobs);
        runner = runner_free(runner);
        flush_job_log(&daemon);
        daemon.log_source = sd_event_source_disable_unref(daemon.log_source);
        daemon.status_source = sd_event_source_disable_unref(daemon.status_source);
        log_message(LOG_INFO, "sandrund stopped");
        return 0;
}

int main(int argc, char **argv) {
        int r = run(argc, argv);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
