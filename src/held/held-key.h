/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A job's ephemeral key for the data sandrun holds for it: 32 random bytes on a page of their own that is
 * locked (never swapped), left out of core dumps and wiped in a child after fork, and wiped (explicit_bzero)
 * before it is unmapped. Nothing else ever holds a copy.
 */

#include <stdint.h>

#include "macro.h"

#define HELD_KEY_SIZE 32u

typedef struct HeldKey HeldKey;

int held_key_new(HeldKey **ret);
HeldKey *held_key_free(HeldKey *k);
DEFINE_TRIVIAL_CLEANUP_FUNC(HeldKey *, held_key_free);

const uint8_t *held_key_bytes(const HeldKey *k);
