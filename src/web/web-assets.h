/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The files of the web page (src/web/), compiled into the daemon so that it serves them without
 * touching the file system.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct WebAsset {
        const char *path;               /* "/index.html" */
        const char *content_type;       /* "text/html; charset=utf-8" */
        const uint8_t *data;            /* followed by a NUL that size does not count */
        size_t size;
        const char *etag;               /* quoted, as the ETag header wants it: a hash of data */
        const uint8_t *gzip_data;       /* data gzip-compressed, or NULL when that would not pay */
        size_t gzip_size;
        const char *gzip_etag;          /* the gzip copy's own ETag: another representation */
} WebAsset;

/* The asset for a request path without query ("/" is "/index.html"); NULL if there is none. */
const WebAsset *web_asset_find(const char *path);

/* One representation of an asset: what to send, its ETag, and its Content-Encoding (NULL: none). */
typedef struct WebAssetBody {
        const uint8_t *data;
        size_t size;
        const char *etag;
        const char *encoding;
} WebAssetBody;

/* The representation to send to a client whose Accept-Encoding is accept_encoding (NULL: it sent none):
 * the gzip copy when the asset has one and the client takes gzip, else the file as it is. */
WebAssetBody web_asset_pick(const WebAsset *asset, const char *accept_encoding);
