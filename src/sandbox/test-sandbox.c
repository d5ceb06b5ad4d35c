/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Runs real jobs through the sandbox without systemd: spawn sandrun-init (the path is the first argument),
 * go, collect output and reports. As root the test first becomes `nobody`, so it exercises the same
 * unprivileged path as today's daemon.
 */

#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <poll.h>
#include <pwd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "sandbox.h"
#include "seccomp-policy.h"
#include "strv.h"
#include "uid-pool.h"
#include "tests.h"

static SandboxLayout *layout;
static SeccompProgram *seccomp;
static const char *init_path;
/* As root: the outer uid (and gid) to map jobs to, and the init's /proc status once it took its ids. */
static uid_t job_outer_uid = (uid_t) -1;
static char init_status[4096];
/* Run each job in a warm init instead: sandbox_spawn_warm() with no job, then its plan over the socket. */
static bool warm_mode;

typedef struct Result {
        char out[65536];
        size_t out_len;
        char err[65536];
        size_t err_len;
        SandboxReport last_exit;
        bool killed;
        bool setup_failed;
        SandboxReport failure;
} Result;

static void drain(int fd, char *buf, size_t *len, size_t cap, bool *open) {
        ssize_t n = read(fd, buf + *len, cap - 1 - *len);
        if (n <= 0)
                *open = false;
        else
                *len += n;
        buf[*len] = 0;
}

/*
 * How a job differs from the plain one run_job() makes. In warm mode the warm init gets warm_layout and
 * warm_seccomp (NULL: the job's own), and the job's plan comes go_delay_ms after its go.
 */
typedef struct Tweaks {
        SandboxStepOptions options;
        bool extra_fd;                  /* a memfd as the step's fd 3 */
        const SandboxLayout *warm_layout;
        const SeccompProgram *warm_seccomp;
        const SeccompProgram *job_seccomp;      /* the job's (and by default the warm init's) filter */
        unsigned go_delay_ms;
} Tweaks;

