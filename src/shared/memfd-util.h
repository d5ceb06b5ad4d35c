/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* A close-on-exec memfd holding a copy of data, sealed against any change, positioned at its start.
 * Returns the fd or -errno. */
int memfd_new_sealed(const char *name, const void *data, size_t len);
