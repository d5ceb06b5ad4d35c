/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The table that embed-assets.py generates; only web-assets.c looks at it. */

#include "web-assets.h"

extern const WebAsset web_assets_table[];
extern const size_t web_assets_table_size;
