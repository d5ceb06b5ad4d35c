/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tls-cert.h"

#define PEM_FILE_MAX (256 * 1024)

TlsIdentity *tls_identity_free(TlsIdentity *t) {
        if (!t)
                return NULL;
        free(t->cert_pem);
        if (t->key_pem) {
                /* The key must not linger in freed memory. */
                explicit_bzero(t->key_pem, strlen(t->key_pem));
                free(t->key_pem);
        }
        free(t->pin);
        free(t);
        return NULL;
}

static int gnutls_to_errno(int g) {
        switch (g) {
        case GNUTLS_E_MEMORY_ERROR:
                return -ENOMEM;
        case GNUTLS_E_FILE_ERROR:
                return -EIO;
        default:
                return -EBADMSG;
        }
}

static int read_pem_file(const char *path, char **ret) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        struct stat st;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        if (st.st_size <= 0 || st.st_size > PEM_FILE_MAX)
                return -EFBIG;
        _cleanup_free_ char *buf = malloc(st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        size_t got = 0;
        while (got < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + got, st.st_size - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                got += n;
        }
        buf[got] = 0;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int pin_from_pubkey(gnutls_pubkey_t pub, char **ret) {
        gnutls_datum_t der = {}, b64 = {};
        unsigned char digest[32];
        int g;

        g = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der);
        if (g < 0)
                return gnutls_to_errno(g);
        g = gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, digest);
        gnutls_free(der.data);
        if (g < 0)
                return gnutls_to_errno(g);

        gnutls_datum_t d = { .data = digest, .size = sizeof(digest) };
        g = gnutls_base64_encode2(&d, &b64);
        if (g < 0)
                return gnutls_to_errno(g);
        char *pin;
        int k = asprintf(&pin, "sha256//%.*s", (int) b64.size, b64.data);
        gnutls_free(b64.data);
        if (k < 0)
                return -ENOMEM;
        *ret = pin;
        return 0;
}

int tls_pin_from_cert_pem(const char *cert_pem, char **ret) {
        gnutls_x509_crt_t crt = NULL;
        gnutls_pubkey_t pub = NULL;
        gnutls_datum_t d = { .data = (unsigned char *) cert_pem, .size = strlen(cert_pem) };
        int g, r;

        g = gnutls_x509_crt_init(&crt);
        if (g < 0)
                return gnutls_to_errno(g);
        g = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM);
        if (g >= 0)
                g = gnutls_pubkey_init(&pub);
        if (g >= 0)
                g = gnutls_pubkey_import_x509(pub, crt, 0);
        r = g < 0 ? gnutls_to_errno(g) : pin_from_pubkey(pub, ret);
        if (pub)
                gnutls_pubkey_deinit(pub);
        gnutls_x509_crt_deinit(crt);
        return r;
}

int tls_identity_load(TlsIdentity **ret, const char *cert_path, const char *key_path) {
        _cleanup_(tls_identity_freep) TlsIdentity *t = calloc(1, sizeof(TlsIdentity));
        int r;

        if (!t)
                return -ENOMEM;
        r = read_pem_file(cert_path, &t->cert_pem);
        if (r < 0)
                return r;
        r = read_pem_file(key_path, &t->key_pem);
        if (r < 0)
                return r;
        r = tls_pin_from_cert_pem(t->cert_pem, &t->pin);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(t);
        return 0;
}

static int datum_to_string(gnutls_datum_t *d, char **ret) {
        char *s = malloc(d->size + 1);
        if (!s)
                return -ENOMEM;
        memcpy(s, d->data, d->size);
        s[d->size] = 0;
        *ret = s;
        return 0;
}

int tls_identity_generate(TlsIdentity **ret, const char *common_name) {
        _cleanup_(tls_identity_freep) TlsIdentity *t = calloc(1, sizeof(TlsIdentity));
        gnutls_x509_privkey_t key = NULL;
        gnutls_x509_crt_t crt = NULL;
        gnutls_pubkey_t pub = NULL;
        gnutls_datum_t cert_pem = {}, key_pem = {};
        unsigned char serial[16];
        int g, r = 0;

        if (!t)
                return -ENOMEM;
        t->ephemeral = true;

        if ((g = gnutls_x509_privkey_init(&key)) < 0 ||
            (g = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
                                              0)) < 0 ||
            (g = gnutls_x509_crt_init(&crt)) < 0 ||
            (g = gnutls_x509_crt_set_key(crt, key)) < 0 ||
            (g = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
            (g = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial))) < 0)
                goto finish;
        serial[0] &= 0x7f; /* serials are positive */
        time_t now = time(NULL);
        if ((g = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
            (g = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
            (g = gnutls_x509_crt_set_expiration_time(crt, now + 365 * 24 * 3600)) < 0 ||
            (g = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, common_name,
                                               strlen(common_name))) < 0 ||
            (g = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, common_name, strlen(common_name),
                                                      GNUTLS_FSAN_SET)) < 0 ||
            (g = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, "\x7f\x00\x00\x01", 4,
                                                      GNUTLS_FSAN_APPEND)) < 0 ||
            (g = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
            (g = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
            (g = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
            (g = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0 ||
            (g = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cert_pem)) < 0 ||
            (g = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &key_pem)) < 0 ||
            (g = gnutls_pubkey_init(&pub)) < 0 ||
            (g = gnutls_pubkey_import_x509(pub, crt, 0)) < 0)
                goto finish;

        r = datum_to_string(&cert_pem, &t->cert_pem);
        if (r >= 0)
                r = datum_to_string(&key_pem, &t->key_pem);
        if (r >= 0)
                r = pin_from_pubkey(pub, &t->pin);
finish:
        if (g < 0)
                r = gnutls_to_errno(g);
        if (key_pem.data) {
                explicit_bzero(key_pem.data, key_pem.size);
                gnutls_free(key_pem.data);
        }
        gnutls_free(cert_pem.data);
        if (pub)
                gnutls_pubkey_deinit(pub);
        if (crt)
                gnutls_x509_crt_deinit(crt);
        if (key)
                gnutls_x509_privkey_deinit(key);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(t);
        return 0;
}
