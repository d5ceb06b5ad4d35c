/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The files of the web page (src/web/), compiled into the daemon so that it serves them without
 * touching the file system.
 */

#include <stddef.h>
#include <stdint.h>

typedef struct WebAsset {
        const char *path;               /* "/index.html" */
        const char *content_type;       /* "text/html; charset=utf-8" */
        const uint8_t *data;            /* followed by a NUL that size does not count */
        size_t size;
        const char *etag;               /* quoted, as the ETag header wants it: a hash of data */
} WebAsset;

/* The asset for a request path without query ("/" is "/index.html"); NULL if there is none. */
const WebAsset *web_asset_find(const char *path);