/* Runs `argv` (with `code` as main file when given); 'K' is sent after kill_after_ms if positive. */
static void run_job_tweaked(char *const *argv, const char *code, const char *code_name, int kill_after_ms,
                            const Tweaks *t, Result *res) {
        _cleanup_(sandbox_plan_freep) SandboxPlan *plan = NULL, *warm_plan = NULL;
        int out[2], err[2], extra = -EBADF;
        SandboxProcess p;

        memset(res, 0, sizeof(*res));
        ASSERT_OK(sandbox_plan_new(&plan, layout, t && t->job_seccomp ? t->job_seccomp : seccomp));
        if (code) {
                int fd = memfd_create("code", MFD_CLOEXEC);
                ASSERT_TRUE(fd >= 0);
                ASSERT_EQ(write(fd, code, strlen(code)), (ssize_t) strlen(code));
                ASSERT_OK(sandbox_plan_set_code(plan, fd, code_name));
        }
        ASSERT_OK(pipe2(out, O_CLOEXEC));
        ASSERT_OK(pipe2(err, O_CLOEXEC));
        if (t && t->extra_fd)
                ASSERT_TRUE((extra = memfd_create("extra", MFD_CLOEXEC)) >= 0);
        int idx = sandbox_plan_add_step(plan, argv, -EBADF, out[1], err[1], extra, true);
        ASSERT_OK(idx);
        if (t)
                ASSERT_OK(sandbox_plan_set_step_options(plan, idx, &t->options));
        if (job_outer_uid != (uid_t) -1) {
                plan->outer_uid = job_outer_uid;
                plan->outer_gid = (gid_t) job_outer_uid;
        }
        if (warm_mode) {
                ASSERT_OK(sandbox_plan_new(&warm_plan, t && t->warm_layout ? t->warm_layout : layout,
                                           t && t->warm_seccomp ? t->warm_seccomp : plan->seccomp));
                warm_plan->outer_uid = plan->outer_uid;
                warm_plan->outer_gid = plan->outer_gid;
                ASSERT_OK(sandbox_spawn_warm(warm_plan, init_path, &p));
        } else
                ASSERT_OK(sandbox_spawn(plan, init_path, &p));

        bool out_open = true, err_open = true, done = false;
        SandboxReport r;
        ASSERT_EQ(read(p.report_fd, &r, sizeof(r)), (ssize_t) sizeof(r));
        if (r.kind == SANDBOX_REPORT_SETUP_FAILED) {
                fprintf(stderr, "setup failed: %s step %d: %s\n", sandbox_stage_to_string(r.stage), r.step,
                        strerror(r.error));
                abort();
        }
        ASSERT_EQ(r.kind, SANDBOX_REPORT_READY);
        if (job_outer_uid != (uid_t) -1) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/status", (int) p.pid);
                int fd = open(path, O_RDONLY | O_CLOEXEC);
                ASSERT_TRUE(fd >= 0);
                ssize_t n = read(fd, init_status, sizeof(init_status) - 1);
                ASSERT_TRUE(n > 0);
                init_status[n] = 0;
                close(fd);
        }
        ASSERT_OK(sandbox_process_go(&p));
        /* A warm init waits for its job's plan: the plan's fds go with it, and it is the go. */
        if (warm_mode) {
                if (t && t->go_delay_ms > 0)
                        (void) poll(NULL, 0, (int) t->go_delay_ms);
                ASSERT_OK(sandbox_process_send_plan(&p, plan));
        }

        while (out_open || err_open || !done) {
                struct pollfd pf[3] = {
                        { .fd = out_open ? out[0] : -1, .events = POLLIN },
                        { .fd = err_open ? err[0] : -1, .events = POLLIN },
                        { .fd = done ? -1 : p.report_fd, .events = POLLIN },
                };
                int n = poll(pf, 3, kill_after_ms > 0 ? kill_after_ms : 10000);
                ASSERT_TRUE(n >= 0);
                if (n == 0) {
                        ASSERT_TRUE(kill_after_ms > 0);
                        ASSERT_OK(sandbox_process_kill(&p));
                        kill_after_ms = 0;
                        continue;
                }
                if (pf[0].revents)
                        drain(out[0], res->out, &res->out_len, sizeof(res->out), &out_open);
                if (pf[1].revents)
                        drain(err[0], res->err, &res->err_len, sizeof(res->err), &err_open);
                if (pf[2].revents) {
                        ASSERT_EQ(read(p.report_fd, &r, sizeof(r)), (ssize_t) sizeof(r));
                        if (r.kind == SANDBOX_REPORT_STEP_EXITED)
                                res->last_exit = r;
                        else if (r.kind == SANDBOX_REPORT_KILLED)
                                res->killed = true;
                        else if (r.kind == SANDBOX_REPORT_STEP_FAILED || r.kind == SANDBOX_REPORT_SETUP_FAILED) {
                                res->setup_failed = true;
                                res->failure = r;
                        } else if (r.kind == SANDBOX_REPORT_DONE)
                                done = true;
                }
        }
        sandbox_process_release(&p);
        int status;
        ASSERT_EQ(waitpid(p.pid, &status, 0), p.pid);
        ASSERT_TRUE(WIFEXITED(status));
        close(out[0]);
        close(err[0]);
        sandbox_process_done(&p);
}

static void run_job(char *const *argv, const char *code, const char *code_name, int kill_after_ms, Result *res) {
        run_job_tweaked(argv, code, code_name, kill_after_ms, NULL, res);
}

static void sh(const char *script, Result *res) {
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) script, NULL };
        run_job(argv, NULL, NULL, 0, res);
}

TEST(hello) {
        static Result res;
        sh("echo hello; echo oops >&2; exit 3", &res);
        ASSERT_STREQ(res.out, "hello\n");
        ASSERT_STREQ(res.err, "oops\n");
        ASSERT_TRUE(WIFEXITED(res.last_exit.status));
        ASSERT_EQ(WEXITSTATUS(res.last_exit.status), 3);
}

TEST(identity) {
        static Result res;
        sh("id -u; id -g; hostname; echo $HOME; pwd; cat /proc/self/uid_map | tr -s ' '", &res);
        fprintf(stderr, "%s", res.err);
        char expect[256];
        snprintf(expect, sizeof(expect), "1000\n1000\nsandrun\n/work\n/work\n 1000 %u 1\n", getuid());
        ASSERT_STREQ(res.out, expect);
}

