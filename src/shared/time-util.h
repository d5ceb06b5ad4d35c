/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <time.h>

/* The clock's time in microseconds. */
uint64_t now_usec(clockid_t clock);
