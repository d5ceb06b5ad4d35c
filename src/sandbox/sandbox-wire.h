/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A job's sandbox plan as bytes: how the runner hands the plan to sandrun-init, a fresh program it
 * execs, so that no process of a job is a copy of a daemon. The plan's file descriptors travel as the
 * init's own descriptors: the spawner puts them at SANDBOX_INIT_FD_FIRST and up, in the order
 * sandbox_wire_build() lists them, and the bytes name each by its number there.
 *
 * Format (all integers little-endian): the magic "SANDRUN\x01", then the layout (staging dir, mount ops,
 * default environment, resource limits, last capability), the ids, the seccomp instructions, the
 * environment, the program file and the steps. Every count and length has a hard limit; the parser is a
 * pure function of (buf, len) and refuses anything malformed, oversized, truncated or trailing.
 */

#include "sandbox.h"

/* Where sandrun-init finds its plan, its report pipe and its control pipe, and then the plan's fds. */
#define SANDBOX_INIT_FD_PLAN 3
#define SANDBOX_INIT_FD_REPORT 4
#define SANDBOX_INIT_FD_CONTROL 5
#define SANDBOX_INIT_FD_FIRST 6
#define SANDBOX_WIRE_FDS_MAX (1 + 4 * SANDBOX_STEPS_MAX)

#define SANDBOX_WIRE_SIZE_MAX (8U << 20)
#define SANDBOX_WIRE_OPS_MAX 1024U
#define SANDBOX_WIRE_STRV_MAX 4096U
#define SANDBOX_WIRE_STRING_MAX (128U << 10)    /* the kernel's own limit on one argument */

/*
 * Serialises `plan` for sandrun-init. Returns the bytes, and the plan's fds (not duplicated, still owned
 * by the plan) in the order the init expects them at SANDBOX_INIT_FD_FIRST.
 */
int sandbox_wire_build(const SandboxPlan *plan, char **ret_buf, size_t *ret_len,
                       int ret_fds[static SANDBOX_WIRE_FDS_MAX], size_t *ret_n_fds);

/* What sandrun-init parsed: the plan and the layout and filter it points to. */
typedef struct SandboxWire {
        SandboxLayout *layout;
        SeccompProgram *seccomp;
        SandboxPlan *plan;
} SandboxWire;

/* Parses the bytes; fd numbers in the plan are checked to be distinct and within the passed range. */
int sandbox_wire_parse(const void *buf, size_t len, SandboxWire **ret);
/* Frees everything. The plan's fds are closed only if `close_fds`; a fuzzer's numbers are not its own. */
SandboxWire *sandbox_wire_free(SandboxWire *w, bool close_fds);
