/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* NULL-terminated arrays of strings, as argv and envp are. */

#include <stddef.h>

#include "macro.h"

char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l);
/* Builds a list from its arguments, ending at the first NULL. */
char **strv_new(const char *first, ...);
char **strv_copy(char *const *l);
/* Appends a copy of s. Returns 0 or -ENOMEM; on failure the list is unchanged. */
int strv_extend(char ***l, const char *s);
/* Appends, taking ownership of s even on failure. */
int strv_consume(char ***l, char *s);
