/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <json-c/json.h>

#include "receipt-key.h"
#include "receipt-verify.h"
#include "tests.h"

/* Made with `openssl genpkey -algorithm ed25519`; the expected values below come from openssl too. */
static const char private_pem[] = "-----BEGIN PRIVATE KEY-----\n"
                                  "MC4CAQAwBQYDK2VwBCIEINYRPkf9r5fwypLMJX/Hg3d8mMye5wAJjNvZR5D4warv\n"
                                  "-----END PRIVATE KEY-----\n";
static const char public_pem[] = "-----BEGIN PUBLIC KEY-----\n"
                                 "MCowBQYDK2VwAyEAeyEYyZEsPuCOErPwt94uZ4vMmE0yPCM1gKxr55Me3U0=\n"
                                 "-----END PUBLIC KEY-----\n";
/* openssl pkey -pubin -outform DER | sha256sum, first 32 digits */
static const char key_id[] = "9d40231bad6901669863de182c9f1277";
/* openssl pkeyutl -sign -rawin over "hello": Ed25519 is deterministic. */
static const char hello_signature[] =
        "hBTMqk9Zs2RLQUTb/JZcsjsp9Fe+spqs0QQo5NXo11Gdb8RB3t2hvx09HETBwz1osYtMgTlA/Y74OF4lHs6hDA==";

static char *seal_string(const ReceiptKey *k, const char *payload) {
        json_object *o = receipt_key_seal(k, payload, strlen(payload));
        ASSERT_TRUE(o);
        char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        ASSERT_TRUE(s);
        return s;
}

static int verify_string(const char *receipt, const char *pem, const char **error) {
        Receipt r = {};
        int k = receipt_parse(receipt, strlen(receipt), &r, error);
        if (k < 0)
                return k;
        k = receipt_verify(&r, pem, strlen(pem), error);
        receipt_done(&r);
        return k;
}

TEST(known_key_matches_openssl) {
        _cleanup_(receipt_key_freep) ReceiptKey *k = NULL;
        char id[RECEIPT_KEY_ID_LEN + 1];

        ASSERT_OK(receipt_key_load(&k, private_pem, strlen(private_pem)));
        ASSERT_STREQ(receipt_key_id(k), key_id);
        ASSERT_STREQ(receipt_key_public_pem(k), public_pem);
        ASSERT_TRUE(!receipt_key_ephemeral(k));
        ASSERT_OK(receipt_public_key_id(public_pem, strlen(public_pem), id));
        ASSERT_STREQ(id, key_id);

        _cleanup_free_ char *s = seal_string(k, "hello");
        json_object *o = json_tokener_parse(s);
        json_object *sig;
        ASSERT_TRUE(json_object_object_get_ex(o, "signature", &sig));
        ASSERT_STREQ(json_object_get_string(sig), hello_signature);
        json_object_put(o);
        ASSERT_OK(verify_string(s, public_pem, NULL));
}

TEST(generated_key_round_trip) {
        _cleanup_(receipt_key_freep) ReceiptKey *k = NULL, *other = NULL;
        const char *error = NULL;

        ASSERT_OK(receipt_key_generate(&k));
        ASSERT_OK(receipt_key_generate(&other));
        ASSERT_TRUE(receipt_key_ephemeral(k));
        ASSERT_TRUE(strcmp(receipt_key_id(k), receipt_key_id(other)) != 0);

        _cleanup_free_ char *s = seal_string(k, "{\"job_id\":\"x\",\"stdout\":{\"sha256\":\"00\"}}");
        ASSERT_OK(verify_string(s, receipt_key_public_pem(k), &error));

        /* Another key: refused on its id before the signature is even tried. */
        ASSERT_ERROR(verify_string(s, receipt_key_public_pem(other), &error), EBADMSG);
        ASSERT_TRUE(strstr(error, "key_id"));

        /* Every single-bit change of the payload or signature fails. */
        Receipt r = {};
        ASSERT_OK(receipt_parse(s, strlen(s), &r, NULL));
        for (size_t i = 0; i < r.payload_len; i++)
                for (unsigned bit = 0; bit < 8; bit++) {
                        r.payload[i] ^= 1u << bit;
                        ASSERT_ERROR(receipt_verify(&r, receipt_key_public_pem(k), strlen(receipt_key_public_pem(k)),
                                                    &error), EBADMSG);
                        r.payload[i] ^= 1u << bit;
                }
        for (size_t i = 0; i < RECEIPT_SIGNATURE_LEN; i++) {
                r.signature[i] ^= 0x10;
                ASSERT_ERROR(receipt_verify(&r, receipt_key_public_pem(k), strlen(receipt_key_public_pem(k)), &error),
                             EBADMSG);
                r.signature[i] ^= 0x10;
        }
        ASSERT_OK(receipt_verify(&r, receipt_key_public_pem(k), strlen(receipt_key_public_pem(k)), NULL));
        receipt_done(&r);
}

