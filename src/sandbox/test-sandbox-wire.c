/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The plan's wire format: a real plan survives the trip; hostile bytes are refused without a crash. */

#include <fcntl.h>
#include <sys/mount.h>

#include "sandbox-wire.h"
#include "seccomp-policy.h"
#include "strv.h"
#include "tests.h"

static SandboxLayout *layout;
static SeccompProgram *seccomp;

/* A real plan's bytes; its fds are closed with the plan, only their numbers in the bytes matter here. */
static void build_real(char **ret_buf, size_t *ret_len, size_t *ret_n) {
        int fds[SANDBOX_WIRE_FDS_MAX];
        _cleanup_(sandbox_plan_freep) SandboxPlan *plan = NULL;
        char *unpack[] = { (char *) "/usr/libexec/sandrun-stage", (char *) "unpack", NULL };
        char *run[] = { (char *) "/usr/bin/python3", (char *) "main.py", (char *) "", NULL };
        char *env[] = { (char *) "A=1", (char *) "B=two words", NULL };
        int p[2];

        ASSERT_OK(sandbox_plan_new(&plan, layout, seccomp));
        ASSERT_OK(sandbox_plan_set_env(plan, env));
        ASSERT_OK(sandbox_plan_set_code(plan, open("/dev/null", O_RDONLY | O_CLOEXEC), "main.py"));
        ASSERT_OK(pipe2(p, O_CLOEXEC));
        ASSERT_EQ(sandbox_plan_add_step(plan, unpack, -EBADF, -EBADF, p[1], p[0], false), 0);
        ASSERT_OK(pipe2(p, O_CLOEXEC));
        ASSERT_EQ(sandbox_plan_add_step(plan, run, p[0], p[1], -EBADF, -EBADF, true), 1);
        plan->drop_groups = true;
        ASSERT_OK(sandbox_wire_build(plan, ret_buf, ret_len, fds, ret_n));
}

TEST(round_trip) {
        _cleanup_free_ char *buf = NULL;
        size_t len, n_fds;
        SandboxWire *w = NULL;

        build_real(&buf, &len, &n_fds);
        /* code, unpack's stderr and extra, the program's stdin and stdout: in plan order. */
        ASSERT_EQ(n_fds, 5);
        ASSERT_OK(sandbox_wire_parse(buf, len, &w));

        const SandboxLayout *l = w->layout;
        ASSERT_EQ(l->n_ops, layout->n_ops);
        for (size_t i = 0; i < l->n_ops; i++) {
                ASSERT_EQ(l->ops[i].type, layout->ops[i].type);
                ASSERT_STREQ(l->ops[i].target, layout->ops[i].target);
                ASSERT_EQ(l->ops[i].flags, layout->ops[i].flags);
                ASSERT_EQ(l->ops[i].mode, layout->ops[i].mode);
                ASSERT_TRUE(!l->ops[i].source == !layout->ops[i].source);
                ASSERT_TRUE(!l->ops[i].data == !layout->ops[i].data);
        }
        ASSERT_STREQ(l->staging, layout->staging);
        ASSERT_EQ(strv_length(l->envp), strv_length(layout->envp));
        ASSERT_EQ(l->cap_last, layout->cap_last);
        for (int i = 0; i < RLIM_NLIMITS; i++) {
                ASSERT_EQ(l->rlimit_set[i], layout->rlimit_set[i]);
                ASSERT_EQ(l->rlimits[i].rlim_max, layout->rlimits[i].rlim_max);
        }
        ASSERT_EQ(seccomp_program_size(w->seccomp), seccomp_program_size(seccomp));
        ASSERT_TRUE(memcmp(seccomp_program_insns(w->seccomp), seccomp_program_insns(seccomp),
                           seccomp_program_size(seccomp) * SECCOMP_INSN_SIZE) == 0);

        const SandboxPlan *p = w->plan;
        ASSERT_TRUE(p->drop_groups);
        ASSERT_STREQ(p->envp[1], "B=two words");
        ASSERT_STREQ(p->code_path, "main.py");
        ASSERT_EQ(p->code_fd, SANDBOX_INIT_FD_FIRST);
        ASSERT_EQ(p->n_steps, 2);
        ASSERT_STREQ(p->steps[0].argv[1], "unpack");
        ASSERT_EQ(p->steps[0].stdin_fd, -EBADF);
        ASSERT_EQ(p->steps[0].stderr_fd, SANDBOX_INIT_FD_FIRST + 1);
        ASSERT_EQ(p->steps[0].extra_fd, SANDBOX_INIT_FD_FIRST + 2);
        ASSERT_TRUE(!p->steps[0].is_entrypoint);
        ASSERT_STREQ(p->steps[1].argv[2], "");
        ASSERT_EQ(strv_length(p->steps[1].argv), 3);
        ASSERT_EQ(p->steps[1].stdin_fd, SANDBOX_INIT_FD_FIRST + 3);
        ASSERT_EQ(p->steps[1].stdout_fd, SANDBOX_INIT_FD_FIRST + 4);
        ASSERT_TRUE(p->steps[1].is_entrypoint);
        sandbox_wire_free(w, false);
}

