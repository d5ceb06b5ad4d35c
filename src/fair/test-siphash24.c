/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "siphash24.h"
#include "tests.h"

static const uint8_t reference_key[SIPHASH24_KEY_SIZE] = {
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

/* Inputs 00 01 02 ... of length n, from the SipHash paper's reference test vectors. */
static uint64_t hash_of_counting_bytes(size_t n) {
        uint8_t in[64];

        for (size_t i = 0; i < n; i++)
                in[i] = (uint8_t) i;
        return siphash24(in, n, reference_key);
}

TEST(reference_vectors) {
        ASSERT_TRUE(hash_of_counting_bytes(0) == UINT64_C(0x726fdb47dd0e0e31));
        ASSERT_TRUE(hash_of_counting_bytes(8) == UINT64_C(0x93f5f5799a932462));
        ASSERT_TRUE(hash_of_counting_bytes(15) == UINT64_C(0xa129ca6149be45e5));
}

TEST(key_matters) {
        uint8_t other_key[SIPHASH24_KEY_SIZE] = {};
        const char in[] = "192.0.2.1";

        ASSERT_TRUE(siphash24(in, sizeof(in), reference_key) != siphash24(in, sizeof(in), other_key));
}

int main(void) {
        RUN(reference_vectors);
        RUN(key_matters);
        return 0;
}
