/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#define ARCHIVE_PATH_MAX 4096
#define ARCHIVE_NAME_MAX 255

/*
 * Checks a path from an archive before anything is written under it: it must be relative and must not
 * climb with "..". On success stores the path with "." components, doubled and trailing slashes removed;
 * "" means the archive's top directory itself ("./"). Returns 0 or -EINVAL (absolute, "..", empty, NUL
 * inside, too long), -ENOMEM.
 */
int archive_path_check(const char *path, size_t len, char **ret_normalized);
