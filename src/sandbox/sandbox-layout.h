/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What every job's sandbox looks like: the filesystem it sees, the ids it runs as, its environment and
 * resource limits. Computed once in the daemon, so that the forked child only replays a prepared list
 * of system calls and never allocates.
 */

#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "macro.h"

/* The job's ids inside its user namespace; outside they map to the plan's outer uid and gid. */
#define SANDBOX_UID 1000
#define SANDBOX_GID 1000
#define SANDBOX_WORK_DIR "/work"
#define SANDBOX_HOSTNAME "sandrun"

typedef enum MountOpType {
        MOUNT_OP_MKDIR,         /* target, mode */
        MOUNT_OP_MKFILE,        /* target: an empty file to bind a file onto */
        MOUNT_OP_SYMLINK,       /* target -> source */
        MOUNT_OP_WRITE_FILE,    /* target gets data, mode */
        MOUNT_OP_TMPFS,         /* target, data: tmpfs options, flags */
        MOUNT_OP_BIND_RO,       /* source onto target, read-only, nosuid, nodev */
        MOUNT_OP_BIND_DEV,      /* a device node source onto target file, nosuid, noexec */
        MOUNT_OP_PROC,          /* a fresh proc for the job's PID namespace at target */
        MOUNT_OP_PROC_RO,       /* target (under the new proc) becomes read-only, if it exists */
        MOUNT_OP_READ_ONLY,     /* target, a mount made above, becomes read-only */
} MountOpType;

typedef struct MountOp {
        MountOpType type;
        char *source;
        char *target;           /* absolute, below the staging directory */
        char *data;
        unsigned long flags;
        mode_t mode;
} MountOp;

typedef struct SandboxLimits {
        uint64_t work_size;     /* bytes of tmpfs for the work dir */
        uint64_t tmp_size;      /* bytes of tmpfs for /tmp and for /dev/shm each */
        uint64_t max_open_files;
        uint64_t max_file_size;
} SandboxLimits;

typedef struct SandboxLayout {
        char *staging;                  /* where the new root is assembled before pivot_root */
        uid_t outer_uid;                /* what the job's ids are on the host, unless a plan says otherwise */
        gid_t outer_gid;
        MountOp *ops;
        size_t n_ops;
        char **envp;                    /* the default environment of a job */
        struct rlimit rlimits[RLIM_NLIMITS];
        bool rlimit_set[RLIM_NLIMITS];
        int cap_last;                   /* highest capability number the kernel knows */
        char *tmp_options;              /* tmpfs options of /tmp and /dev/shm, for a test case's fresh ones */
        char *work_options;             /* of /work, for the layer a test case writes to */
} SandboxLayout;

/*
 * Builds the layout: read-only binds of the host's /usr and of a curated part of /etc, merged-/usr
 * symlinks as the host has them, a minimal /dev, a fresh /proc, and size-capped tmpfs for the work
 * dir, /tmp and /dev/shm. `outer_uid`/`outer_gid` are what the job's ids map to on the host.
 */
int sandbox_layout_new(SandboxLayout **ret, const SandboxLimits *limits, uid_t outer_uid, gid_t outer_gid);
SandboxLayout *sandbox_layout_free(SandboxLayout *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(SandboxLayout *, sandbox_layout_free);