/* Every proper prefix is truncated, and one byte more is trailing: all refused. */
TEST(truncated_and_trailing) {
        _cleanup_free_ char *buf = NULL;
        size_t len, n_fds;
        SandboxWire *w = NULL;

        build_real(&buf, &len, &n_fds);
        for (size_t n = 0; n < len; n++)
                ASSERT_TRUE(sandbox_wire_parse(buf, n, &w) < 0);
        char *longer = malloc(len + 1);
        ASSERT_TRUE(longer);
        memcpy(longer, buf, len);
        longer[len] = 0;
        ASSERT_ERROR(sandbox_wire_parse(longer, len + 1, &w), EBADMSG);
        free(longer);
}

/* Any single corrupted byte either is refused or gives a plan within the limits; never a crash. */
TEST(corrupted_bytes) {
        _cleanup_free_ char *buf = NULL;
        size_t len, n_fds;

        build_real(&buf, &len, &n_fds);
        for (size_t i = 0; i < len; i++)
                for (unsigned v = 0; v < 256; v += 85) {
                        char saved = buf[i];
                        SandboxWire *w = NULL;
                        buf[i] = (char) (saved ^ (v | 1));
                        if (sandbox_wire_parse(buf, len, &w) >= 0) {
                                ASSERT_TRUE(w->plan->n_steps >= 1 && w->plan->n_steps <= SANDBOX_STEPS_MAX);
                                for (size_t s = 0; s < w->plan->n_steps; s++)
                                        ASSERT_TRUE(w->plan->steps[s].argv[0][0] == '/');
                                sandbox_wire_free(w, false);
                        }
                        buf[i] = saved;
                }
}

/* A hand-made plan, to put one hostile value at a time where the parser must catch it. */
typedef struct Hand {
        char buf[4096];
        size_t len;
} Hand;

static void h_bytes(Hand *h, const void *p, size_t n) {
        ASSERT_TRUE(h->len + n <= sizeof(h->buf));
        memcpy(h->buf + h->len, p, n);
        h->len += n;
}
static void h_u32(Hand *h, uint32_t v) {
        uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };
        h_bytes(h, b, 4);
}
static void h_u64(Hand *h, uint64_t v) {
        h_u32(h, (uint32_t) v);
        h_u32(h, (uint32_t) (v >> 32));
}
static void h_str(Hand *h, const char *s) {
        uint8_t present = !!s;
        h_bytes(h, &present, 1);
        if (s) {
                h_u32(h, strlen(s));
                h_bytes(h, s, strlen(s));
        }
}

typedef struct HandPlan {
        uint32_t op_type;
        uint64_t op_flags;
        const char *op_target;
        uint32_t cap_last;
        uint32_t n_insns;
        const char *code_path;
        uint32_t code_fd;
        uint32_t n_steps;
        const char *argv0;
        uint32_t argc;
        uint32_t stdout_fd;
        uint32_t n_fds;
        const char *tmp_options;
        uint32_t step_options;
        uint64_t wall_limit, cpu_limit;
} HandPlan;

static const HandPlan good = {
        .op_type = MOUNT_OP_TMPFS, .op_flags = MS_NOSUID, .op_target = "/tmp", .cap_last = 40, .n_insns = 1,
        .code_path = "main.py", .code_fd = SANDBOX_INIT_FD_FIRST, .n_steps = 1, .argv0 = "/bin/true",
        .argc = 1, .stdout_fd = SANDBOX_INIT_FD_FIRST + 1, .n_fds = 2,
        .tmp_options = "size=1", .step_options = 7, .wall_limit = 1000000, .cpu_limit = 1,
};

static int parse_hand(const HandPlan *p) {
        Hand h = {};
        SandboxWire *w = NULL;
        int r;

        h_bytes(&h, "SANDRUN\x01", 8);
        h_str(&h, "/tmp");
        h_u32(&h, 1);
        h_u32(&h, p->op_type);
        h_str(&h, "tmpfs");
        h_str(&h, p->op_target);
        h_str(&h, "size=1");
        h_u64(&h, p->op_flags);
        h_u32(&h, 0755);
        h_u32(&h, 0);                   /* default environment */
        h_u32(&h, 1);                   /* one rlimit */
        h_u32(&h, RLIMIT_CORE);
        h_u64(&h, 0);
        h_u64(&h, 0);
        h_u32(&h, p->cap_last);
        h_str(&h, p->tmp_options);      /* /tmp's options, for a test case's fresh one */
        h_str(&h, "size=2");            /* /work's */
        h_u32(&h, 0);                   /* drop_groups */
        h_u32(&h, p->n_insns);
        for (uint32_t i = 0; i < MIN(p->n_insns, 8U); i++)
                h_u64(&h, 0x7fff000000000006ULL);
        h_u32(&h, 0);                   /* plan environment: the layout's */
        h_str(&h, p->code_path);
        h_u32(&h, p->code_fd);
        h_u32(&h, p->n_steps);
        for (uint32_t s = 0; s < MIN(p->n_steps, 1U); s++) {
                h_u32(&h, p->argc);
                for (uint32_t i = 0; i < MIN(p->argc, 4U); i++)
                        h_str(&h, i == 0 ? p->argv0 : "x");
                h_u32(&h, UINT32_MAX);
                h_u32(&h, p->stdout_fd);
                h_u32(&h, UINT32_MAX);
                h_u32(&h, UINT32_MAX);
                h_u32(&h, 1);
                h_u32(&h, p->step_options);
                h_u64(&h, p->wall_limit);
                h_u64(&h, p->cpu_limit);
        }
        h_u32(&h, p->n_fds);

        r = sandbox_wire_parse(h.buf, h.len, &w);
        if (r >= 0)
                sandbox_wire_free(w, false);
        return r;
}

