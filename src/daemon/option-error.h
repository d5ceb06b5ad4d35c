/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <getopt.h>

/* Says on stderr which option got a value it cannot take ("PROGRAM: invalid value for --NAME: VALUE"), for
 * both daemons' getopt loops; returns `error` (a negative errno) for `return option_error(...)`. */
int option_error(const char *program, const struct option *options, int val, const char *value, int error);