TEST(init_is_exec) {
        static Result res;
        /* PID 1 is sandrun-init, a program of its own, not a copy of this test (or of a daemon). */
        sh("tr '\\0' ' ' </proc/1/cmdline; echo; grep -E '^(Name|Uid|CapAmb):' /proc/1/status | tr -s '\\t' ' '",
           &res);
        fprintf(stderr, "%s", res.err);
        ASSERT_TRUE(strncmp(res.out, "sandrun-init \nName: sandrun-init\n", 33) == 0);
        ASSERT_TRUE(strstr(res.out, "Uid: 1000 1000 1000 1000\n") != NULL);
        /* The ambient set only carried its capabilities across the execve; it is cleared at once. */
        ASSERT_TRUE(strstr(res.out, "CapAmb: 0000000000000000\n") != NULL);
}

TEST(isolation) {
        static Result res;
        /* Only our own processes, no network but lo, read-only system dirs, writable work and tmp. */
        sh("ls /proc | grep -c '^[0-9]' ; ls /sys/class/net 2>/dev/null | wc -l; "
           "cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '; "
           "touch /usr/x 2>/dev/null && echo usr-writable; touch /etc/x 2>/dev/null && echo etc-writable; "
           "touch /x 2>/dev/null && echo root-writable; touch /dev/x 2>/dev/null && echo dev-writable; "
           "touch /work/x /tmp/x /dev/shm/x && echo writable; ls /dev | tr '\\n' ' '; echo; "
           "grep -c . /etc/passwd", &res);
        fprintf(stderr, "%s", res.err);
        /* sh, ls and grep: three processes in the job's PID namespace, plus init. */
        ASSERT_TRUE(strstr(res.out, "lo\n") != NULL);
        ASSERT_TRUE(strstr(res.out, "eth") == NULL);
        ASSERT_TRUE(strstr(res.out, "-writable") == NULL);
        ASSERT_TRUE(strstr(res.out, "\nwritable\n") != NULL);
        ASSERT_TRUE(strstr(res.out, "fd full null random shm stderr stdin stdout urandom zero") != NULL);
        ASSERT_TRUE(strstr(res.out, "\n3\n") != NULL); /* our own passwd, three lines */
        int procs = atoi(res.out);
        ASSERT_TRUE(procs >= 2 && procs <= 5);
}

TEST(no_capabilities) {
        static Result res;
        sh("grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status | tr -s '\\t' ' '",
           &res);
        ASSERT_TRUE(strstr(res.out, "CapInh: 0000000000000000") != NULL);
        ASSERT_TRUE(strstr(res.out, "CapPrm: 0000000000000000") != NULL);
        ASSERT_TRUE(strstr(res.out, "CapEff: 0000000000000000") != NULL);
        ASSERT_TRUE(strstr(res.out, "CapBnd: 0000000000000000") != NULL);
        ASSERT_TRUE(strstr(res.out, "CapAmb: 0000000000000000") != NULL);
        ASSERT_TRUE(strstr(res.out, "NoNewPrivs: 1") != NULL);
        ASSERT_TRUE(strstr(res.out, "Seccomp: 2") != NULL);
}

TEST(code_file_and_python) {
        static Result res;
        char *argv[] = { (char *) "/usr/bin/python3", (char *) "main.py", (char *) "arg1", NULL };
        if (access(argv[0], X_OK) < 0) {
                fprintf(stderr, "    (python3 not installed, skipped)\n");
                return;
        }
        run_job(argv, "import sys, os\nprint('hi', sys.argv[1:], os.getcwd())\n", "main.py", 0, &res);
        fprintf(stderr, "%s status=%d failed=%d stage=%d err=%d\n", res.err, res.last_exit.status, res.setup_failed, res.failure.stage, res.failure.error);
        ASSERT_STREQ(res.out, "hi ['arg1'] /work\n");
}

TEST(orphans_are_killed) {
        static Result res;
        /* A daemonised sleeper must not keep the job alive after its entrypoint ends. */
        sh("(setsid sleep 1000 &) ; echo started", &res);
        ASSERT_STREQ(res.out, "started\n");
        ASSERT_TRUE(WIFEXITED(res.last_exit.status));
}

TEST(kill_request) {
        static Result res;
        char *argv[] = { (char *) "/bin/sleep", (char *) "1000", NULL };
        run_job(argv, NULL, NULL, 200, &res);
        ASSERT_TRUE(res.killed);
}

