/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/*
 * Which of the service's languages (python, bash, sh, node, perl) a program is written in, from its
 * file name or its "#!" line. The answers are static strings; NULL means "cannot tell".
 */

/* Looks only at the extension of the last path component, case-insensitively. */
const char *lang_from_extension(const char *filename);

/* Parses the first line of buf if it starts with "#!", following "/usr/bin/env [-S] [VAR=x] NAME". */
const char *lang_from_shebang(const char *buf, size_t len);

/* An interpreter command name (python3.11, nodejs, dash...) to the service's language name. */
const char *lang_from_interpreter(const char *name, size_t len);

/* The shebang wins over the extension, since it says what the author actually runs the file with. */
const char *lang_detect(const char *filename, const char *buf, size_t len);
