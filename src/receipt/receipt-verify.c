/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>
#include <string.h>
#include <unistd.h>

#include "receipt-verify.h"

static void hex(const uint8_t *d, size_t n, char *ret) {
        static const char digits[] = "0123456789abcdef";
        for (size_t i = 0; i < n; i++) {
                ret[2 * i] = digits[d[i] >> 4];
                ret[2 * i + 1] = digits[d[i] & 15];
        }
        ret[2 * n] = 0;
}

void receipt_sha256_hex(const void *data, size_t len, char ret[static 65]) {
        uint8_t d[32];

        /* Cannot fail for SHA-256 with a valid buffer. */
        if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, d) < 0)
                memset(d, 0, sizeof(d));
        hex(d, sizeof(d), ret);
}

void receipt_digest_hex(const uint8_t digest[static 32], char ret[static 65]) {
        hex(digest, 32, ret);
}

int receipt_sha256_fd(int fd, char ret[static 65]) {
        gnutls_hash_hd_t h;
        uint8_t buf[65536], d[32];
        ssize_t n;

        if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
                return -ENOMEM;
        while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
                if (n > 0)
                        (void) gnutls_hash(h, buf, (size_t) n);
        gnutls_hash_deinit(h, d);
        if (n < 0)
                return -errno;
        hex(d, sizeof(d), ret);
        return 0;
}

static void pubkey_freep(gnutls_pubkey_t *k) {
        if (*k)
                gnutls_pubkey_deinit(*k);
}

static int pubkey_from_pem(const char *pem, size_t len, gnutls_pubkey_t *ret) {
        gnutls_pubkey_t k = NULL;
        unsigned bits;

        if (len == 0 || len > RECEIPT_KEY_PEM_MAX)
                return -EINVAL;
        if (gnutls_pubkey_init(&k) < 0)
                return -ENOMEM;
        gnutls_datum_t d = { .data = (unsigned char *) pem, .size = (unsigned) len };
        if (gnutls_pubkey_import(k, &d, GNUTLS_X509_FMT_PEM) < 0 ||
            gnutls_pubkey_get_pk_algorithm(k, &bits) != GNUTLS_PK_EDDSA_ED25519) {
                gnutls_pubkey_deinit(k);
                return -EINVAL;
        }
        *ret = k;
        return 0;
}

static int key_id_of(gnutls_pubkey_t k, char ret[static RECEIPT_KEY_ID_LEN + 1]) {
        gnutls_datum_t der = {};
        uint8_t d[32];

        if (gnutls_pubkey_export2(k, GNUTLS_X509_FMT_DER, &der) < 0)
                return -ENOMEM;
        int r = gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, d);
        gnutls_free(der.data);
        if (r < 0)
                return -EIO;
        hex(d, RECEIPT_KEY_ID_LEN / 2, ret);
        return 0;
}

int receipt_public_key_id(const char *pem, size_t len, char ret[static RECEIPT_KEY_ID_LEN + 1]) {
        _cleanup_(pubkey_freep) gnutls_pubkey_t k = NULL;
        int r;

        r = pubkey_from_pem(pem, len, &k);
        if (r < 0)
                return r;
        return key_id_of(k, ret);
}

static bool is_key_id(const char *s) {
        if (strlen(s) != RECEIPT_KEY_ID_LEN)
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                        return false;
        return true;
}

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *receipt_base64_encode(const void *data, size_t len) {
        const uint8_t *d = data;
        char *out = malloc((len + 2) / 3 * 4 + 1), *w = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < len; i += 3) {
                uint32_t v = (uint32_t) d[i] << 16 | (i + 1 < len ? (uint32_t) d[i + 1] << 8 : 0) |
                             (i + 2 < len ? d[i + 2] : 0);
                *w++ = b64_alphabet[v >> 18 & 63];
                *w++ = b64_alphabet[v >> 12 & 63];
                *w++ = i + 1 < len ? b64_alphabet[v >> 6 & 63] : '=';
                *w++ = i + 2 < len ? b64_alphabet[v & 63] : '=';
        }
        *w = 0;
        return out;
}

static int b64_value(char c) {
        const char *p = c ? strchr(b64_alphabet, c) : NULL;
        return p ? (int) (p - b64_alphabet) : -1;
}

