/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <limits.h>
#include <string.h>
#include <sys/mount.h>

#include "sandbox-wire.h"
#include "seccomp-policy.h"
#include "strv.h"

static const char wire_magic[8] = "SANDRUN\x01";

/* The mount flags a layout uses; anything else in a plan is refused. */
#define MOUNT_FLAGS_ALLOWED \
        (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

/* ---- writing ---- */

typedef struct WireWriter {
        char *buf;
        size_t len, allocated;
        int error;
} WireWriter;

static void put(WireWriter *w, const void *p, size_t n) {
        if (w->error < 0)
                return;
        if (w->len + n > SANDBOX_WIRE_SIZE_MAX) {
                w->error = -E2BIG;
                return;
        }
        if (w->len + n > w->allocated) {
                size_t a = MAX(w->allocated * 2, MAX(w->len + n, (size_t) 16384));
                char *b = realloc(w->buf, a);
                if (!b) {
                        w->error = -ENOMEM;
                        return;
                }
                w->buf = b;
                w->allocated = a;
        }
        memcpy(w->buf + w->len, p, n);
        w->len += n;
}

static void put_u32(WireWriter *w, uint32_t v) {
        uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };
        put(w, b, sizeof(b));
}

static void put_u64(WireWriter *w, uint64_t v) {
        put_u32(w, (uint32_t) v);
        put_u32(w, (uint32_t) (v >> 32));
}

/* A string, or NULL: a flag byte, then the length and the bytes. */
static void put_str(WireWriter *w, const char *s) {
        uint8_t present = !!s;

        put(w, &present, 1);
        if (!s)
                return;
        size_t n = strlen(s);
        if (n > SANDBOX_WIRE_STRING_MAX) {
                w->error = w->error ?: -E2BIG;
                return;
        }
        put_u32(w, (uint32_t) n);
        put(w, s, n);
}

static void put_strv(WireWriter *w, char *const *l) {
        size_t n = strv_length(l);

        if (n > SANDBOX_WIRE_STRV_MAX) {
                w->error = w->error ?: -E2BIG;
                return;
        }
        put_u32(w, (uint32_t) n);
        for (size_t i = 0; i < n; i++)
                put_str(w, l[i]);
}

/* An fd becomes the number the init will have it at; -1 for none. */
static void put_fd(WireWriter *w, int fd, int *fds, size_t *n_fds) {
        if (fd < 0) {
                put_u32(w, UINT32_MAX);
                return;
        }
        if (*n_fds >= SANDBOX_WIRE_FDS_MAX) {
                w->error = w->error ?: -E2BIG;
                return;
        }
        fds[*n_fds] = fd;
        put_u32(w, (uint32_t) (SANDBOX_INIT_FD_FIRST + *n_fds));
        (*n_fds)++;
}

int sandbox_wire_build(const SandboxPlan *plan, char **ret_buf, size_t *ret_len,
                       int ret_fds[static SANDBOX_WIRE_FDS_MAX], size_t *ret_n_fds) {
        const SandboxLayout *l = plan->layout;
        WireWriter w = {};
        int fds[SANDBOX_WIRE_FDS_MAX];
        size_t n_fds = 0, n_rlimits = 0;

        put(&w, wire_magic, sizeof(wire_magic));

        put_str(&w, l->staging);
        put_u32(&w, (uint32_t) l->n_ops);
        for (size_t i = 0; i < l->n_ops; i++) {
                const MountOp *op = &l->ops[i];
                put_u32(&w, op->type);
                put_str(&w, op->source);
                put_str(&w, op->target);
                put_str(&w, op->data);
                put_u64(&w, op->flags);
                put_u32(&w, op->mode);
        }
        put_strv(&w, l->envp);
        for (int i = 0; i < RLIM_NLIMITS; i++)
                n_rlimits += l->rlimit_set[i];
        put_u32(&w, (uint32_t) n_rlimits);
        for (int i = 0; i < RLIM_NLIMITS; i++)
                if (l->rlimit_set[i]) {
                        put_u32(&w, i);
                        put_u64(&w, l->rlimits[i].rlim_cur);
                        put_u64(&w, l->rlimits[i].rlim_max);
                }
        put_u32(&w, l->cap_last);
        put_str(&w, l->tmp_options);
        put_str(&w, l->work_options);

        put_u32(&w, plan->drop_groups);

        size_t n_insns = seccomp_program_size(plan->seccomp);
        put_u32(&w, (uint32_t) n_insns);
        put(&w, seccomp_program_insns(plan->seccomp), n_insns * SECCOMP_INSN_SIZE);

        put_strv(&w, plan->envp);
        put_str(&w, plan->code_path);
        put_fd(&w, plan->code_fd, fds, &n_fds);
        put_u32(&w, (uint32_t) plan->n_steps);
        for (size_t i = 0; i < plan->n_steps; i++) {
                const SandboxStep *s = &plan->steps[i];
                put_strv(&w, s->argv);
                put_fd(&w, s->stdin_fd, fds, &n_fds);
                put_fd(&w, s->stdout_fd, fds, &n_fds);
                put_fd(&w, s->stderr_fd, fds, &n_fds);
                put_fd(&w, s->extra_fd, fds, &n_fds);
                put_u32(&w, s->is_entrypoint);
                put_u32(&w, s->options.pause_after | s->options.fresh_fs << 1 | s->options.keep_going << 2);
                put_u64(&w, s->options.wall_limit_usec);
                put_u64(&w, s->options.cpu_limit_sec);
        }
        put_u32(&w, (uint32_t) n_fds);

        if (w.error < 0) {
                free(w.buf);
                return w.error;
        }
        *ret_buf = w.buf;
        *ret_len = w.len;
        memcpy(ret_fds, fds, n_fds * sizeof(int));
        *ret_n_fds = n_fds;
        return 0;
}

