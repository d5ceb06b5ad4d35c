/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>

#include "cli-languages.h"
#include "cli-reply.h"
#include "cli-report.h"

/* Room for REPLY_NAMES_MAX names of REPLY_WORD_MAX bytes with separators. */
#define NAMES_TEXT_MAX (REPLY_NAMES_MAX * (REPLY_WORD_MAX + 2) + 2)

static void join_names(char *const *v, size_t n, char *buf, size_t size) {
        size_t used = 0;
        buf[0] = 0;
        for (size_t i = 0; i < n && used < size; i++) {
                int k = snprintf(buf + used, size - used, "%s%s", i > 0 ? ", " : "", v[i]);
                if (k < 0)
                        break;
                used += (size_t) k;
        }
        if (n == 0)
                snprintf(buf, size, "-");
}

int cli_list_languages(HttpClient *c) {
        _cleanup_(http_response_freep) HttpResponse *response = NULL;
        int r = http_get(c, "/languages", &response);
        r = report_request(c, r, response);
        if (r != 0)
                return r;

        _cleanup_(language_list_freep) LanguageList *l = NULL;
        if (language_list_parse(response->body, response->size, &l) < 0)
                return report_bad_answer(c, "GET /languages");

        printf("%-10s %-28s %s\n", "LANGUAGE", "ALIASES", "EXTENSIONS");
        for (size_t i = 0; i < l->n_languages; i++) {
                const Language *lang = &l->languages[i];
                char aliases[NAMES_TEXT_MAX], extensions[NAMES_TEXT_MAX];
                join_names(lang->aliases, lang->n_aliases, aliases, sizeof aliases);
                join_names(lang->extensions, lang->n_extensions, extensions, sizeof extensions);
                printf("%-10s %-28s %s\n", lang->name, aliases, extensions);
        }
        return 0;
}
