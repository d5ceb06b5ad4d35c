/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "seal-bech32.h"

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t polymod_step(uint32_t chk, uint8_t value) {
        static const uint32_t generator[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3 };
        uint32_t top = chk >> 25;

        chk = (chk & 0x1ffffff) << 5 ^ value;
        for (unsigned i = 0; i < 5; i++)
                if (top >> i & 1)
                        chk ^= generator[i];
        return chk;
}

static uint32_t hrp_polymod(const char *hrp, size_t n) {
        uint32_t chk = 1;

        for (size_t i = 0; i < n; i++)
                chk = polymod_step(chk, (uint8_t) hrp[i] >> 5);
        chk = polymod_step(chk, 0);
        for (size_t i = 0; i < n; i++)
                chk = polymod_step(chk, (uint8_t) hrp[i] & 31);
        return chk;
}

static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static char upper(char c) {
        return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

int seal_bech32_encode(const char *hrp, const uint8_t *data, size_t len, bool upper_case, char *dst,
                       size_t dst_size) {
        char hrp_lower[SEAL_BECH32_HRP_MAX + 1];
        size_t n_hrp = strlen(hrp), n_values = (len * 8 + 4) / 5, total, pos = 0;
        uint32_t chk, acc = 0;
        unsigned bits = 0;

        assert(hrp);
        assert(data || len == 0);

        if (n_hrp == 0 || n_hrp > SEAL_BECH32_HRP_MAX)
                return -EINVAL;
        total = n_hrp + 1 + n_values + 6;
        if (total > SEAL_BECH32_MAX || total + 1 > dst_size)
                return -ENOBUFS;
        for (size_t i = 0; i < n_hrp; i++) {
                if (hrp[i] < 33 || hrp[i] > 126)
                        return -EINVAL;
                hrp_lower[i] = lower(hrp[i]);
        }

        chk = hrp_polymod(hrp_lower, n_hrp);
        memcpy(dst, hrp_lower, n_hrp);
        pos = n_hrp;
        dst[pos++] = '1';
        for (size_t i = 0; i < len; i++) {
                acc = acc << 8 | data[i];
                bits += 8;
                while (bits >= 5) {
                        bits -= 5;
                        uint8_t v = acc >> bits & 31;
                        chk = polymod_step(chk, v);
                        dst[pos++] = charset[v];
                }
        }
        if (bits > 0) {
                uint8_t v = acc << (5 - bits) & 31;
                chk = polymod_step(chk, v);
                dst[pos++] = charset[v];
        }
        for (unsigned i = 0; i < 6; i++)
                chk = polymod_step(chk, 0);
        chk ^= 1;
        for (unsigned i = 0; i < 6; i++)
                dst[pos++] = charset[chk >> (5 * (5 - i)) & 31];
        dst[pos] = '\0';
        assert(pos == total);

        if (upper_case)
                for (size_t i = 0; i < pos; i++)
                        dst[i] = upper(dst[i]);
        return 0;
}

int seal_bech32_decode(const char *s, size_t len, char *ret_hrp, uint8_t *dst, size_t dst_max, size_t *ret_len) {
        bool has_lower = false, has_upper = false;
        size_t sep = 0, out = 0;
        uint32_t chk, acc = 0;
        unsigned bits = 0;

        assert(s || len == 0);

        if (len < 8 || len > SEAL_BECH32_MAX)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < 33 || s[i] > 126)
                        return -EINVAL;
                has_lower = has_lower || (s[i] >= 'a' && s[i] <= 'z');
                has_upper = has_upper || (s[i] >= 'A' && s[i] <= 'Z');
                if (s[i] == '1')
                        sep = i;
        }
        if (has_lower && has_upper)
                return -EINVAL;
        /* The last '1' separates: the hrp may contain '1's, the data part may not. */
        if (sep == 0 || sep > SEAL_BECH32_HRP_MAX || len - sep - 1 < 6)
                return -EINVAL;

        for (size_t i = 0; i < sep; i++)
                ret_hrp[i] = lower(s[i]);
        ret_hrp[sep] = '\0';

        chk = hrp_polymod(ret_hrp, sep);
        for (size_t i = sep + 1; i < len; i++) {
                const char *p = memchr(charset, lower(s[i]), sizeof(charset) - 1);
                if (!p)
                        return -EINVAL;
                uint8_t v = (uint8_t) (p - charset);
                chk = polymod_step(chk, v);
                if (i >= len - 6)
                        continue;
                acc = acc << 5 | v;
                bits += 5;
                if (bits >= 8) {
                        bits -= 8;
                        if (out >= dst_max)
                                return -EINVAL;
                        dst[out++] = acc >> bits & 0xff;
                }
        }
        if (chk != 1)
                return -EINVAL;
        /* Padding: fewer than 5 bits, all zero. */
        if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
                return -EINVAL;
        *ret_len = out;
        return 0;
}
