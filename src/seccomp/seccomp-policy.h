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

/* Async-signal-safe and allocation-free: loads the program with seccomp(2). The caller must have set
 * PR_SET_NO_NEW_PRIVS; without it this refuses with -EACCES (as the kernel would for an unprivileged
 * caller) rather than relying on the caller's privileges. Returns 0 or -errno. */
int seccomp_program_install(const SeccompProgram *p);
