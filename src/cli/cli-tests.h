/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

/*
 * The test cases of --tests FILE: the same JSON array as the API's "tests". Checks only that it is an
 * array of objects (the server checks the rest). Returns 0, -EBADMSG for anything else, or -ENOMEM.
 */
int cli_tests_parse(const char *text, size_t len, struct json_object **ret);

/*
 * Prints one line per case of a /run answer with tests ("case 2: wrong_answer (exit 0)") and the
 * summary to f. Returns the number of cases that did not pass (>= 0), or -EBADMSG when the answer
 * has no "tests" array.
 */
int cli_tests_report(const char *reply, size_t len, FILE *f);
