/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

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
