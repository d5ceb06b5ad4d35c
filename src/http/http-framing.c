/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>
#include <strings.h>

#include "http-framing.h"
#include "macro.h"

/* 1*DIGIT with optional whitespace around it, and no more digits than fit 64 bits. */
static bool is_content_length(const char *v) {
        size_t n;

        v += strspn(v, " \t");
        n = strspn(v, "0123456789");
        if (n == 0 || n > 19)
                return false;
        v += n;
        v += strspn(v, " \t");
        return *v == 0;
}

static bool is_chunked(const char *v) {
        v += strspn(v, " \t");
        if (strncasecmp(v, "chunked", 7) != 0)
                return false;
        v += 7;
        v += strspn(v, " \t");
        return *v == 0;
}

const char *http_framing_check(const char *version, const HttpField *fields, size_t n_fields) {
        const char *cl = NULL, *te = NULL;
        unsigned n_cl = 0, n_te = 0;

        if (n_fields > HTTP_FRAMING_FIELDS_MAX)
                return "too many header fields";
        for (size_t i = 0; i < n_fields; i++) {
                if (!fields[i].name || !fields[i].value)
                        return "a malformed header field";
                if (strcasecmp(fields[i].name, "Content-Length") == 0) {
                        cl = fields[i].value;
                        n_cl++;
                } else if (strcasecmp(fields[i].name, "Transfer-Encoding") == 0) {
                        te = fields[i].value;
                        n_te++;
                }
        }
        if (n_cl > 1)
                return "several Content-Length fields";
        if (cl && !is_content_length(cl))
                return "a Content-Length that is not a number";
        if (n_te == 0)
                return NULL;
        if (n_te > 1)
                return "several Transfer-Encoding fields";
        if (cl)
                return "both Content-Length and Transfer-Encoding";
        if (!is_chunked(te))
                return "a Transfer-Encoding other than chunked";
        /* RFC 9112 6.1: an HTTP/1.0 recipient would not understand it, so the framing is faulty. */
        if (!version || strcasecmp(version, "HTTP/1.1") != 0)
                return "Transfer-Encoding in a request older than HTTP/1.1";
        return NULL;
}