TEST(hostile_receipts) {
        static const char *const bad[] = {
                "",
                "[]",
                "null",
                "{}",
                "{\"payload\":\"aGVsbG8=\",\"signature\":\"\",\"key_id\":\"9d40231bad6901669863de182c9f1277\"}",
                "{\"payload\":\"aGVsbG8\",\"signature\":\"" "hBTMqk9Zs2RLQUTb/JZcsjsp9Fe+spqs0QQo5NXo11Gdb8RB3t2hvx09HETBwz1osYtMgTlA/Y74OF4lHs6hDA==" "\",\"key_id\":\"9d40231bad6901669863de182c9f1277\"}",
                "{\"payload\":\"aGVsbG9=\",\"signature\":\"" "hBTMqk9Zs2RLQUTb/JZcsjsp9Fe+spqs0QQo5NXo11Gdb8RB3t2hvx09HETBwz1osYtMgTlA/Y74OF4lHs6hDA==" "\",\"key_id\":\"9d40231bad6901669863de182c9f1277\"}",
                "{\"payload\":\"aGVs\\nbG8=\",\"signature\":\"" "hBTMqk9Zs2RLQUTb/JZcsjsp9Fe+spqs0QQo5NXo11Gdb8RB3t2hvx09HETBwz1osYtMgTlA/Y74OF4lHs6hDA==" "\",\"key_id\":\"9d40231bad6901669863de182c9f1277\"}",
                "{\"payload\":\"aGVsbG8=\",\"signature\":\"" "hBTMqk9Zs2RLQUTb/JZcsjsp9Fe+spqs0QQo5NXo11Gdb8RB3t2hvx09HETBwz1osYtMgTlA/Y74OF4lHs6hDA==" "\",\"key_id\":\"9D40231BAD6901669863DE182C9F1277\"}",
                "{\"payload\":\"aGVsbG8=\",\"signature\":\"" "hBTMqk9Zs2RLQUTb/JZcsjsp9Fe+spqs0QQo5NXo11Gdb8RB3t2hvx09HETBwz1osYtMgTlA/Y74OF4lHs6hDA==" "\",\"key_id\":\"9d40231bad6901669863de182c9f1277\"} x",
                "{\"payload\":1,\"signature\":\"\",\"key_id\":\"\"}",
        };
        const char *error;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                Receipt r = {};
                error = NULL;
                ASSERT_ERROR(receipt_parse(bad[i], strlen(bad[i]), &r, &error), EBADMSG);
                ASSERT_TRUE(error && *error);
        }
        /* The good one, with a trailing newline as in a file. */
        const char *good = "{\"payload\":\"aGVsbG8=\",\"signature\":\"" "hBTMqk9Zs2RLQUTb/JZcsjsp9Fe+spqs0QQo5NXo11Gdb8RB3t2hvx09HETBwz1osYtMgTlA/Y74OF4lHs6hDA==" "\",\"key_id\":\"9d40231bad6901669863de182c9f1277\"}\n";
        ASSERT_OK(verify_string(good, public_pem, NULL));
        /* Keys that are not Ed25519 public keys in PEM. */
        Receipt r = {};
        ASSERT_OK(receipt_parse(good, strlen(good), &r, NULL));
        ASSERT_ERROR(receipt_verify(&r, private_pem, strlen(private_pem), &error), EINVAL);
        ASSERT_ERROR(receipt_verify(&r, "", 0, &error), EINVAL);
        ASSERT_ERROR(receipt_verify(&r, "garbage", 7, &error), EINVAL);
        receipt_done(&r);
        _cleanup_(receipt_key_freep) ReceiptKey *k = NULL;
        ASSERT_ERROR(receipt_key_load(&k, public_pem, strlen(public_pem)), EINVAL);
        ASSERT_ERROR(receipt_key_load(&k, "x", 1), EINVAL);
}

TEST(base64) {
        static const struct {
                const char *in, *out;
        } v[] = { { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
                  { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" } };
        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                _cleanup_free_ char *e = receipt_base64_encode(v[i].in, strlen(v[i].in));
                ASSERT_STREQ(e, v[i].out);
        }
        char hex[65];
        receipt_sha256_hex("abc", 3, hex);
        ASSERT_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void) {
        RUN(known_key_matches_openssl);
        RUN(generated_key_round_trip);
        RUN(hostile_receipts);
        RUN(base64);
        return 0;
}
