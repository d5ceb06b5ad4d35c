/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stddef.h>

/* A JSON string from arbitrary bytes: invalid UTF-8 becomes U+FFFD, so the document stays valid JSON. */
json_object *json_string_from_bytes(const char *data, size_t len);

/* A number printed with three decimals (figures such as seconds and megabytes), not 17 digits. */
json_object *json_fixed3(double v);