TEST(hostile_values) {
        HandPlan p;

        ASSERT_OK(parse_hand(&good));

#define BAD(field, value)                                       \
        do {                                                    \
                p = good;                                       \
                p.field = value;                                \
                ASSERT_TRUE(parse_hand(&p) < 0);                \
        } while (0)

        BAD(op_type, MOUNT_OP_READ_ONLY + 1);
        BAD(op_type, UINT32_MAX);
        BAD(op_flags, MS_BIND);                 /* only the flags a layout uses */
        BAD(op_flags, 1ULL << 40);
        BAD(op_target, "relative");
        BAD(op_target, NULL);
        BAD(cap_last, 64);
        BAD(n_insns, 0);
        BAD(n_insns, 4097);
        BAD(n_insns, UINT32_MAX);               /* more than the bytes that follow */
        BAD(code_path, "../escape");
        BAD(code_path, "a/b");
        BAD(code_path, "..");
        BAD(code_path, "");
        BAD(code_path, NULL);                   /* an fd without a name */
        BAD(code_fd, 2);                        /* below the passed range: the init's own stderr */
        BAD(code_fd, SANDBOX_INIT_FD_FIRST + SANDBOX_WIRE_FDS_MAX);
        BAD(stdout_fd, SANDBOX_INIT_FD_FIRST);  /* one fd named twice would be closed twice */
        BAD(n_fds, 1);                          /* a passed fd the plan does not name */
        BAD(n_fds, 3);                          /* a named fd that was not passed */
        BAD(n_steps, 0);                        /* a program but nothing to run it */
        BAD(n_steps, SANDBOX_STEPS_MAX + 1);
        BAD(n_steps, UINT32_MAX);
        BAD(argv0, "true");
        BAD(argc, 0);
        BAD(argc, SANDBOX_WIRE_STRV_MAX + 1);
        BAD(argc, UINT32_MAX);
        BAD(step_options, 8);
        BAD(step_options, UINT32_MAX);
        BAD(wall_limit, UINT64_MAX);            /* would overflow the init's deadline */
        BAD(cpu_limit, 86401);
        BAD(tmp_options, NULL);                 /* a fresh /tmp for a test case, but no options for it */
#undef BAD
        p = good;
        p.tmp_options = NULL;
        p.step_options = 5;                     /* no fresh file systems: no options needed */
        ASSERT_OK(parse_hand(&p));
        /* A warm init's plan: the layout only, no program, no steps, no fds. */
        p = good;
        p.code_path = NULL;
        p.code_fd = -1;
        p.n_steps = 0;
        p.n_fds = 0;
        ASSERT_OK(parse_hand(&p));

        /* An embedded NUL would cut a path short of what was checked. */
        Hand h = {};
        SandboxWire *w = NULL;
        h_bytes(&h, "SANDRUN\x01", 8);
        h_bytes(&h, "\x01\x05\x00\x00\x00/t\0mp", 10);
        ASSERT_ERROR(sandbox_wire_parse(h.buf, h.len, &w), EBADMSG);
        ASSERT_ERROR(sandbox_wire_parse("SANDRUN\x02", 8, &w), EBADMSG);
        ASSERT_ERROR(sandbox_wire_parse("", 0, &w), EBADMSG);
        ASSERT_ERROR(sandbox_wire_parse(h.buf, SANDBOX_WIRE_SIZE_MAX + 1, &w), E2BIG);
}

int main(void) {
        SandboxLimits limits = {
                .work_size = 16 << 20, .tmp_size = 16 << 20, .max_open_files = 256, .max_file_size = 16 << 20,
        };
        ASSERT_OK(sandbox_layout_new(&layout, &limits, getuid(), getgid()));
        ASSERT_OK(seccomp_program_compile(&seccomp));

        RUN(round_trip);
        RUN(truncated_and_trailing);
        RUN(corrupted_bytes);
        RUN(hostile_values);

        seccomp_program_free(seccomp);
        sandbox_layout_free(layout);
        return 0;
}