TEST(exec_failure) {
        static Result res;
        char *argv[] = { (char *) "/nonexistent", NULL };
        run_job(argv, NULL, NULL, 0, &res);
        ASSERT_TRUE(res.setup_failed);
        ASSERT_EQ(res.failure.stage, SANDBOX_STAGE_EXEC);
        ASSERT_EQ(res.failure.error, ENOENT);
}

/*
 * What a step's program sees of how it was started, on stdout: its I/O counters (which execve() keeps),
 * argv, environment, fds 0-3 and 9, cwd,
 * umask, rlimits, capabilities, NoNewPrivs, Seccomp, signal mask and dispositions (of the shell itself and
 * of a program it runs), whether it leads its process group and session; then exit 7. On stderr what may
 * differ: its pid, and its age in clock ticks when it printed it.
 */
static const char probe[] =
        "grep -E '^(rchar|wchar|syscr|syscw)' /proc/$$/io; echo \"argv: $0|$1|$2|$#\"; env; echo \"cwd: $(pwd -P) umask: $(umask)\"; "
        "find /proc/$$/fd -mindepth 1 -printf '%f %l\\n' >/tmp/fds; sed 's/\\[[0-9]*\\]//' /tmp/fds | sort; "
        "cat /proc/$$/limits; "
        "grep -E '^(Sig(Blk|Ign|Cgt)|Cap|NoNewPrivs|Seccomp)' /proc/$$/status /proc/self/status | "
        "tr -s '\\t' ' ' | sed \"s|^/proc/$$/|shell |\"; "
        "set -- $(cat /proc/$$/stat); [ $1 = $5 ] && [ $1 = $6 ] && echo 'leads its group and session'; "
        "u=$(cut -d' ' -f1 /proc/uptime | tr -d .); echo \"$1 $((u - ${22}))\" >&2; exit 7";

/* What the probe prints, cold: the plan's argv, cwd and fds (while find runs, the shell holds its stdout at
 * 10 and the file at 1), the layout's rlimits, nothing blocked or ignored, no capabilities, the filter. */
static const char *const probe_expected[] = {
        "wchar: 0\nsyscr: ",
        "syscw: 0\n",
        "argv: zero|one two|three|2\n",
        "cwd: /work umask: 0022\n",
        "\n0 /dev/null\n1 /tmp/fds\n10 pipe:\n2 pipe:\n",
        "Max open files            256                  256",
        "/proc/self/status:SigBlk: 0000000000000000\n",
        "/proc/self/status:SigIgn: 0000000000000000\n",
        "/proc/self/status:CapBnd: 0000000000000000\n",
        "/proc/self/status:NoNewPrivs: 1\n",
        "/proc/self/status:Seccomp: 2\n",
        "\nleads its group and session\n",
};

static void run_probe(const Tweaks *t, Result *res, int *ret_pid, long *ret_age_ticks) {
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) probe, (char *) "zero",
                         (char *) "one two", (char *) "three", NULL };

        run_job_tweaked(argv, NULL, NULL, 0, t, res);
        ASSERT_TRUE(!res->setup_failed);
        ASSERT_TRUE(WIFEXITED(res->last_exit.status));
        ASSERT_EQ(WEXITSTATUS(res->last_exit.status), 7);
        ASSERT_EQ(sscanf(res->err, "%d %ld", ret_pid, ret_age_ticks), 2);
}

/* The same filter behind a jump to the next instruction: what it allows is the same, its bytes not. */
static SeccompProgram *seccomp_other(void) {
        size_t n = seccomp_program_size(seccomp);
        _cleanup_free_ struct sock_filter *insns = calloc(n + 1, sizeof(struct sock_filter));
        SeccompProgram *p;

        ASSERT_TRUE(insns);
        insns[0] = (struct sock_filter) BPF_STMT(BPF_JMP | BPF_JA, 0);
        memcpy(insns + 1, seccomp_program_insns(seccomp), n * sizeof(struct sock_filter));
        ASSERT_OK(seccomp_program_from_insns(insns, n + 1, &p));
        return p;
}