/* Strict base64 (RFC 4648, padded, no line breaks): a fresh buffer of the bytes, or -EBADMSG. */
static int base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len) {
        if (len % 4 != 0)
                return -EBADMSG;
        uint8_t *out = malloc(len / 4 * 3 + 1);
        size_t n = 0;
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < len; i += 4) {
                bool last = i + 4 == len;
                int a = b64_value(s[i]), b = b64_value(s[i + 1]);
                int c = last && s[i + 2] == '=' && s[i + 3] == '=' ? -2 : b64_value(s[i + 2]);
                int d = last && s[i + 3] == '=' ? -2 : b64_value(s[i + 3]);
                if (a < 0 || b < 0 || c == -1 || d == -1 || (c == -2 && d != -2)) {
                        free(out);
                        return -EBADMSG;
                }
                uint32_t v = (uint32_t) a << 18 | (uint32_t) b << 12 | (uint32_t) (c < 0 ? 0 : c) << 6 |
                             (uint32_t) (d < 0 ? 0 : d);
                /* Non-canonical padding bits would let two strings decode to the same bytes. */
                if ((c == -2 && (v & 0xffff)) || (c >= 0 && d == -2 && (v & 0xff))) {
                        free(out);
                        return -EBADMSG;
                }
                out[n++] = v >> 16;
                if (c >= 0)
                        out[n++] = v >> 8 & 0xff;
                if (d >= 0)
                        out[n++] = v & 0xff;
        }
        *ret = out;
        *ret_len = n;
        return 0;
}

int receipt_parse(const char *json, size_t len, Receipt *ret, const char **ret_error) {
        json_object *o = NULL, *payload, *signature, *key_id;
        _cleanup_free_ uint8_t *p = NULL, *sig = NULL;
        size_t p_len = 0, sig_len = 0;
        const char *error = NULL;
        int r = -EBADMSG;

        assert(json);
        assert(ret);

        if (len > RECEIPT_MAX) {
                error = "the receipt is too large";
                goto finish;
        }
        json_tokener *tok = json_tokener_new_ex(16);
        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, json, (int) len);
        size_t end = o ? json_tokener_get_parse_end(tok) : 0;
        json_tokener_free(tok);
        /* Trailing whitespace is fine (a file ends in a newline); anything else is not. */
        while (o && end < len && json[end] && strchr(" \t\r\n", json[end]))
                end++;
        if (o && end != len) {
                error = "trailing data after the receipt";
                goto finish;
        }
        if (!o || !json_object_is_type(o, json_type_object)) {
                error = "the receipt is not a JSON object";
                goto finish;
        }
        if (!json_object_object_get_ex(o, "payload", &payload) || !json_object_is_type(payload, json_type_string) ||
            !json_object_object_get_ex(o, "signature", &signature) ||
            !json_object_is_type(signature, json_type_string) || !json_object_object_get_ex(o, "key_id", &key_id) ||
            !json_object_is_type(key_id, json_type_string)) {
                error = "the receipt lacks a payload, signature or key_id string";
                goto finish;
        }
        if (!is_key_id(json_object_get_string(key_id))) {
                error = "the receipt's key_id is not 32 lowercase hex digits";
                goto finish;
        }
        r = base64_decode(json_object_get_string(payload), (size_t) json_object_get_string_len(payload), &p, &p_len);
        if (r < 0) {
                error = "the receipt's payload is not base64";
                goto finish;
        }
        r = base64_decode(json_object_get_string(signature), (size_t) json_object_get_string_len(signature), &sig,
                          &sig_len);
        if (r >= 0 && sig_len != RECEIPT_SIGNATURE_LEN)
                r = -EBADMSG;
        if (r < 0) {
                error = "the receipt's signature is not a base64 Ed25519 signature";
                goto finish;
        }

        *ret = (Receipt) { .payload = TAKE_PTR(p), .payload_len = p_len };
        memcpy(ret->signature, sig, RECEIPT_SIGNATURE_LEN);
        strcpy(ret->key_id, json_object_get_string(key_id));
        r = 0;
finish:
        json_object_put(o);
        if (r < 0 && ret_error)
                *ret_error = r == -ENOMEM ? "out of memory" : error;
        return r;
}

void receipt_done(Receipt *r) {
        if (!r)
                return;
        free(r->payload);
        *r = (Receipt) {};
}

int receipt_verify(const Receipt *r, const char *key_pem, size_t key_len, const char **ret_error) {
        _cleanup_(pubkey_freep) gnutls_pubkey_t k = NULL;
        char id[RECEIPT_KEY_ID_LEN + 1];
        int k_r;

        assert(r);

        k_r = pubkey_from_pem(key_pem, key_len, &k);
        if (k_r < 0) {
                if (ret_error)
                        *ret_error = "the key is not an Ed25519 public key in PEM";
                return k_r;
        }
        k_r = key_id_of(k, id);
        if (k_r < 0)
                return k_r;
        if (!streq(id, r->key_id)) {
                if (ret_error)
                        *ret_error = "the receipt was signed with another key (key_id differs)";
                return -EBADMSG;
        }
        gnutls_datum_t data = { .data = r->payload, .size = (unsigned) r->payload_len };
        gnutls_datum_t sig = { .data = (unsigned char *) r->signature, .size = RECEIPT_SIGNATURE_LEN };
        if (gnutls_pubkey_verify_data2(k, GNUTLS_SIGN_EDDSA_ED25519, 0, &data, &sig) < 0) {
                if (ret_error)
                        *ret_error = "the signature does not match the payload";
                return -EBADMSG;
        }
        return 0;
}
