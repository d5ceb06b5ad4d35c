/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "parse-util.h"

/* strtod with the checks it lacks: no empty, no sign, no NaN or infinity, nothing but `suffix` after. */
static int parse_number(const char *s, double *ret, const char **ret_suffix) {
        char *end;

        if (!s || !*s || !strchr("0123456789.", s[0]))
                return -EINVAL;
        errno = 0;
        double v = strtod(s, &end);
        if (errno != 0 || end == s || !isfinite(v) || v < 0)
                return -EINVAL;
        *ret = v;
        *ret_suffix = end;
        return 0;
}

int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *ret) {
        char *end;

        if (!s || !*s || !strchr("0123456789", s[0]))
                return -EINVAL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno != 0 || *end != 0)
                return -EINVAL;
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

#define JOB_MEMORY_MAX_MIN (UINT64_C(8) << 20)

int parse_job_memory_max(const char *s, uint64_t *ret) {
        uint64_t v;
        int r;

        r = parse_size(s, &v);
        if (r < 0)
                return r;
        if (v < JOB_MEMORY_MAX_MIN)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_job_tasks_max(const char *s, uint64_t *ret) {
        return parse_uint(s, 4, 1 << 20, ret);
}

int parse_job_timeout(const char *s, uint64_t *ret) {
        uint64_t v;
        int r;

        r = parse_duration(s, &v);
        if (r < 0)
                return r;
        if (v < USEC_PER_SEC / 10)
                return -ERANGE;
        *ret = v;
        return 0;
}

typedef struct Unit {
        const char *suffix;
        double factor;
} Unit;

/* A number with one of the units' suffixes, scaled; -ERANGE at or past `max`. */
static int parse_scaled(const char *s, const Unit *units, size_t n_units, double max, uint64_t *ret) {
        const char *suffix;
        double v;

        if (parse_number(s, &v, &suffix) < 0)
                return -EINVAL;
        for (size_t i = 0; i < n_units; i++)
                if (strcmp(suffix, units[i].suffix) == 0) {
                        double scaled = v * units[i].factor;
                        if (scaled >= max)
                                return -ERANGE;
                        *ret = (uint64_t) scaled;
                        return 0;
                }
        return -EINVAL;
}

int parse_size(const char *s, uint64_t *ret) {
        static const Unit units[] = {
                { "", 1 },         { "B", 1 },
                { "K", 1024.0 },   { "KiB", 1024.0 },
                { "M", 1048576.0 }, { "MiB", 1048576.0 },
                { "G", 1073741824.0 }, { "GiB", 1073741824.0 },
                { "T", 1099511627776.0 }, { "TiB", 1099511627776.0 },
        };
        return parse_scaled(s, units, ELEMENTSOF(units), 18446744073709551615.0, ret);
}

int parse_duration(const char *s, uint64_t *ret) {
        static const Unit units[] = {
                { "", 1e6 }, { "s", 1e6 }, { "sec", 1e6 }, { "ms", 1e3 }, { "m", 60e6 }, { "min", 60e6 },
                { "h", 3600e6 },
        };
        return parse_scaled(s, units, ELEMENTSOF(units), 1e18, ret);
}

int parse_cpu_quota(const char *s, uint64_t *ret) {
        const char *suffix;
        double v;

        if (parse_number(s, &v, &suffix) < 0)
                return -EINVAL;
        if (strcmp(suffix, "%") == 0)
                v /= 100.0;
        else if (*suffix)
                return -EINVAL;
        /* At least 1% of a core, at most 1024 cores. */
        if (v < 0.01 || v > 1024)
                return -ERANGE;
        *ret = (uint64_t) (v * USEC_PER_SEC);
        return 0;
}

int parse_listen_address(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len) {
        char host[INET6_ADDRSTRLEN + 2];
        const char *colon;
        uint64_t port;

        if (!s)
                return -EINVAL;
        colon = strrchr(s, ':');
        if (!colon || (size_t) (colon - s) >= sizeof(host) || parse_uint(colon + 1, 1, 65535, &port) < 0)
                return -EINVAL;
        memcpy(host, s, colon - s);
        host[colon - s] = 0;

        memset(ret, 0, sizeof(*ret));
        size_t hl = strlen(host);
        if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
                struct sockaddr_in6 *sa = (struct sockaddr_in6 *) ret;
                host[hl - 1] = 0;
                if (inet_pton(AF_INET6, host + 1, &sa->sin6_addr) != 1)
                        return -EINVAL;
                sa->sin6_family = AF_INET6;
                sa->sin6_port = htons(port);
                *ret_len = sizeof(*sa);
                return 0;
        }
        struct sockaddr_in *sa = (struct sockaddr_in *) ret;
        if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
                return -EINVAL;
        sa->sin_family = AF_INET;
        sa->sin_port = htons(port);
        *ret_len = sizeof(*sa);
        return 0;
}

bool sockaddr_is_loopback(const struct sockaddr *sa) {
        if (sa->sa_family == AF_INET)
                return (ntohl(((const struct sockaddr_in *) sa)->sin_addr.s_addr) >> 24) == 127;
        if (sa->sa_family == AF_INET6) {
                const struct in6_addr *a = &((const struct sockaddr_in6 *) sa)->sin6_addr;
                if (IN6_IS_ADDR_LOOPBACK(a))
                        return true;
                return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
        }
        return false;
}
