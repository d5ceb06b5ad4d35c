/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Sorting the sockets systemd passes by name (FileDescriptorName= in the socket units). Every socket a
 * daemon listens on comes from systemd; side listeners (HAProxy's agent check, metrics) are named,
 * the public port is the one socket with any other name (its socket unit's name by default).
 */

#include <stddef.h>

/* The listener names with a role of their own; any other name is the public port. */
#define LISTEN_FD_NAME_AGENT "agent"
#define LISTEN_FD_NAME_METRICS "metrics"

/*
 * For names[0..n) as sd_listen_fds_with_names() returns them: the index of the one socket called
 * `name`, or of the one socket whose name is none of `side_names` when name is NULL. -ENOENT if there is
 * none, -ENOTUNIQ if more than one.
 */
int listen_fds_find(char *const *names, size_t n, const char *name, const char *const *side_names);
