/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Programs and their input are read whole, and no bigger than this. */
#define READ_FULL_MAX ((size_t) 16 << 20)

/* Reads fd to its end into a NUL-terminated buffer. Returns 0, -EFBIG past `max`, or -errno. */
int read_full_fd(int fd, size_t max, char **ret, size_t *ret_size);

/* The same for a file; "-" means stdin. */
int read_full_file(const char *path, size_t max, char **ret, size_t *ret_size);
