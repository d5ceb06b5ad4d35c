/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "receipt-key.h"

struct ReceiptKey {
        gnutls_privkey_t key;
        char *public_pem;
        char id[RECEIPT_KEY_ID_LEN + 1];
        bool ephemeral;
};

ReceiptKey *receipt_key_free(ReceiptKey *k) {
        if (!k)
                return NULL;
        if (k->key)
                gnutls_privkey_deinit(k->key);
        free(k->public_pem);
        free(k);
        return NULL;
}

/* Derives the public half, its PEM and id, and checks the key signs what it verifies. */
static int finish_key(ReceiptKey *k) {
        gnutls_pubkey_t pub = NULL;
        gnutls_datum_t pem = {};
        unsigned bits;
        int r = -EINVAL;

        if (gnutls_privkey_get_pk_algorithm(k->key, &bits) != GNUTLS_PK_EDDSA_ED25519)
                return -EINVAL;
        if (gnutls_pubkey_init(&pub) < 0)
                return -ENOMEM;
        if (gnutls_pubkey_import_privkey(pub, k->key, 0, 0) < 0 ||
            gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_PEM, &pem) < 0)
                goto finish;
        k->public_pem = strndup((const char *) pem.data, pem.size);
        if (!k->public_pem) {
                r = -ENOMEM;
                goto finish;
        }
        r = receipt_public_key_id(k->public_pem, strlen(k->public_pem), k->id);
finish:
        gnutls_free(pem.data);
        gnutls_pubkey_deinit(pub);
        return r;
}

int receipt_key_generate(ReceiptKey **ret) {
        _cleanup_(receipt_key_freep) ReceiptKey *k = calloc(1, sizeof(ReceiptKey));
        int r;

        if (!k)
                return -ENOMEM;
        if (gnutls_privkey_init(&k->key) < 0)
                return -ENOMEM;
        if (gnutls_privkey_generate2(k->key, GNUTLS_PK_EDDSA_ED25519, 256, 0, NULL, 0) < 0)
                return -EIO;
        k->ephemeral = true;
        r = finish_key(k);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(k);
        return 0;
}

int receipt_key_load(ReceiptKey **ret, const char *pem, size_t len) {
        _cleanup_(receipt_key_freep) ReceiptKey *k = calloc(1, sizeof(ReceiptKey));
        int r;

        if (!k)
                return -ENOMEM;
        if (len == 0 || len > RECEIPT_KEY_PEM_MAX)
                return -EINVAL;
        if (gnutls_privkey_init(&k->key) < 0)
                return -ENOMEM;
        gnutls_datum_t d = { .data = (unsigned char *) pem, .size = (unsigned) len };
        if (gnutls_privkey_import_x509_raw(k->key, &d, GNUTLS_X509_FMT_PEM, NULL, 0) < 0)
                return -EINVAL;
        r = finish_key(k);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(k);
        return 0;
}

const char *receipt_key_id(const ReceiptKey *k) {
        return k->id;
}

const char *receipt_key_public_pem(const ReceiptKey *k) {
        return k->public_pem;
}

bool receipt_key_ephemeral(const ReceiptKey *k) {
        return k->ephemeral;
}

static json_object *base64_string(const void *data, size_t len) {
        _cleanup_free_ char *b = receipt_base64_encode(data, len);
        return b ? json_object_new_string(b) : NULL;
}

json_object *receipt_key_seal(const ReceiptKey *k, const void *payload, size_t len) {
        gnutls_datum_t data = { .data = (unsigned char *) payload, .size = (unsigned) len }, sig = {};
        json_object *o, *p, *s;

        assert(k);
        if (gnutls_privkey_sign_data2(k->key, GNUTLS_SIGN_EDDSA_ED25519, 0, &data, &sig) < 0)
                return NULL;
        p = base64_string(payload, len);
        s = base64_string(sig.data, sig.size);
        gnutls_free(sig.data);
        o = json_object_new_object();
        if (!o || !p || !s) {
                json_object_put(o);
                json_object_put(p);
                json_object_put(s);
                return NULL;
        }
        json_object_object_add(o, "payload", p);
        json_object_object_add(o, "signature", s);
        json_object_object_add(o, "key_id", json_object_new_string(k->id));
        return o;
}
