/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/*
 * Decodes %XX escapes of a NUL-terminated URL or query component in place and returns its new length.
 * MHD's own unescaping turns %00 into a NUL, which silently cuts a path short ("/%00x" would be "/"); here
 * %00 stays as it is, so such a path matches nothing. A '%' not followed by two hex digits stays too.
 */
size_t url_unescape_inplace(char *s);
