/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "seal-armor.h"
#include "seal-base64.h"
#include "seal-header.h"
#include "seal-stream.h"
#include "seal-x25519.h"
#include "seal.h"
#include "wipe.h"

#define MAC_LINE_LEN (4u + 43u + 1u)

int seal_encrypt(const uint8_t (*recipients)[SEAL_KEY_SIZE], size_t n, const void *plain, size_t len, bool armor,
                 uint8_t **ret, size_t *ret_len) {
        size_t header_max = strlen(SEAL_VERSION_LINE) + n * SEAL_X25519_STANZA_MAX + MAC_LINE_LEN, header_len;
        uint8_t file_key[SEAL_FILE_KEY_SIZE], mac[SEAL_MAC_SIZE];
        _cleanup_free_ uint8_t *bin = NULL;
        size_t bin_len;
        int r;

        assert(recipients);
        assert(plain || len == 0);

        if (n == 0 || n > SEAL_RECIPIENTS_MAX)
                return -EINVAL;
        if (len > SIZE_MAX / 2 - header_max)
                return -EFBIG;
        bin = malloc(header_max + seal_stream_encrypted_len(len));
        if (!bin)
                return -ENOMEM;

        r = seal_random(file_key, sizeof(file_key));
        if (r < 0)
                return r;
        memcpy(bin, SEAL_VERSION_LINE, strlen(SEAL_VERSION_LINE));
        header_len = strlen(SEAL_VERSION_LINE);
        for (size_t i = 0; i < n; i++) {
                r = seal_x25519_wrap(recipients[i], file_key, (char *) bin + header_len, header_max - header_len);
                if (r < 0)
                        goto finish;
                header_len += (size_t) r;
        }
        memcpy(bin + header_len, "---", 3);
        seal_header_mac(mac, file_key, bin, header_len + 3);
        bin[header_len + 3] = ' ';
        seal_base64_encode(mac, sizeof(mac), false, (char *) bin + header_len + 4);
        bin[header_len + MAC_LINE_LEN - 1] = '\n';
        header_len += MAC_LINE_LEN;

        r = seal_stream_encrypt(file_key, plain, len, bin + header_len);
        if (r < 0)
                goto finish;
        bin_len = header_len + seal_stream_encrypted_len(len);

        if (armor) {
                size_t armored_len = seal_armor_encoded_len(bin_len);
                char *armored = malloc(armored_len);
                if (!armored) {
                        r = -ENOMEM;
                        goto finish;
                }
                seal_armor_encode(bin, bin_len, armored);
                *ret = (uint8_t *) armored;
                *ret_len = armored_len;
        } else {
                *ret = TAKE_PTR(bin);
                *ret_len = bin_len;
        }
        r = 0;
finish:
        explicit_bzero(file_key, sizeof(file_key));
        return r;
}

static int decrypt_binary(const SealIdentity *id, const uint8_t *in, size_t len, uint8_t **ret, size_t *ret_len) {
        uint8_t file_key[SEAL_FILE_KEY_SIZE], mac[SEAL_MAC_SIZE];
        _cleanup_free_ SealHeader *h = NULL;
        int r = -ENOKEY;

        h = malloc(sizeof(SealHeader));
        if (!h)
                return -ENOMEM;
        r = seal_header_parse(in, len, h);
        if (r < 0)
                return r;

        /* A passphrase (scrypt) stanza must be alone, or its implied authentication would not hold. */
        for (size_t i = 0; i < h->n_stanzas; i++)
                if (seal_stanza_arg_is(&h->stanzas[i], 0, "scrypt") && h->n_stanzas != 1)
                        return -EBADMSG;

        r = -ENOKEY;
        for (size_t i = 0; i < h->n_stanzas && r == -ENOKEY; i++)
                r = seal_x25519_unwrap(id, &h->stanzas[i], file_key);
        if (r < 0)
                return r;

        seal_header_mac(mac, file_key, in, h->mac_input_len);
        if (!seal_mem_equal(mac, h->mac, sizeof(mac)))
                r = -EBADMSG;
        else
                r = seal_stream_decrypt(file_key, in + h->len, len - h->len, ret, ret_len);
        explicit_bzero(file_key, sizeof(file_key));
        return r;
}

int seal_decrypt(const SealIdentity *id, const void *in, size_t len, uint8_t **ret, size_t *ret_len) {
        uint8_t *bin = NULL;
        size_t bin_len;
        int r;

        assert(id);
        assert(in || len == 0);

        if (!seal_armor_detect(in, len))
                return decrypt_binary(id, in, len, ret, ret_len);

        r = seal_armor_decode(in, len, &bin, &bin_len);
        if (r < 0)
                return r;
        r = decrypt_binary(id, bin, bin_len, ret, ret_len);
        /* Ciphertext, but free it the same way as everything else here. */
        wipe_free(bin);
        return r;
}
