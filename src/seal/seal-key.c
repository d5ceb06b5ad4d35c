/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "seal-bech32.h"
#include "seal-key.h"

#define RECIPIENT_HRP "age"
#define IDENTITY_HRP "age-secret-key-"
/* Bounds how much of an identity file is looked at. */
#define IDENTITY_FILE_MAX 4096u

/* age writes recipients in lower case and identities in upper case, and rejects keys in the other case
 * (bech32 alone accepts either). */
static int decode_key(const char *s, size_t len, size_t want_len, const char *hrp, bool upper,
                      uint8_t ret[SEAL_KEY_SIZE]) {
        char got_hrp[SEAL_BECH32_HRP_MAX + 1];
        char wrong_first = upper ? 'a' : 'A', wrong_last = upper ? 'z' : 'Z';
        uint8_t data[SEAL_KEY_SIZE + 1];
        size_t n;
        int r;

        if (len != want_len)
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (s[i] >= wrong_first && s[i] <= wrong_last)
                        return -EINVAL;
        /* A decode that fails midway may have written part of a secret key into data: wiped all the same. */
        r = seal_bech32_decode(s, len, got_hrp, data, sizeof(data), &n);
        if (r >= 0)
                r = strcmp(got_hrp, hrp) == 0 && n == SEAL_KEY_SIZE ? 0 : -EINVAL;
        if (r == 0)
                memcpy(ret, data, SEAL_KEY_SIZE);
        explicit_bzero(data, sizeof(data));
        return r;
}

int seal_recipient_parse(const char *s, size_t len, uint8_t ret_public[SEAL_KEY_SIZE]) {
        assert(s || len == 0);

        return decode_key(s, len, SEAL_RECIPIENT_LEN, RECIPIENT_HRP, false, ret_public);
}

void seal_recipient_format(const uint8_t public[SEAL_KEY_SIZE], char ret[SEAL_RECIPIENT_LEN + 1]) {
        int r = seal_bech32_encode(RECIPIENT_HRP, public, SEAL_KEY_SIZE, false, ret, SEAL_RECIPIENT_LEN + 1);
        assert(r == 0);
        (void) r;
}

int seal_identity_parse(const char *s, size_t len, SealIdentity *ret) {
        SealIdentity id;
        int r;

        assert(s || len == 0);

        r = decode_key(s, len, SEAL_IDENTITY_LEN, IDENTITY_HRP, true, id.secret);
        if (r < 0)
                return r;
        seal_x25519_base(id.public, id.secret);
        *ret = id;
        seal_identity_erase(&id);
        return 0;
}

int seal_identity_file_parse(const char *s, size_t len, SealIdentity *ret) {
        SealIdentity id;
        bool found = false;
        size_t pos = 0;
        int r;

        assert(s || len == 0);

        if (len > IDENTITY_FILE_MAX)
                return -EFBIG;
        while (pos < len) {
                const char *nl = memchr(s + pos, '\n', len - pos);
                size_t end = nl ? (size_t) (nl - s) : len, n = end - pos;

                if (n > 0 && s[pos + n - 1] == '\r')
                        n--;
                if (n > 0 && s[pos] != '#') {
                        if (found) {
                                seal_identity_erase(&id);
                                return -ENOTUNIQ;
                        }
                        r = seal_identity_parse(s + pos, n, &id);
                        if (r < 0)
                                return r;
                        found = true;
                }
                pos = end + 1;
        }
        if (!found)
                return -ENOKEY;
        *ret = id;
        seal_identity_erase(&id);
        return 0;
}

void seal_identity_format(const SealIdentity *id, char ret[SEAL_IDENTITY_LEN + 1]) {
        int r = seal_bech32_encode(IDENTITY_HRP, id->secret, SEAL_KEY_SIZE, true, ret, SEAL_IDENTITY_LEN + 1);
        assert(r == 0);
        (void) r;
}

int seal_identity_generate(SealIdentity *ret) {
        SealIdentity id;
        int r;

        r = seal_random(id.secret, sizeof(id.secret));
        if (r < 0) {
                seal_identity_erase(&id);       /* it may have got part of a secret */
                return r;
        }
        seal_x25519_base(id.public, id.secret);
        *ret = id;
        seal_identity_erase(&id);
        return 0;
}

void seal_identity_erase(SealIdentity *id) {
        explicit_bzero(id, sizeof(*id));
}
