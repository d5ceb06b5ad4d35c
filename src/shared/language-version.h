/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A toolchain's version, as it states it: the daemon runs e.g. `gcc -dumpfullversion` or `java -version`
 * once at start, and the first dotted number in what it prints is the version.
 */

#include <stddef.h>

#define LANGUAGE_VERSION_MAX 32

/* The first "N.N[.N...]" in buf (at most LANGUAGE_VERSION_MAX - 1 bytes), or -ENOENT. */
int language_version_parse(const char *buf, size_t len, char ret[static LANGUAGE_VERSION_MAX]);

/* Runs path with args (argv[1..]), no stdin, stdout and stderr read together for at most 5 s. */
int language_version_detect(const char *path, const char *const *args, char ret[static LANGUAGE_VERSION_MAX]);
