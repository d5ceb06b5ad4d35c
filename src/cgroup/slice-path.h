/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Where systemd puts a slice's cgroup, below the root of a hierarchy: each dash of the name opens one
 * more level, and every level is named after the slice it belongs to ("a-b.slice" is at
 * "a.slice/a-b.slice"; the root slice "-.slice" is the root itself, "").
 */

/* The path, newly allocated, or -EINVAL for what is not a plain slice name. */
int slice_cgroup_path(const char *slice, char **ret);