/* ---- parsing ---- */

typedef struct WireReader {
        const uint8_t *p;
        size_t left;
        bool bad;
        /* Which init fd numbers the plan named, so that none is named twice. */
        uint32_t fds_seen[(SANDBOX_WIRE_FDS_MAX + 31) / 32];
        size_t n_fds_seen;
} WireReader;

static bool get(WireReader *r, void *out, size_t n) {
        if (r->bad || r->left < n) {
                r->bad = true;
                if (out)
                        memset(out, 0, n);
                return false;
        }
        if (out)
                memcpy(out, r->p, n);
        r->p += n;
        r->left -= n;
        return true;
}

static uint32_t get_u32(WireReader *r) {
        uint8_t b[4];

        if (!get(r, b, sizeof(b)))
                return 0;
        return (uint32_t) b[0] | (uint32_t) b[1] << 8 | (uint32_t) b[2] << 16 | (uint32_t) b[3] << 24;
}

static uint64_t get_u64(WireReader *r) {
        uint64_t lo = get_u32(r);
        return lo | (uint64_t) get_u32(r) << 32;
}

/* A count no larger than `max`. */
static size_t get_count(WireReader *r, size_t max) {
        uint32_t n = get_u32(r);

        if (n > max)
                r->bad = true;
        return r->bad ? 0 : n;
}

/* Returns a copy; *ret stays NULL for an absent string. Refuses embedded NULs and lengths over max. */
static int get_str(WireReader *r, size_t max, char **ret) {
        uint8_t present;

        *ret = NULL;
        if (!get(r, &present, 1))
                return -EBADMSG;
        if (present > 1)
                return -EBADMSG;
        if (!present)
                return 0;
        uint32_t n = get_u32(r);
        if (r->bad || n > max || n > r->left)
                return -EBADMSG;
        if (memchr(r->p, 0, n))
                return -EBADMSG;
        char *s = strndup((const char *) r->p, n);
        if (!s)
                return -ENOMEM;
        get(r, NULL, n);
        *ret = s;
        return 0;
}

static int get_required_str(WireReader *r, size_t max, char **ret) {
        int k = get_str(r, max, ret);
        if (k < 0)
                return k;
        return *ret ? 0 : -EBADMSG;
}

