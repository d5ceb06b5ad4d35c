/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The seccomp policy every job runs under. The daemon compiles it once at start, in the parent; the
 * sandbox child installs it after fork, just before execve(), without allocating anything.
 */

#include "macro.h"

/* A compiled classic-BPF program for the native architecture. */
typedef struct SeccompProgram SeccompProgram;

int seccomp_program_compile(SeccompProgram **ret);
SeccompProgram *seccomp_program_free(SeccompProgram *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(SeccompProgram*, seccomp_program_free)

/* Number of BPF instructions in the compiled program. */
size_t seccomp_program_size(const SeccompProgram *p);

/* Size in bytes of one instruction (struct sock_filter) as the kernel reads it. */
#define SECCOMP_INSN_SIZE 8
/* The compiled instructions, seccomp_program_size() of them, to hand to the job's init in its plan. */
const void *seccomp_program_insns(const SeccompProgram *p);
/* A program from instructions compiled elsewhere: `n` (1..BPF_MAXINSNS) instructions are copied. */
int seccomp_program_from_insns(const void *insns, size_t n, SeccompProgram **ret);

/* Async-signal-safe and allocation-free: loads the program with seccomp(2). The caller must have set
 * PR_SET_NO_NEW_PRIVS; without it this refuses with -EACCES (as the kernel would for an unprivileged
 * caller) rather than relying on the caller's privileges. Returns 0 or -errno. */
int seccomp_program_install(const SeccompProgram *p);
