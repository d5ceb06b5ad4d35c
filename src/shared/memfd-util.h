/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A close-on-exec memfd holding a copy of data, sealed against any change, positioned at its start.
 * Returns the fd or -errno. */
int memfd_new_sealed(const char *name, const void *data, size_t len);

/* Seals a memfd made with MFD_ALLOW_SEALING against any change (write, growth, shrinking, more seals). */
int memfd_seal(int fd);

/*
 * Whether fd is a memfd sealed against writes, growth and shrinking, so that its content cannot change
 * under a reader, whoever else holds it: every memfd handed between processes must be, and a receiver
 * that trusts nothing checks.
 */
bool memfd_is_sealed(int fd);
