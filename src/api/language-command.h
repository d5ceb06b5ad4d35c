/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a job runs for a program in a given language: the compile step's argv (if any) and the run's. */

#include <stddef.h>

#include "interpreters.h"

#define SOURCE_NAME_MAX 64

/*
 * The file name the program is written to in the work dir: "main" + the extension, or the table's
 * source_name; for Java the name of the program's public class (javac insists), else the table's.
 */
void language_source_name(const Interpreter *in, const char *code, size_t len, char ret[static SOURCE_NAME_MAX]);

/*
 * Builds the argv of the compile step (NULL for an interpreter) and of the run, `args` appended to the run.
 * `source_name` is relative to the work dir. `cpus` is the job's CPU quota in whole cores, at least 1.
 */
/* The language's own environment ("NAME=value", "{cpus}" filled in), or NULL if it has none. */
int language_env(const Interpreter *in, unsigned cpus, char ***ret);

int language_commands(const Interpreter *in, const char *source_name, unsigned cpus, char *const *args,
                      char ***ret_compile, char ***ret_run);
