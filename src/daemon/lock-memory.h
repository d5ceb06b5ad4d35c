/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * Both daemons' start: locks all their memory (memlock.h) and says, with the numbers, whether the limit
 * fits what the configuration can make them hold (`need`, beyond the start) and one more unit of work
 * (`reserve`). A limit that cannot hold the start and the reserve leaves the memory unlocked, loudly:
 * some hosts cannot raise it (a container without CAP_SYS_RESOURCE keeps its hard limit, 8 MiB by
 * default). Returns whether the memory is locked.
 */
bool lock_memory(uint64_t reserve, uint64_t need);
