/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Assertions for unit tests: print where and what failed, then abort so meson counts a failure. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

#define ASSERT_TRUE(expr)                                                                       \
        do {                                                                                    \
                if (!(expr)) {                                                                  \
                        fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #expr); \
                        abort();                                                                \
                }                                                                               \
        } while (0)

#define ASSERT_EQ(a, b)                                                                         \
        do {                                                                                    \
                intmax_t _a = (intmax_t) (a), _b = (intmax_t) (b);                              \
                if (_a != _b) {                                                                 \
                        fprintf(stderr, "%s:%d: %s == %s failed: %jd != %jd\n",                 \
                                __FILE__, __LINE__, #a, #b, _a, _b);                            \
                        abort();                                                                \
                }                                                                               \
        } while (0)

#define ASSERT_STREQ(a, b)                                                                      \
        do {                                                                                    \
                const char *_a = (a), *_b = (b);                                                \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                                        \
                        fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n",           \
                                __FILE__, __LINE__, #a, #b, _a ?: "(null)", _b ?: "(null)");    \
                        abort();                                                                \
                }                                                                               \
        } while (0)

#define ASSERT_OK(expr)                                                                         \
        do {                                                                                    \
                intmax_t _r = (intmax_t) (expr);                                                \
                if (_r < 0) {                                                                   \
                        fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr,    \
                                strerror((int) -_r));                                           \
                        abort();                                                                \
                }                                                                               \
        } while (0)

#define ASSERT_ERROR(expr, err)                                                                 \
        do {                                                                                    \
                intmax_t _r = (intmax_t) (expr);                                                \
                if (_r != -(intmax_t) (err)) {                                                  \
                        fprintf(stderr, "%s:%d: %s returned %jd, expected -%s\n",               \
                                __FILE__, __LINE__, #expr, _r, #err);                           \
                        abort();                                                                \
                }                                                                               \
        } while (0)

#define TEST(name) static void test_##name(void)
#define RUN(name)                                                                               \
        do {                                                                                    \
                fprintf(stderr, "  %s\n", #name);                                               \
                test_##name();                                                                  \
        } while (0)
