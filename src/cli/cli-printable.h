/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/*
 * Copies text from the server into something safe to print on a terminal: control characters (C0, DEL,
 * C1, which could start escape sequences) and invalid UTF-8 become '?'. The copy is cut, on a character
 * boundary, to at most `max` bytes. Returns 0 or -ENOMEM.
 */
int printable_dup(const char *s, size_t len, size_t max, char **ret);