static int get_strv(WireReader *r, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = get_count(r, SANDBOX_WIRE_STRV_MAX);
        int k;

        if (r->bad)
                return -EBADMSG;
        /* Each entry takes at least five bytes, so a hostile count cannot make us allocate much. */
        if (n > r->left / 5)
                return -EBADMSG;
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                k = get_required_str(r, SANDBOX_WIRE_STRING_MAX, &l[i]);
                if (k < 0)
                        return k;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int get_fd(WireReader *r, int *ret) {
        uint32_t v = get_u32(r);

        *ret = -EBADF;
        if (r->bad)
                return -EBADMSG;
        if (v == UINT32_MAX)
                return 0;
        if (v < SANDBOX_INIT_FD_FIRST || v >= SANDBOX_INIT_FD_FIRST + SANDBOX_WIRE_FDS_MAX)
                return -EBADMSG;
        uint32_t i = v - SANDBOX_INIT_FD_FIRST, bit = 1U << (i % 32);
        if (r->fds_seen[i / 32] & bit)
                return -EBADMSG;
        r->fds_seen[i / 32] |= bit;
        r->n_fds_seen++;
        *ret = (int) v;
        return 0;
}

static bool path_ok(const char *p) {
        return p && p[0] == '/' && strlen(p) < PATH_MAX;
}

static int parse_layout(WireReader *r, SandboxLayout **ret) {
        _cleanup_(sandbox_layout_freep) SandboxLayout *l = NULL;
        int k;

        l = calloc(1, sizeof(SandboxLayout));
        if (!l)
                return -ENOMEM;
        k = get_required_str(r, PATH_MAX - 1, &l->staging);
        if (k < 0)
                return k;
        if (!path_ok(l->staging))
                return -EBADMSG;

        size_t n_ops = get_count(r, SANDBOX_WIRE_OPS_MAX);
        if (r->bad || n_ops > r->left / 16)
                return -EBADMSG;
        l->ops = calloc(n_ops ?: 1, sizeof(MountOp));
        if (!l->ops)
                return -ENOMEM;
        for (size_t i = 0; i < n_ops; i++) {
                MountOp *op = &l->ops[i];
                uint32_t type = get_u32(r);
                l->n_ops++;     /* from here on the op is freed with the layout */
                if (type > MOUNT_OP_READ_ONLY)
                        return -EBADMSG;
                op->type = type;
                k = get_str(r, PATH_MAX - 1, &op->source);
                if (k < 0)
                        return k;
                k = get_required_str(r, PATH_MAX - 1, &op->target);
                if (k < 0)
                        return k;
                k = get_str(r, SANDBOX_WIRE_STRING_MAX, &op->data);
                if (k < 0)
                        return k;
                uint64_t flags = get_u64(r);
                uint32_t mode = get_u32(r);
                if (r->bad || (flags & ~(uint64_t) MOUNT_FLAGS_ALLOWED) || mode > 07777 || !path_ok(op->target))
                        return -EBADMSG;
                op->flags = flags;
                op->mode = mode;
                /* What each op reads must be there: the child dereferences it without checking. */
                bool binds = op->type == MOUNT_OP_BIND_RO || op->type == MOUNT_OP_BIND_DEV;
                bool needs_source = binds || op->type == MOUNT_OP_SYMLINK || op->type == MOUNT_OP_WRITE_FILE ||
                                    op->type == MOUNT_OP_TMPFS || op->type == MOUNT_OP_PROC;
                if ((needs_source && !op->source) || (binds && !path_ok(op->source)))
                        return -EBADMSG;
        }

        k = get_strv(r, &l->envp);
        if (k < 0)
                return k;

        size_t n_rlimits = get_count(r, RLIM_NLIMITS);
        for (size_t i = 0; i < n_rlimits; i++) {
                uint32_t res = get_u32(r);
                uint64_t cur = get_u64(r), max = get_u64(r);
                if (r->bad || res >= RLIM_NLIMITS || l->rlimit_set[res] || cur > max)
                        return -EBADMSG;
                l->rlimits[res] = (struct rlimit) { .rlim_cur = cur, .rlim_max = max };
                l->rlimit_set[res] = true;
        }
        uint32_t cap_last = get_u32(r);
        if (r->bad || cap_last > 63)
                return -EBADMSG;
        l->cap_last = (int) cap_last;
        k = get_str(r, SANDBOX_WIRE_STRING_MAX, &l->tmp_options);
        if (k < 0)
                return k;
        k = get_str(r, SANDBOX_WIRE_STRING_MAX, &l->work_options);
        if (k < 0)
                return k;

        *ret = TAKE_PTR(l);
        return 0;
}

static void forget_fds(SandboxPlan *p) {
        p->code_fd = -EBADF;
        for (size_t i = 0; i < p->n_steps; i++) {
                SandboxStep *s = &p->steps[i];
                s->stdin_fd = s->stdout_fd = s->stderr_fd = s->extra_fd = -EBADF;
        }
}

/* A plan that failed to parse closes nothing: its numbers were only read, never taken. */
static void plan_forget_freep(SandboxPlan **p) {
        if (!*p)
                return;
        forget_fds(*p);
        *p = sandbox_plan_free(*p);
}

int sandbox_wire_parse(const void *buf, size_t len, SandboxWire **ret) {
        WireReader r = { .p = buf, .left = len };
        _cleanup_free_ SandboxWire *w = NULL;
        _cleanup_(sandbox_layout_freep) SandboxLayout *layout = NULL;
        _cleanup_(seccomp_program_freep) SeccompProgram *seccomp = NULL;
        _cleanup_(plan_forget_freep) SandboxPlan *plan = NULL;
        char magic[sizeof(wire_magic)];
        int k;

        if (len > SANDBOX_WIRE_SIZE_MAX)
                return -E2BIG;
        if (!get(&r, magic, sizeof(magic)) || memcmp(magic, wire_magic, sizeof(magic)) != 0)
                return -EBADMSG;

        k = parse_layout(&r, &layout);
        if (k < 0)
                return k;

        uint32_t drop_groups = get_u32(&r);
        if (r.bad || drop_groups > 1)
                return -EBADMSG;

        size_t n_insns = get_count(&r, 4096);
        if (r.bad || n_insns == 0 || n_insns > r.left / SECCOMP_INSN_SIZE)
                return -EBADMSG;
        k = seccomp_program_from_insns(r.p, n_insns, &seccomp);
        if (k < 0)
                return k;
        get(&r, NULL, n_insns * SECCOMP_INSN_SIZE);

        k = sandbox_plan_new(&plan, layout, seccomp);
        if (k < 0)
                return k;
        plan->drop_groups = drop_groups;

        k = get_strv(&r, &plan->envp);
        if (k < 0)
                return k;
        if (!plan->envp[0])
                plan->envp = strv_free(plan->envp);
        k = get_str(&r, NAME_MAX, &plan->code_path);
        if (k < 0)
                return k;
        k = get_fd(&r, &plan->code_fd);
        if (k < 0)
                return k;
        /* The same rules as sandbox_plan_set_code(): a file name in the work dir, with its fd. */
        if (!plan->code_path != (plan->code_fd < 0))
                return -EBADMSG;
        if (plan->code_path && (!plan->code_path[0] || strchr(plan->code_path, '/') ||
                                strcmp(plan->code_path, ".") == 0 || strcmp(plan->code_path, "..") == 0))
                return -EBADMSG;

        /* No steps only for a warm init's plan (sandbox_spawn_warm()), which has no program either. */
        size_t n_steps = get_count(&r, SANDBOX_STEPS_MAX);
        if (r.bad || (n_steps == 0 && plan->code_fd >= 0))
                return -EBADMSG;
        for (size_t i = 0; i < n_steps; i++) {
                SandboxStep *s = &plan->steps[i];
                *s = (SandboxStep) { .stdin_fd = -EBADF, .stdout_fd = -EBADF, .stderr_fd = -EBADF,
                                     .extra_fd = -EBADF };
                plan->n_steps++;
                k = get_strv(&r, &s->argv);
                if (k < 0)
                        return k;
                if (!s->argv[0] || s->argv[0][0] != '/')
                        return -EBADMSG;
                if ((k = get_fd(&r, &s->stdin_fd)) < 0 || (k = get_fd(&r, &s->stdout_fd)) < 0 ||
                    (k = get_fd(&r, &s->stderr_fd)) < 0 || (k = get_fd(&r, &s->extra_fd)) < 0)
                        return k;
                uint32_t entry = get_u32(&r);
                if (r.bad || entry > 1)
                        return -EBADMSG;
                s->is_entrypoint = entry;
                uint32_t options = get_u32(&r);
                uint64_t wall = get_u64(&r), cpu = get_u64(&r);
                /* A day: far beyond any limit sandrund sets, and no overflow when added to a clock. */
                if (r.bad || options > 7 || wall > 86400ULL * 1000000 || cpu > 86400)
                        return -EBADMSG;
                s->options = (SandboxStepOptions) {
                        .pause_after = options & 1,
                        .fresh_fs = options & 2,
                        .keep_going = options & 4,
                        .wall_limit_usec = wall,
                        .cpu_limit_sec = cpu,
                };
                /* The init remounts /tmp and /work from these; a step that needs them must have them. */
                if (s->options.fresh_fs && (!layout->tmp_options || !layout->work_options))
                        return -EBADMSG;
        }

        /* The count of passed fds closes the plan: every one of them is named, each once. */
        size_t n_fds = get_count(&r, SANDBOX_WIRE_FDS_MAX);
        if (r.bad || r.left != 0)
                return -EBADMSG;
        /* Every number below n_fds named once: n_fds distinct numbers, none of them n_fds or above. */
        if (r.n_fds_seen != n_fds)
                return -EBADMSG;
        for (size_t i = n_fds; i < SANDBOX_WIRE_FDS_MAX; i++)
                if (r.fds_seen[i / 32] & (1U << (i % 32)))
                        return -EBADMSG;

        w = calloc(1, sizeof(SandboxWire));
        if (!w)
                return -ENOMEM;
        w->layout = TAKE_PTR(layout);
        w->seccomp = TAKE_PTR(seccomp);
        w->plan = TAKE_PTR(plan);
        *ret = TAKE_PTR(w);
        return 0;
}

SandboxWire *sandbox_wire_free(SandboxWire *w, bool close_fds) {
        if (!w)
                return NULL;
        if (w->plan && !close_fds)
                forget_fds(w->plan);
        sandbox_plan_free(w->plan);
        seccomp_program_free(w->seccomp);
        sandbox_layout_free(w->layout);
        free(w);
        return NULL;
}
