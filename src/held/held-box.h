/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Bytes sandrun holds for a job (its packed outputs while they wait to be downloaded, ...), kept only
 * encrypted under the job's own ephemeral key (held-key.h): ChaCha20-Poly1305 over chunks of
 * HELD_CHUNK_SIZE, each with its own nonce (its index, and whether it is the last, as age's STREAM does),
 * so that any range can be read back without decrypting the rest, and a chunk moved, dropped or altered
 * fails to open (-EBADMSG). The box owns its key: freeing it wipes the key, and what it held is then
 * unreadable for good. Plaintext passes only through the caller's buffers and a scratch chunk that is
 * wiped after every use.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

#define HELD_CHUNK_SIZE (16U * 1024U)

typedef struct HeldBox HeldBox;

/* An empty box with a fresh key. */
int held_box_new(HeldBox **ret);
HeldBox *held_box_free(HeldBox *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(HeldBox *, held_box_free);

/* Appends bytes: full chunks are sealed at once, the rest waits (in a buffer that is wiped) for more or
 * for held_box_close(). */
int held_box_write(HeldBox *b, const void *data, size_t len);
/* Seals what is left as the last chunk; nothing can be written after. */
int held_box_close(HeldBox *b);
/* A closed box holding a copy of data[0..len). */
int held_box_new_from(HeldBox **ret, const void *data, size_t len);

uint64_t held_box_size(const HeldBox *b);
/* RAM the box takes: ciphertext, tags and the chunk being filled. */
uint64_t held_box_allocated(const HeldBox *b);

/* Decrypts up to len bytes at offset into buf (a closed box only): how many (0 at the end), or -EBADMSG
 * if the ciphertext was altered. */
ssize_t held_box_read(HeldBox *b, uint64_t offset, void *buf, size_t len);
