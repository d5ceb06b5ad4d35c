/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <string.h>
#include <strings.h>

#include "cors.h"
#include "strv.h"

static bool host_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

int cors_origin_normalize(const char *s, size_t len, char **ret) {
        char buf[CORS_ORIGIN_MAX + 1];
        size_t i, host_start;

        assert(s);
        assert(ret);

        if (len == 0 || len > CORS_ORIGIN_MAX || memchr(s, 0, len))
                return -EINVAL;
        for (i = 0; i < len; i++)
                buf[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char) (s[i] - 'A' + 'a') : s[i];
        buf[len] = 0;

        if (strncmp(buf, "https://", 8) == 0)
                host_start = 8;
        else if (strncmp(buf, "http://", 7) == 0)
                host_start = 7;
        else
                return -EINVAL;

        i = host_start;
        if (buf[i] == '[') {
                /* An IPv6 literal: hex digits, ':' and '.' (an embedded IPv4 address). */
                for (i++; i < len && buf[i] != ']'; i++)
                        if (!((buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'a' && buf[i] <= 'f') ||
                              buf[i] == ':' || buf[i] == '.'))
                                return -EINVAL;
                if (i >= len || i == host_start + 1)
                        return -EINVAL;
                i++;
        } else {
                for (; i < len && host_char(buf[i]); i++)
                        ;
                if (i == host_start || buf[host_start] == '.' || buf[host_start] == '-')
                        return -EINVAL;
        }

        if (i < len) {
                if (buf[i] != ':')
                        return -EINVAL;
                size_t port_start = ++i;
                unsigned long port = 0;
                for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
                        port = port * 10 + (unsigned long) (buf[i] - '0');
                        if (port > 65535)
                                return -EINVAL;
                }
                if (i != len || i == port_start || port == 0)
                        return -EINVAL;
        }

        char *n = strdup(buf);
        if (!n)
                return -ENOMEM;
        *ret = n;
        return 0;
}

int cors_policy_add(CorsPolicy *p, const char *origin) {
        _cleanup_free_ char *n = NULL;
        int r;

        assert(p);
        assert(origin);

        if (streq(origin, "*")) {
                cors_policy_done(p);
                return 0;
        }
        if (p->n_origins >= CORS_ORIGINS_MAX)
                return -E2BIG;
        r = cors_origin_normalize(origin, strlen(origin), &n);
        if (r < 0)
                return r;
        char **l = realloc(p->origins, (p->n_origins + 2) * sizeof(char *));
        if (!l)
                return -ENOMEM;
        p->origins = l;
        p->origins[p->n_origins++] = TAKE_PTR(n);
        p->origins[p->n_origins] = NULL;
        return 0;
}

void cors_policy_done(CorsPolicy *p) {
        assert(p);
        p->origins = strv_free(p->origins);
        p->n_origins = 0;
}

static bool same_origin(const char *origin, const char *host, bool tls) {
        const char *scheme = tls ? "https://" : "http://";
        size_t sl = strlen(scheme);

        if (!host || strncmp(origin, scheme, sl) != 0)
                return false;
        return strcasecmp(origin + sl, host) == 0;
}

CorsVerdict cors_check(const CorsPolicy *p, const char *origin, const char *host, bool tls) {
        _cleanup_free_ char *n = NULL;

        assert(p);

        if (!origin)
                return CORS_NO_ORIGIN;
        if (same_origin(origin, host, tls))
                return CORS_SAME_ORIGIN;
        if (!p->origins)
                return CORS_ALLOWED;
        /* "null" (sandboxed frames, file: pages) and anything malformed match no listed origin. */
        if (cors_origin_normalize(origin, strlen(origin), &n) < 0)
                return CORS_REFUSED;
        for (char **o = p->origins; *o; o++)
                if (streq(*o, n))
                        return CORS_ALLOWED;
        return CORS_REFUSED;
}

const char *cors_allow_origin_value(const CorsPolicy *p, const char *origin) {
        assert(p);
        return p->origins ? origin : "*";
}
