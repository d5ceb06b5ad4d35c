/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Client-supplied relative paths: names of uploaded files, archive entries, the manifest's entrypoint
 * and the paths of packed outputs. All of them pass through here before anything touches a file.
 */

#include <stdbool.h>
#include <stddef.h>

#define UPLOAD_PATH_LENGTH_MAX 1024U    /* bytes, of the input and of the result */
#define UPLOAD_PATH_COMPONENT_MAX 255U  /* bytes in one component, as NAME_MAX */
#define UPLOAD_PATH_DEPTH_MAX 32U       /* components */

/*
 * Checks the relative path in buf (len bytes, not NUL-terminated) and stores its normal form, a new
 * string, in *ret_path: "." components and one trailing slash are dropped, nothing else changes.
 * Refuses absolute paths, "..", empty components ("a//b"), NUL bytes and control characters, invalid
 * UTF-8, a path that names the top directory itself, and anything over the limits above.
 * Returns 0, -EINVAL or -ENAMETOOLONG (with a static reason in *ret_error if that is not NULL),
 * or -ENOMEM.
 */
int upload_path_normalize(const char *buf, size_t len, char **ret_path, const char **ret_error);

/* Whether path is valid and already in the form upload_path_normalize() returns. */
bool upload_path_is_normal(const char *path);
