/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>

#include "tls-cert.h"
#include "tests.h"

TEST(generate_and_reload) {
        _cleanup_(tls_identity_freep) TlsIdentity *t = NULL, *l = NULL;
        char dir[] = "/tmp/test-tls-XXXXXX", cert[64], key[64];

        ASSERT_OK(tls_identity_generate(&t, "localhost"));
        ASSERT_TRUE(t->ephemeral);
        ASSERT_TRUE(strncmp(t->pin, "sha256//", 8) == 0);
        ASSERT_EQ(strlen(t->pin), 8 + 44);
        ASSERT_TRUE(strstr(t->cert_pem, "BEGIN CERTIFICATE"));
        ASSERT_TRUE(strstr(t->key_pem, "PRIVATE KEY"));

        /* Loading the same certificate from files gives the same pin. */
        ASSERT_TRUE(mkdtemp(dir));
        snprintf(cert, sizeof(cert), "%s/c.pem", dir);
        snprintf(key, sizeof(key), "%s/k.pem", dir);
        FILE *f = fopen(cert, "we");
        fputs(t->cert_pem, f);
        fclose(f);
        f = fopen(key, "we");
        fputs(t->key_pem, f);
        fclose(f);
        ASSERT_OK(tls_identity_load(&l, cert, key));
        ASSERT_STREQ(l->pin, t->pin);
        ASSERT_TRUE(!l->ephemeral);

        /* Two generated identities differ. */
        _cleanup_(tls_identity_freep) TlsIdentity *t2 = NULL;
        ASSERT_OK(tls_identity_generate(&t2, "localhost"));
        ASSERT_TRUE(strcmp(t2->pin, t->pin) != 0);

        unlink(cert);
        unlink(key);
        rmdir(dir);
}

TEST(bad_input) {
        _cleanup_(tls_identity_freep) TlsIdentity *t = NULL;
        char *pin = NULL;
        ASSERT_TRUE(tls_identity_load(&t, "/nonexistent/cert", "/nonexistent/key") == -ENOENT);
        ASSERT_TRUE(tls_identity_load(&t, "/dev/null", "/dev/null") == -EBADF);
        ASSERT_TRUE(tls_pin_from_cert_pem("not a certificate", &pin) < 0);
        ASSERT_TRUE(pin == NULL);
}

int main(void) {
        RUN(generate_and_reload);
        RUN(bad_input);
        return 0;
}
