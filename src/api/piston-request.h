/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A Piston v2 /api/v2/execute request, so that clients written for Piston work by changing one URL:
 *     {"language": "python", "version": "3.x" | "*", "files": [{"name": "main.py", "content": "...",
 *      "encoding": "utf8" | "base64" | "hex"}, ...], "stdin": "...", "args": ["..."],
 *      "compile_timeout": 10000, "run_timeout": 3000, "compile_memory_limit": -1, "run_memory_limit": -1}
 * Timeouts are milliseconds, memory limits bytes, -1 (or absent) the server's. The first file is the
 * entry point. Parsing is a pure function of the body; every client-controlled value has a hard limit.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

struct json_object;

#define PISTON_FILES_MAX 32U
#define PISTON_ARGS_MAX 64U
#define PISTON_ARG_LENGTH_MAX 4096U
#define PISTON_NAME_MAX 32U             /* language and version */

typedef struct PistonFile {
        char *name;                     /* NULL: the language's conventional one (first file only) */
        char *content;                  /* decoded, NUL-terminated after size bytes */
        size_t size;
} PistonFile;

typedef struct PistonRequest {
        char *language;
        char *version;                  /* "*" when absent */
        PistonFile *files;
        size_t n_files;
        char *stdin_data;               /* NULL: none */
        size_t stdin_len;
        char **args;                    /* never NULL */
        uint64_t compile_timeout_usec;  /* 0: the server's */
        uint64_t run_timeout_usec;      /* 0: the server's */
        uint64_t compile_memory_limit;  /* bytes; 0: the server's */
        uint64_t run_memory_limit;      /* bytes; 0: the server's */
} PistonRequest;

/*
 * Parses a "files" array, [{"name", "content", "encoding"}, ...]: every name a relative path inside the work
 * dir, none twice, at most PISTON_FILES_MAX. With entry_first the first file is the entry point: its name
 * may be absent and must not be in a directory; every other file needs a name. Also used by POST /run for
 * its extra files. Returns 0, -EINVAL with a static reason in *ret_error, or -ENOMEM.
 */
int piston_files_parse(struct json_object *array, bool entry_first, PistonFile **ret_files,
                       size_t *ret_n_files, const char **ret_error);
void piston_files_free(PistonFile *files, size_t n_files);

PistonRequest *piston_request_free(PistonRequest *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(PistonRequest *, piston_request_free);

/* -EINVAL with a static reason in *ret_error, or -ENOMEM. */
int piston_request_parse(const char *body, size_t len, PistonRequest **ret, const char **ret_error);

/*
 * Whether a runtime's version satisfies what a request asked: "*", "" and "x" take any; otherwise the
 * asked version is the runtime's or a prefix of it at a dot ("3" and "3.11" take "3.11.2", "3.1"
 * does not), with "x" or "*" components matching anything ("3.x").
 */
bool piston_version_matches(const char *have, const char *want);

/* Decodes base64 (standard alphabet, padding optional at the end) or hex; -EINVAL on anything else. */
int piston_decode(const char *encoding, const char *in, size_t len, char **ret, size_t *ret_len);