/*
 * A warm init forks the job's first step's process ahead, confined, and gives it the job at the go; a job
 * that does not fit it (other rlimits, another filter, a fresh work dir) gets a process forked after it
 * came. The program must not see a difference, but for its pid and its age: the pre-forked one is the
 * init's first child (pid 2, as a cold job's), a fallback's is its second, and only the pre-forked one is
 * older than its job.
 */
TEST(prefork_same_as_cold) {
        static Result cold, warm;
        _cleanup_(sandbox_layout_freep) SandboxLayout *other_layout = NULL;
        _cleanup_(seccomp_program_freep) SeccompProgram *other_seccomp = seccomp_other();
        SandboxLimits other_limits = {
                .work_size = 16 << 20, .tmp_size = 16 << 20, .max_open_files = 255,
                .max_file_size = 16 << 20,
        };
        int pid;
        long age;

        ASSERT_OK(sandbox_layout_new(&other_layout, &other_limits, getuid(), getgid()));
        for (int plain = 0; plain <= 1; plain++) {
                /* With a CPU limit and an fd 3, and without either. */
                Tweaks t = { .go_delay_ms = 300 };
                if (!plain) {
                        t.options.cpu_limit_sec = 30;
                        t.extra_fd = true;
                }
                warm_mode = false;
                run_probe(&t, &cold, &pid, &age);
                fprintf(stderr, "    cold: pid %d, %ld ticks old\n%s", pid, age, cold.out);
                ASSERT_EQ(pid, 2);
                for (size_t i = 0; i < ELEMENTSOF(probe_expected); i++)
                        if (!strstr(cold.out, probe_expected[i])) {
                                fprintf(stderr, "missing: %s\n", probe_expected[i]);
                                abort();
                        }
                ASSERT_TRUE((strstr(cold.out, "\n3 /memfd:extra (deleted)\n") != NULL) == !plain);
                bool cpu_limited = strstr(cold.out, "Max cpu time              30                   31");
                ASSERT_TRUE(cpu_limited == !plain);
                ASSERT_TRUE(strstr(cold.out, "\n9 ") == NULL);

                warm_mode = true;
                run_probe(&t, &warm, &pid, &age);
                fprintf(stderr, "    pre-forked: pid %d, %ld ticks old\n", pid, age);
                ASSERT_STREQ(warm.out, cold.out);
                ASSERT_EQ(pid, 2);
                ASSERT_TRUE(age >= 20);         /* forked before the job, which came 300 ms after the go */

                Tweaks other_rlimits = t, other_filter = t, fresh = t;
                other_rlimits.warm_layout = other_layout;
                other_filter.warm_seccomp = other_seccomp;
                fresh.options.fresh_fs = true;
                const Tweaks *fallbacks[] = { &other_rlimits, &other_filter, &fresh };
                for (size_t i = 0; i < ELEMENTSOF(fallbacks); i++) {
                        run_probe(fallbacks[i], &warm, &pid, &age);
                        fprintf(stderr, "    fallback %zu: pid %d, %ld ticks old\n", i, pid, age);
                        ASSERT_STREQ(warm.out, cold.out);
                        ASSERT_EQ(pid, 3);
                }
        }
        warm_mode = false;
}

static void assert_step_failed(const Result *res, SandboxStage stage, int error) {
        ASSERT_TRUE(res->setup_failed);
        ASSERT_EQ(res->failure.kind, SANDBOX_REPORT_STEP_FAILED);
        ASSERT_EQ(res->failure.stage, stage);
        ASSERT_EQ(res->failure.step, 0);
        ASSERT_EQ(res->failure.error, error);
}

/*
 * A step that cannot be started is reported with the same stage whichever process it was to be. A filter
 * the kernel refuses fails the pre-forked process before the job came: it ends without a word, and the
 * step forked after the job came reports it.
 */
