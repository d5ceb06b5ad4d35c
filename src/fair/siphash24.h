/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * SipHash-2-4 (Aumasson and Bernstein), a keyed hash: with a secret random key, clients cannot choose
 * addresses that all land in one hash chain and slow every lookup down.
 */

#include <stddef.h>
#include <stdint.h>

#define SIPHASH24_KEY_SIZE 16

uint64_t siphash24(const void *data, size_t len, const uint8_t key[static SIPHASH24_KEY_SIZE]);
