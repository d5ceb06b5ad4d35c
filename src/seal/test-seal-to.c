/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "seal-json.h"
#include "seal-to.h"
#include "tests.h"
#include "wipe.h"

#define R1 "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"
#define R2 "age1yv03sdmzld2t4e2ayzrh5a9gkhctgsn9wks0jxxd8w6wau344pgq8z0mpm"

static int from_json(const char *text, SealRecipients **ret, const char **error) {
        json_object *v = json_tokener_parse(text);
        ASSERT_TRUE(v || streq(text, "null"));
        int r = seal_to_from_json(v, ret, error);
        json_object_put(v);
        return r;
}

static void test_json(void) {
        SealRecipients *r = NULL;
        const char *error = NULL;

        ASSERT_OK(from_json("\"" R1 "\"", &r, &error));
        ASSERT_EQ(r->n, 1);
        free(r);
        ASSERT_OK(from_json("[\"" R1 "\", \"" R2 "\", \"" R1 "\"]", &r, &error));
        ASSERT_EQ(r->n, 2);     /* the duplicate folded */
        free(r);
        ASSERT_OK(seal_to_from_json(NULL, &r, &error));
        ASSERT_TRUE(!r);

        ASSERT_ERROR(from_json("[]", &r, &error), EINVAL);
        ASSERT_TRUE(error);
        ASSERT_ERROR(from_json("\"age1\"", &r, &error), EINVAL);
        ASSERT_ERROR(from_json("\"\"", &r, &error), EINVAL);
        ASSERT_ERROR(from_json("42", &r, &error), EINVAL);
        ASSERT_ERROR(from_json("{\"a\": 1}", &r, &error), EINVAL);
        ASSERT_ERROR(from_json("[\"" R1 "\", 7]", &r, &error), EINVAL);
        ASSERT_ERROR(from_json("[[\"" R1 "\"]]", &r, &error), EINVAL);
        ASSERT_ERROR(from_json("\"" R1 " \"", &r, &error), EINVAL);
        ASSERT_ERROR(from_json("\"AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX\"", &r,
                               &error), EINVAL);

        /* 17 entries are too many even if they are the same key. */
        char big[17 * 70 + 8] = "[";
        for (int i = 0; i < 17; i++)
                strcat(strcat(big, i ? ",\"" : "\""), R1 "\"");
        strcat(big, "]");
        ASSERT_ERROR(from_json(big, &r, &error), EINVAL);
}

static void test_string(void) {
        SealRecipients *r = NULL;
        const char *error = NULL;

        ASSERT_OK(seal_to_from_string(R1 "," R2, strlen(R1 "," R2), &r, &error));
        ASSERT_EQ(r->n, 2);
        free(r);
        ASSERT_ERROR(seal_to_from_string("", 0, &r, &error), EINVAL);
        ASSERT_ERROR(seal_to_from_string(R1 ",", strlen(R1 ","), &r, &error), EINVAL);
        ASSERT_ERROR(seal_to_from_string("," R1, strlen("," R1), &r, &error), EINVAL);
        ASSERT_ERROR(seal_to_from_string(R1 ", " R2, strlen(R1 ", " R2), &r, &error), EINVAL);
}

/* Hands out a string a few bytes at a time, as a JsonStream does. */
typedef struct Reader {
        const char *text;
        size_t pos, len;
} Reader;

static ssize_t read_some(void *userdata, char *buf, size_t max) {
        Reader *r = userdata;
        size_t n = MIN(MIN(max, (size_t) 7), r->len - r->pos);
        memcpy(buf, r->text + r->pos, n);
        r->pos += n;
        return (ssize_t) n;
}

static void test_fields(void) {
        static const char identity[] = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
        json_object *o = json_tokener_parse("{\"status\": \"completed\", \"exit_code\": 0, \"stdout\": \"secret out\","
                                            " \"stderr\": \"secret err\", \"output\": \"secret outsecret err\","
                                            " \"metrics\": {\"cpu_seconds\": 0.1}}");
        json_object *inner = NULL, *v;
        SealRecipients *r = NULL;
        const char *error = NULL;
        SealIdentity id;
        uint8_t *plain;
        char *sealed;
        size_t n, len;

        ASSERT_TRUE(o);
        ASSERT_OK(seal_to_from_string(R1, strlen(R1), &r, &error));
        ASSERT_OK(seal_json_move_fields(o, seal_run_fields, &inner));
        /* What stays readable, and nothing of what is to be sealed. */
        const char *rest = json_object_to_json_string(o);
        ASSERT_TRUE(strstr(rest, "\"completed\"") && strstr(rest, "cpu_seconds"));
        ASSERT_TRUE(!strstr(rest, "secret") && !strstr(rest, "stdout") && !strstr(rest, "output"));

        Reader reader = { .text = json_object_to_json_string(inner) };
        reader.len = strlen(reader.text);
        ASSERT_OK(seal_read_armored(read_some, &reader, 4096, r, &sealed, &len));
        ASSERT_EQ(strlen(sealed), len);
        ASSERT_TRUE(strncmp(sealed, "-----BEGIN AGE ENCRYPTED FILE-----\n", 35) == 0);
        reader.pos = 0;
        ASSERT_ERROR(seal_read_armored(read_some, &reader, 10, r, &sealed, &len), EFBIG);

        ASSERT_OK(seal_identity_parse(identity, strlen(identity), &id));
        ASSERT_OK(seal_decrypt(&id, sealed, len, &plain, &n));
        ASSERT_EQ(n, reader.len);
        ASSERT_TRUE(memcmp(plain, reader.text, n) == 0);
        wipe_free(plain);

        /* Wiping leaves the objects valid, with nothing in their strings. */
        seal_json_wipe(inner);
        ASSERT_TRUE(json_object_object_get_ex(inner, "stdout", &v));
        ASSERT_EQ(json_object_get_string(v)[0], 0);
        json_object_put(inner);
        free(sealed);
        free(r);
        json_object_put(o);
}

int main(void) {
        test_json();
        test_string();
        test_fields();
        return 0;
}
