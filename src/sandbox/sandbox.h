/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One job's sandbox: a plan of what to run, the init that builds the sandbox and runs the plan, and the
 * messages that init sends back.
 *
 * The init is sandrun-init, a small program of its own: sandbox_spawn() starts it with a vfork-style
 * clone (the daemon's memory is shared only until the execve, and the daemon waits meanwhile) straight
 * into new user, PID, network, mount, IPC and UTS namespaces, and hands it the plan as bytes in a sealed
 * memfd (sandbox-wire.h). No process of a job is ever a copy of a daemon. The spawner writes the
 * namespace's uid and gid maps, then the init takes its ids, assembles the job's root and reports
 * SANDBOX_REPORT_READY, then waits. Once the daemon has put it into its scope, sandbox_process_go() lets
 * it continue: it enters a new cgroup namespace, copies the program into the work dir and runs the steps
 * one after another, each as an unprivileged process with no capabilities, no_new_privs and the seccomp
 * filter. After each step every process left in the job is killed. The init reports each step's end,
 * then SANDBOX_REPORT_DONE, and stays alive (keeping the scope populated, so the daemon can read the
 * final accounting) until the daemon releases it by closing the control pipe. Writing 'K' to the
 * control pipe kills whatever runs and ends the plan.
 * A step with pause_after waits for another 'G' after it ended: between a compile and a run the daemon
 * lowers the scope's limits, between test cases it reads the scope's counters.
 */

#include <stdint.h>
#include <sys/capability.h>
#include <sys/types.h>

#include "macro.h"
#include "sandbox-layout.h"

typedef struct SeccompProgram SeccompProgram;

/* Room for a compile step, a run per test case, and the unpack and pack helpers. */
#define SANDBOX_STEPS_MAX 72

/* How a step runs beyond its argv and fds; all zero is a plain step. */
typedef struct SandboxStepOptions {
        bool pause_after;       /* once it ended (and did not end the plan), wait for 'G' before the next */
        bool fresh_fs;          /* first: fresh /tmp and /dev/shm, and /work as it was before the first such step */
        bool keep_going;        /* however it ends, the plan goes on */
        uint64_t wall_limit_usec;       /* killed after this long, reported with error ETIME; 0: none */
        uint64_t cpu_limit_sec;         /* RLIMIT_CPU of its processes; 0: none */
} SandboxStepOptions;

typedef struct SandboxStep {
        char **argv;
        int stdin_fd;           /* -EBADF: /dev/null */
        int stdout_fd;          /* -EBADF: /dev/null */
        int stderr_fd;          /* -EBADF: /dev/null */
        int extra_fd;           /* becomes fd 3; -EBADF: none */
        bool is_entrypoint;     /* the job's own program, as opposed to a staging helper */
        SandboxStepOptions options;
} SandboxStep;

typedef struct SandboxPlan {
        const SandboxLayout *layout;
        const SeccompProgram *seccomp;
        cap_t no_caps;
        uid_t outer_uid;        /* what the job's SANDBOX_UID is on the host; the layout's by default */
        gid_t outer_gid;
        bool drop_groups;       /* the spawner is privileged: setgroups stays allowed, the init drops all */
        char **envp;            /* NULL: the layout's default */
        int code_fd;            /* copied to code_path in the work dir before the first step */
        char *code_path;
        SandboxStep steps[SANDBOX_STEPS_MAX];
        size_t n_steps;
} SandboxPlan;

int sandbox_plan_new(SandboxPlan **ret, const SandboxLayout *layout, const SeccompProgram *seccomp);
SandboxPlan *sandbox_plan_free(SandboxPlan *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(SandboxPlan *, sandbox_plan_free);

/* Copies the program in `code_fd` (taken) to `name` inside the work dir. */
int sandbox_plan_set_code(SandboxPlan *p, int code_fd, const char *name);
/* Replaces the environment; `envp` is copied. */
int sandbox_plan_set_env(SandboxPlan *p, char *const *envp);
/* Appends a step; argv is copied, the fds are taken (also on failure). Returns the step's index. */
int sandbox_plan_add_step(SandboxPlan *p, char *const *argv, int stdin_fd, int stdout_fd, int stderr_fd,
                          int extra_fd, bool is_entrypoint);
/* Sets the options of step `idx`, as returned by sandbox_plan_add_step(). */
int sandbox_plan_set_step_options(SandboxPlan *p, int idx, const SandboxStepOptions *options);

typedef enum SandboxReportKind {
        SANDBOX_REPORT_READY = 1,       /* sandbox built, waiting for go */
        SANDBOX_REPORT_SETUP_FAILED,    /* stage: SandboxStage, error: errno */
        SANDBOX_REPORT_STEP_FAILED,     /* a step could not be started; step, error: errno */
        SANDBOX_REPORT_STEP_EXITED,     /* step, status: the wait status; error ETIME past its wall limit;
                                         * cpu_usec, maxrss_kb and wall_usec: the step's own figures */
        SANDBOX_REPORT_KILLED,          /* the daemon asked, everything was killed */
        SANDBOX_REPORT_DONE,            /* no more steps will run; waiting for release */
} SandboxReportKind;

typedef enum SandboxStage {
        SANDBOX_STAGE_IDS = 1,
        SANDBOX_STAGE_HOSTNAME,
        SANDBOX_STAGE_MOUNT,            /* error at mount op number `step` */
        SANDBOX_STAGE_PIVOT,
        SANDBOX_STAGE_CGROUP_NS,
        SANDBOX_STAGE_CODE,
        SANDBOX_STAGE_WAIT,
        SANDBOX_STAGE_FDS,
        SANDBOX_STAGE_LIMITS,
        SANDBOX_STAGE_CAPS,
        SANDBOX_STAGE_SECCOMP,
        SANDBOX_STAGE_EXEC,
        SANDBOX_STAGE_LOOPBACK,
        SANDBOX_STAGE_PLAN,             /* sandrun-init could not read or parse its plan */
        SANDBOX_STAGE_CASE_FS,          /* the fresh /tmp, /dev/shm and /work of a test case */
} SandboxStage;

typedef struct SandboxReport {
        int32_t kind;
        int32_t stage;
        int32_t step;
        int32_t error;
        int32_t status;
        uint64_t cpu_usec;      /* of every process of the step, from the init's rusage of its children */
        uint64_t maxrss_kb;     /* the step's largest resident set */
        uint64_t wall_usec;
} SandboxReport;

const char *sandbox_stage_to_string(SandboxStage s);

/* Parses reports from a read() of the report pipe; reports are written whole, so a read holds whole ones. */
int sandbox_report_parse(const void *buf, size_t len, SandboxReport *ret);

typedef struct SandboxProcess {
        pid_t pid;
        int pidfd;
        int control_fd;         /* write end: 'G' to go, 'K' to kill, close to release */
        int report_fd;          /* read end of SandboxReport messages */
} SandboxProcess;

/*
 * Starts `init_path` (sandrun-init) with the plan. The plan's fds are given to the init and closed here;
 * the plan can be freed after. As root the job's ids map to any plan->outer_uid/gid, with setgroups
 * allowed so that the init drops the supplementary groups; otherwise only to our own uid and gid.
 */
int sandbox_spawn(SandboxPlan *plan, const char *init_path, SandboxProcess *ret);
/*
 * A warm init: the same, but with a plan of no steps and no code (the runner's layout only), and a control
 * socket instead of a pipe. It builds the sandbox, reports READY, and after 'G' (once in its scope) waits
 * for its job's plan, which sandbox_process_send_plan() sends with the plan's fds; that plan's layout
 * must be the one the init was started with. Sending the plan is the job's go: its steps run at once, the
 * first in the process the init forked and confined while it waited (sandbox_child_prefork()).
 */
int sandbox_spawn_warm(SandboxPlan *plan, const char *init_path, SandboxProcess *ret);
/* The most descriptors one plan message carries (the kernel's SCM_MAX_FD), the plan's memfd included. */
#define SANDBOX_SEND_FDS_MAX 253
int sandbox_process_send_plan(SandboxProcess *p, SandboxPlan *plan);
int sandbox_process_go(SandboxProcess *p);
int sandbox_process_kill(SandboxProcess *p);
/* Lets the init exit, which ends every process of the job. */
void sandbox_process_release(SandboxProcess *p);
void sandbox_process_done(SandboxProcess *p);

/* The init's main work, in sandrun-init; never returns. Logs nothing: it reports through report_fd, and
 * allocates nothing once it forks a step. */
_noreturn_ void sandbox_child_main(const SandboxPlan *plan, int report_fd, int control_fd);
/* The two halves of it. prepare builds the sandbox, reports READY, waits for 'G' (exits on anything
 * else) and enters the cgroup namespace; it returns the SIGCHLD signalfd that run needs. A warm init
 * (sandrun-init --warm) prepares with a plan of no steps, then runs the job's plan it receives. */
int sandbox_child_prepare(const SandboxPlan *plan, int report_fd, int control_fd);

/* A warm init's first step, its process forked and set up ahead of the job (sandbox_child_prefork()). */
typedef struct SandboxPrefork {
        pid_t pid;                      /* 0: none */
        int go_fd;                      /* our end of the socket it waits on */
        void *shared;                   /* mapped in both: the job's argv and environment, at the go */
        const SandboxPlan *plan;        /* the warm plan whose limits, privileges and filter it applied */
} SandboxPrefork;
/* Once prepared (in the scope, in the cgroup namespace): forks the first step's process and lets it do
 * everything of a step's start that does not depend on the job, then wait. Our end of its socket gets a
 * number of at least `go_fd_min`. run gives it step 0 if the job's plan fits exactly what it applied, and
 * otherwise kills it and forks the step as a cold init does. */
int sandbox_child_prefork(const SandboxPlan *plan, int report_fd, int go_fd_min, SandboxPrefork *ret);
/* `prefork` may be NULL (a cold init). */
_noreturn_ void sandbox_child_run(const SandboxPlan *plan, int report_fd, int control_fd, int signal_fd,
                                  SandboxPrefork *prefork);
