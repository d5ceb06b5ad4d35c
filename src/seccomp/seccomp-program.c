/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * A compiled seccomp program as plain data: what the job's init gets in its plan and loads. Kept apart
 * from the policy (seccomp-policy.c) so that sandrun-init links neither libseccomp nor its compiler.
 */

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "seccomp-policy.h"

struct SeccompProgram {
        struct sock_fprog fprog;
};

SeccompProgram *seccomp_program_free(SeccompProgram *p) {
        if (!p)
                return NULL;
        free(p->fprog.filter);
        free(p);
        return NULL;
}

size_t seccomp_program_size(const SeccompProgram *p) {
        return p ? p->fprog.len : 0;
}

const void *seccomp_program_insns(const SeccompProgram *p) {
        return p ? p->fprog.filter : NULL;
}

int seccomp_program_from_insns(const void *insns, size_t n, SeccompProgram **ret) {
        _cleanup_(seccomp_program_freep) SeccompProgram *p = NULL;

        _Static_assert(sizeof(struct sock_filter) == SECCOMP_INSN_SIZE, "BPF instruction size");
        if (n == 0 || n > BPF_MAXINSNS)
                return -EINVAL;
        p = calloc(1, sizeof(SeccompProgram));
        if (!p)
                return -ENOMEM;
        p->fprog.filter = malloc(n * sizeof(struct sock_filter));
        if (!p->fprog.filter)
                return -ENOMEM;
        memcpy(p->fprog.filter, insns, n * sizeof(struct sock_filter));
        p->fprog.len = n;
        *ret = TAKE_PTR(p);
        return 0;
}

int seccomp_program_install(const SeccompProgram *p) {
        struct sock_fprog prog;
        int r;

        if (!p)
                return -EINVAL;

        r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
        if (r < 0)
                return negative_errno();
        if (r != 1)
                return -EACCES;

        prog = p->fprog;        /* the kernel copies it in; a copy keeps the caller's object const */
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
                return negative_errno();
        return 0;
}
