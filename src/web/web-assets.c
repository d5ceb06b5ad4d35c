/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <string.h>

#include "accept-encoding.h"
#include "macro.h"
#include "web-assets-table.h"

const WebAsset *web_asset_find(const char *path) {
        if (!path)
                return NULL;
        if (streq(path, "/"))
                path = "/index.html";

        for (size_t i = 0; i < web_assets_table_size; i++)
                if (streq(web_assets_table[i].path, path))
                        return &web_assets_table[i];
        return NULL;
}

WebAssetBody web_asset_pick(const WebAsset *asset, const char *accept_encoding) {
        assert(asset);

        if (asset->gzip_data &&
            accept_encoding_allows(accept_encoding, accept_encoding ? strlen(accept_encoding) : 0, "gzip"))
                return (WebAssetBody) { asset->gzip_data, asset->gzip_size, asset->gzip_etag, "gzip" };
        return (WebAssetBody) { asset->data, asset->size, asset->etag, NULL };
}
