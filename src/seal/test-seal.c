/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>
#include <sys/wait.h>

#include "seal-armor.h"
#include "seal-stream.h"
#include "seal.h"
#include "tests.h"
#include "wipe.h"

/* Written by Debian's age 1.1.1: `age-keygen`, then `printf 'hello from age\n' | age -e -a -r ...` and
 * `printf '' | age -e -a -r ...`. */
static const char age_identity[] = "AGE-SECRET-KEY-1JCVV8572QSJY2DYXUG9QWYT6JAEWRUPKR6YVSXT476599YN4PSWSPTTDGS";
static const char age_recipient[] = "age1yv03sdmzld2t4e2ayzrh5a9gkhctgsn9wks0jxxd8w6wau344pgq8z0mpm";
static const char age_hello[] = "-----BEGIN AGE ENCRYPTED FILE-----\n"
                                "YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBRZnR0R0gxU2xCSUZRcEEy\n"
                                "OTFDRjRqYjl3eXdGZjVRaXFnK1hzWnlZKzJVCi9paXU0MXhFcDVkT3ltUi95cTkx\n"
                                "SStoZkhqVWpPSTVIbGRhQzN1UklEekkKLS0tIG9vQXhYZHFUQ1YvTkQwUVRSK2RF\n"
                                "Rm52RWZIaXJKQWtsbENPMU5aeUlGTWMK4cwY2lfo5H54tBgOuDkC9KXT9ZIcqUBw\n"
                                "4jxmZlzpqZROWPib18F/XruT931IuQI=\n"
                                "-----END AGE ENCRYPTED FILE-----\n";
static const char age_empty[] = "-----BEGIN AGE ENCRYPTED FILE-----\n"
                                "YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSA5QnJnazN1VEVSMm5OY2dS\n"
                                "dU01K2Ztb2R3Vzh4N2FVd3ZpWm5YenZ5TG5RCk9mbG4vK0htRjN1alpxL2h6dG9i\n"
                                "SUdLS0tUSERodk9HaTJUV21jem1tTEkKLS0tIExXRm1sUVV0TVJVZG9hWFRuN1FG\n"
                                "bXV4K1U2cnZFWE00c3BBTWJyQkpaMm8KOKhZ/IThlh+QShTtZpfx7Hia4bnwC0/W\n"
                                "nexADyTmTjQ=\n"
                                "-----END AGE ENCRYPTED FILE-----\n";

static SealIdentity age_id;

static void test_open_age_output(void) {
        SealIdentity other;
        uint8_t *out, *bin;
        size_t n, bin_len;

        ASSERT_OK(seal_decrypt(&age_id, age_hello, strlen(age_hello), &out, &n));
        ASSERT_EQ(n, strlen("hello from age\n"));
        ASSERT_TRUE(memcmp(out, "hello from age\n", n) == 0);
        wipe_free(out);
        ASSERT_OK(seal_decrypt(&age_id, age_empty, strlen(age_empty), &out, &n));
        ASSERT_EQ(n, 0);
        wipe_free(out);

        ASSERT_OK(seal_identity_generate(&other));
        ASSERT_ERROR(seal_decrypt(&other, age_hello, strlen(age_hello), &out, &n), ENOKEY);

        /* The binary form opens too; every single-bit change of it fails to. */
        ASSERT_OK(seal_armor_decode(age_hello, strlen(age_hello), &bin, &bin_len));
        ASSERT_OK(seal_decrypt(&age_id, bin, bin_len, &out, &n));
        wipe_free(out);
        for (size_t i = 0; i < bin_len; i++)
                for (unsigned bit = 0; bit < 8; bit++) {
                        bin[i] ^= 1u << bit;
                        ASSERT_TRUE(seal_decrypt(&age_id, bin, bin_len, &out, &n) < 0);
                        bin[i] ^= 1u << bit;
                }
        /* Truncated anywhere, or extended. */
        for (size_t len = 0; len < bin_len; len++)
                ASSERT_TRUE(seal_decrypt(&age_id, bin, len, &out, &n) < 0);
        uint8_t *longer = malloc(bin_len + 1);
        ASSERT_TRUE(longer);
        memcpy(longer, bin, bin_len);
        longer[bin_len] = 0;
        ASSERT_ERROR(seal_decrypt(&age_id, longer, bin_len + 1, &out, &n), EBADMSG);
        free(longer);
        free(bin);
}

/* Headers made by hand around age's own stanza for age_identity: the MAC no longer matches, so what is
 * checked is what comes before it. */
