/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cli-http.h"

/* Prints the server's languages (GET /languages) as a table; returns an exit code. */
int cli_list_languages(HttpClient *c);