TEST(prefork_failures) {
        static Result res;
        char *argv[] = { (char *) "/nonexistent", NULL };
        char *true_argv[] = { (char *) "/bin/true", NULL };
        const struct sock_filter no_return[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0) };
        _cleanup_(seccomp_program_freep) SeccompProgram *refused = NULL;
        Tweaks prefork = { .extra_fd = true }, fresh = { .options.fresh_fs = true };
        Tweaks late = { .go_delay_ms = 100 };
        const Tweaks *ways[] = { NULL, &prefork, &fresh };

        for (size_t i = 0; i < ELEMENTSOF(ways); i++) {
                warm_mode = i > 0;
                run_job_tweaked(argv, NULL, NULL, 0, ways[i], &res);
                assert_step_failed(&res, SANDBOX_STAGE_EXEC, ENOENT);
        }

        ASSERT_OK(seccomp_program_from_insns(no_return, ELEMENTSOF(no_return), &refused));
        late.job_seccomp = refused;
        for (int warm = 0; warm <= 1; warm++) {
                warm_mode = warm;
                run_job_tweaked(true_argv, NULL, NULL, 0, &late, &res);
                assert_step_failed(&res, SANDBOX_STAGE_SECCOMP, EINVAL);
        }
        warm_mode = false;
}

/* The root runner's world: the job maps to a uid of its own, and its init holds none of root's ids. */
TEST(root_maps_a_job_uid) {
        static Result res;
        char expect[256];

        job_outer_uid = UID_POOL_DEFAULT_FIRST + 77;
        sh("id -u; id -g; id -G; tr -s ' ' < /proc/self/uid_map; tr -s ' ' </proc/self/gid_map", &res);
        fprintf(stderr, "%s", res.err);
        snprintf(expect, sizeof(expect), "1000\n1000\n1000\n 1000 %u 1\n", (unsigned) job_outer_uid);
        ASSERT_TRUE(strncmp(res.out, expect, strlen(expect)) == 0);
        snprintf(expect, sizeof(expect), "\nUid:\t%u\t%u\t%u\t%u\n", job_outer_uid, job_outer_uid, job_outer_uid,
                 job_outer_uid);
        ASSERT_TRUE(strstr(init_status, expect) != NULL);
        snprintf(expect, sizeof(expect), "\nGid:\t%u\t%u\t%u\t%u\n", job_outer_uid, job_outer_uid, job_outer_uid,
                 job_outer_uid);
        ASSERT_TRUE(strstr(init_status, expect) != NULL);
        /* Root's supplementary groups are gone too: nothing but blanks on the line. */
        const char *g = strstr(init_status, "\nGroups:");
        ASSERT_TRUE(g != NULL);
        g += strlen("\nGroups:");
        ASSERT_TRUE(strspn(g, " \t") == strcspn(g, "\n"));
        job_outer_uid = (uid_t) -1;
}

int main(int argc, char *argv[]) {
        ASSERT_TRUE(argc == 2);
        init_path = argv[1];
        SandboxLimits root_limits = {
                .work_size = 16 << 20, .tmp_size = 16 << 20, .max_open_files = 256, .max_file_size = 16 << 20,
        };
        if (getuid() == 0) {
                ASSERT_OK(sandbox_layout_new(&layout, &root_limits, 0, 0));
                ASSERT_OK(seccomp_program_compile(&seccomp));
                RUN(root_maps_a_job_uid);
                seccomp = seccomp_program_free(seccomp);
                layout = sandbox_layout_free(layout);
        }
        /* Then like today's daemon: unprivileged. */
        if (getuid() == 0) {
                struct passwd *pw = getpwnam("nobody");
                ASSERT_TRUE(pw);
                ASSERT_OK(setgroups(0, NULL));
                ASSERT_OK(setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid));
                ASSERT_OK(setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid));
        }
        SandboxLimits limits = {
                .work_size = 16 << 20, .tmp_size = 16 << 20, .max_open_files = 256, .max_file_size = 16 << 20,
        };
        ASSERT_OK(sandbox_layout_new(&layout, &limits, getuid(), getgid()));
        ASSERT_OK(seccomp_program_compile(&seccomp));

        RUN(hello);
        /* The same jobs again, each in a warm init given its plan only after it built the sandbox. */
        warm_mode = true;
        RUN(hello);
        RUN(identity);
        RUN(isolation);
        RUN(code_file_and_python);
        RUN(kill_request);
        RUN(exec_failure);
        warm_mode = false;
        RUN(prefork_same_as_cold);
        RUN(prefork_failures);
        RUN(identity);
        RUN(init_is_exec);
        RUN(isolation);
        RUN(no_capabilities);
        RUN(code_file_and_python);
        RUN(orphans_are_killed);
        RUN(kill_request);
        RUN(exec_failure);

        seccomp_program_free(seccomp);
        sandbox_layout_free(layout);
        return 0;
}