static void test_hostile_headers(void) {
        uint8_t *bin, *out;
        size_t bin_len, n;
        char *text;

        ASSERT_OK(seal_armor_decode(age_hello, strlen(age_hello), &bin, &bin_len));
        text = malloc(bin_len + 256);
        ASSERT_TRUE(text);
        /* The stanza as age wrote it: after the version line, up to "---". */
        const char *start = (char *) bin + strlen("age-encryption.org/v1\n");
        const char *end = memmem(bin, bin_len, "\n---", 4);
        ASSERT_TRUE(end);
        int stanza_len = (int) (end + 1 - start);

        /* An scrypt stanza beside another is refused before any key is tried. */
        n = (size_t) sprintf(text, "age-encryption.org/v1\n-> scrypt c2FsdHNhbHRzYWx0c2FsdA 10\n"
                             "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n%.*s--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
                             stanza_len, start);
        ASSERT_ERROR(seal_decrypt(&age_id, text, n, &out, &n), EBADMSG);
        /* Unknown stanzas are skipped; the MAC then fails, since the header changed. */
        n = (size_t) sprintf(text, "age-encryption.org/v1\n-> grease x\n\n%.*s--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
                             stanza_len, start);
        ASSERT_ERROR(seal_decrypt(&age_id, text, n, &out, &n), EBADMSG);
        /* An X25519 stanza with a third argument, or a short body, is malformed, not "not for us". */
        n = (size_t) sprintf(text, "age-encryption.org/v1\n-> X25519 XEl0dJ6y3C7KZkgmgWUicg63EyXJiwBJW8PdYJ/cYBE x\n"
                             "qRS0AMjdjPvZ/WT08U2KL4G+PIooA3hy38SvLpvaC1E\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
        ASSERT_ERROR(seal_decrypt(&age_id, text, n, &out, &n), EBADMSG);
        n = (size_t) sprintf(text, "age-encryption.org/v1\n-> X25519 XEl0dJ6y3C7KZkgmgWUicg63EyXJiwBJW8PdYJ/cYBE\n"
                             "qRS0AMjdjPvZ/WT08U2KL4G+PIooA3hy38SvLpvaC1\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
        ASSERT_ERROR(seal_decrypt(&age_id, text, n, &out, &n), EBADMSG);
        /* A low-order ephemeral share (all zeros) makes an all-zero shared secret: refused. */
        n = (size_t) sprintf(text, "age-encryption.org/v1\n-> X25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
                             "qRS0AMjdjPvZ/WT08U2KL4G+PIooA3hy38SvLpvaC1E\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
        ASSERT_ERROR(seal_decrypt(&age_id, text, n, &out, &n), EBADMSG);
        /* The spec's example stanza is for another identity. */
        n = (size_t) sprintf(text, "age-encryption.org/v1\n-> X25519 XEl0dJ6y3C7KZkgmgWUicg63EyXJiwBJW8PdYJ/cYBE\n"
                             "qRS0AMjdjPvZ/WT08U2KL4G+PIooA3hy38SvLpvaC1E\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
        ASSERT_ERROR(seal_decrypt(&age_id, text, n, &out, &n), ENOKEY);
        free(text);
        free(bin);
}

static void round_trip(size_t len, size_t n_recipients, bool armor) {
        uint8_t recipients[4][SEAL_KEY_SIZE], *plain, *sealed, *out;
        SealIdentity ids[4], stranger;
        size_t sealed_len, n;

        ASSERT_TRUE(n_recipients <= 4);
        plain = malloc(len + 1);
        ASSERT_TRUE(plain);
        for (size_t i = 0; i < len; i++)
                plain[i] = (uint8_t) (i * 131 + (i >> 16));
        for (size_t i = 0; i < n_recipients; i++) {
                ASSERT_OK(seal_identity_generate(&ids[i]));
                memcpy(recipients[i], ids[i].public, SEAL_KEY_SIZE);
        }
        ASSERT_OK(seal_encrypt(recipients, n_recipients, plain, len, armor, &sealed, &sealed_len));
        ASSERT_EQ(seal_armor_detect((char *) sealed, sealed_len), armor);
        for (size_t i = 0; i < n_recipients; i++) {
                ASSERT_OK(seal_decrypt(&ids[i], sealed, sealed_len, &out, &n));
                ASSERT_EQ(n, len);
                ASSERT_TRUE(memcmp(out, plain, len) == 0);
                wipe_free(out);
        }
        ASSERT_OK(seal_identity_generate(&stranger));
        ASSERT_ERROR(seal_decrypt(&stranger, sealed, sealed_len, &out, &n), ENOKEY);
        if (!armor && len > 0) {
                /* Cut at the last chunk boundary: what is left must not pass for a whole file. */
                size_t cut = sealed_len - (len % SEAL_CHUNK_SIZE == 0 ? SEAL_CHUNK_SIZE : len % SEAL_CHUNK_SIZE) -
                             SEAL_TAG_SIZE;
                ASSERT_ERROR(seal_decrypt(&ids[0], sealed, cut, &out, &n), EBADMSG);
        }
        free(sealed);
        free(plain);
}

static void test_round_trips(void) {
        static const size_t sizes[] = { 0, 1, 100, SEAL_CHUNK_SIZE - 1, SEAL_CHUNK_SIZE, SEAL_CHUNK_SIZE + 1,
                                        2 * SEAL_CHUNK_SIZE, 3 * SEAL_CHUNK_SIZE + 7 };
        for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                round_trip(sizes[i], 1, false);
                round_trip(sizes[i], 3, true);
        }
        uint8_t r[1][SEAL_KEY_SIZE] = {};
        uint8_t *out;
        size_t n;
        ASSERT_ERROR(seal_encrypt(r, 0, "x", 1, false, &out, &n), EINVAL);
        ASSERT_ERROR(seal_encrypt(r, SEAL_RECIPIENTS_MAX + 1, "x", 1, false, &out, &n), EINVAL);
        /* The all-zero point is of low order: no stanza can be made for it. */
        ASSERT_ERROR(seal_encrypt(r, 1, "x", 1, false, &out, &n), EINVAL);
}

/* Both ways with Debian's age when it is installed (the test container's package list has it). */
static int run_age(const char *cmd, const void *in, size_t len, char *out, size_t out_max, size_t *ret_n) {
        char path[] = "/tmp/test-seal-XXXXXX", full[1024];
        int fd = mkstemp(path), status;
        FILE *f;

        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, in, len), (ssize_t) len);
        close(fd);
        snprintf(full, sizeof(full), "%s < %s", cmd, path);
        f = popen(full, "r");
        ASSERT_TRUE(f);
        *ret_n = fread(out, 1, out_max, f);
        status = pclose(f);
        unlink(path);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_interop(void) {
        static const char msg[] = "sealed by sandrun, opened by age\n";
        uint8_t recipient[SEAL_KEY_SIZE], *sealed, *out;
        char key_path[] = "/tmp/test-seal-key-XXXXXX", cmd[512], buf[4096];
        size_t sealed_len, n;
        int fd;

        if (access("/usr/bin/age", X_OK) < 0) {
                fprintf(stderr, "no /usr/bin/age, interoperability not checked\n");
                return;
        }
        fd = mkstemp(key_path);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, age_identity, strlen(age_identity)), (ssize_t) strlen(age_identity));
        close(fd);

        ASSERT_OK(seal_recipient_parse(age_recipient, strlen(age_recipient), recipient));
        for (int armor = 0; armor <= 1; armor++) {
                ASSERT_OK(seal_encrypt(&recipient, 1, msg, strlen(msg), armor, &sealed, &sealed_len));
                snprintf(cmd, sizeof(cmd), "/usr/bin/age -d -i %s", key_path);
                ASSERT_EQ(run_age(cmd, sealed, sealed_len, buf, sizeof(buf), &n), 0);
                ASSERT_EQ(n, strlen(msg));
                ASSERT_TRUE(memcmp(buf, msg, n) == 0);
                free(sealed);
        }
        /* A 200 KiB message crosses chunk boundaries. */
        size_t big_len = 200 * 1024;
        uint8_t *big = malloc(big_len);
        ASSERT_TRUE(big);
        for (size_t i = 0; i < big_len; i++)
                big[i] = (uint8_t) ('a' + i % 26);
        snprintf(cmd, sizeof(cmd), "/usr/bin/age -e -r %s", age_recipient);
        char *aged = malloc(big_len + 4096);
        ASSERT_TRUE(aged);
        ASSERT_EQ(run_age(cmd, big, big_len, aged, big_len + 4096, &n), 0);
        ASSERT_OK(seal_decrypt(&age_id, aged, n, &out, &sealed_len));
        ASSERT_EQ(sealed_len, big_len);
        ASSERT_TRUE(memcmp(out, big, big_len) == 0);
        wipe_free(out);
        free(aged);
        free(big);
        unlink(key_path);
}

int main(void) {
        ASSERT_OK(seal_identity_parse(age_identity, strlen(age_identity), &age_id));
        test_open_age_output();
        test_hostile_headers();
        test_round_trips();
        test_interop();
        return 0;
}
