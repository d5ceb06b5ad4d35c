/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define TARBALL_FILES_MAX 10000
#define TARBALL_INPUT_MAX ((uint64_t) 256 << 20)
#define TARBALL_DEPTH_MAX 64

/* A project packed in memory as one tar.gz, ready for upload. */
typedef struct Tarball {
        void *data;
        size_t size;
        char **files;                   /* sorted names of the regular files inside */
        size_t n_files;
        size_t n_skipped;               /* symlinks, sockets, devices met while walking directories */
        uint64_t input_bytes;           /* the files' total size, before packing */
        char **executables;             /* names of the files with an exec bit, unsorted */
        size_t n_executables;
        size_t n_dirs_without_files;    /* directories with no file anywhere beneath them */
} Tarball;

/* One regular file read back from a Tarball. */
typedef struct TarballFile {
        char *name;
        char *data;                     /* NUL-terminated after size bytes */
        size_t size;
} TarballFile;

/*
 * Packs the given paths: a directory contributes its contents (its own name is not kept), a file is
 * stored under its relative path, or under its base name when that path is absolute or climbs with
 * "..". Symlinks inside directories are skipped, never followed. Returns 0, -EEXIST when two inputs
 * would be stored under one name, -EFBIG past the limits above, -ELOOP past TARBALL_DEPTH_MAX, or the
 * -errno of a failed read.
 */
int tarball_build(char *const *paths, size_t n_paths, Tarball **ret);
Tarball *tarball_free(Tarball *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(Tarball*, tarball_free);

bool tarball_contains(const Tarball *t, const char *name);

/* The name tarball_build() stores a file given as `path` under. Returns 0, -EINVAL or -ENOMEM. */
int tarball_stored_name(const char *path, char **ret);

/* The regular files of t with their contents, in archive order; with `only`, just the one of that name.
 * Returns 0, -EBADMSG or -ENOMEM. */
int tarball_read_files(const Tarball *t, const char *only, TarballFile **ret_files, size_t *ret_n_files);
void tarball_files_free(TarballFile *files, size_t n_files);
