/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli-exit.h"
#include "cli-json.h"
#include "cli-read.h"
#include "cli-seal.h"
#include "seal-json.h"
#include "seal.h"
#include "wipe.h"

/* An identity file is a few lines; anything much bigger is not one. */
#define IDENTITY_FILE_MAX 4096

static int load_identity(const char *path, SealIdentity *ret) {
        char *text = NULL;
        size_t size;
        int r = read_full_file(path, IDENTITY_FILE_MAX, &text, &size);
        if (r < 0) {
                fprintf(stderr, "sandrun: cannot read the identity %s: %s\n", path,
                        r == -EFBIG ? "too large for an age identity file" : strerror(-r));
                return SANDRUN_EXIT_USAGE;
        }
        r = seal_identity_file_parse(text, size, ret);
        wipe_free(text);
        if (r < 0) {
                fprintf(stderr, "sandrun: %s holds no age X25519 identity (AGE-SECRET-KEY-1..., as age-keygen "
                        "writes)%s\n", path, r == -ENOTUNIQ ? ": it holds more than one" : "");
                return SANDRUN_EXIT_USAGE;
        }
        return 0;
}

static int add_recipient(CliSeal *s, const char *text) {
        struct json_object *v = json_object_new_string(text);
        if (!v || json_object_array_add(s->recipients, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

int cli_seal_setup(const CliArgs *a, CliSeal *ret) {
        CliSeal s = {};
        int r;

        *ret = (CliSeal) {};
        if (!a->seal && a->n_seal_to == 0)
                return 0;
        s.recipients = json_object_new_array();
        if (!s.recipients)
                return SANDRUN_EXIT_SERVER;
        for (size_t i = 0; i < a->n_seal_to; i++) {
                uint8_t key[SEAL_KEY_SIZE];
                if (seal_recipient_parse(a->seal_to[i], strlen(a->seal_to[i]), key) < 0) {
                        fprintf(stderr, "sandrun: --seal-to %s is not an age X25519 recipient (age1..., as "
                                "age-keygen -y prints)\n", a->seal_to[i]);
                        cli_seal_done(&s);
                        return SANDRUN_EXIT_USAGE;
                }
                if (add_recipient(&s, a->seal_to[i]) < 0) {
                        cli_seal_done(&s);
                        return SANDRUN_EXIT_SERVER;
                }
        }
        if (a->identity_file) {
                r = load_identity(a->identity_file, &s.identity);
                if (r != 0) {
                        cli_seal_done(&s);
                        return r;
                }
                s.can_open = true;
        }
        if (a->seal) {
                /* A key pair for this run: --identity, if given, opens the answer too, but this one is ours. */
                char recipient[SEAL_RECIPIENT_LEN + 1];
                SealIdentity made;
                if (seal_identity_generate(&made) < 0) {
                        fprintf(stderr, "sandrun: cannot make a key pair: no randomness\n");
                        cli_seal_done(&s);
                        return SANDRUN_EXIT_SERVER;
                }
                seal_recipient_format(made.public, recipient);
                if (!s.can_open)
                        s.identity = made;
                seal_identity_erase(&made);
                s.can_open = true;
                if (add_recipient(&s, recipient) < 0) {
                        cli_seal_done(&s);
                        return SANDRUN_EXIT_SERVER;
                }
        }
        s.enabled = true;
        *ret = s;
        return 0;
}

void cli_seal_done(CliSeal *s) {
        json_object_put(s->recipients);
        seal_identity_erase(&s->identity);
        *s = (CliSeal) {};
}

static struct json_object *parse_json(const char *text, size_t len) {
        json_tokener *tok = json_tokener_new_ex(16);
        struct json_object *o;

        if (!tok)
                return NULL;
        o = json_tokener_parse_ex(tok, text, (int) len);
        if (o && json_tokener_get_parse_end(tok) != len) {
                json_object_put(o);
                o = NULL;
        }
        json_tokener_free(tok);
        return o;
}

int cli_seal_open_answer(const CliSeal *s, const char *body, size_t len, char **ret, size_t *ret_len) {
        _cleanup_(json_putp) struct json_object *answer = parse_json(body, len), *inner = NULL;
        struct json_object *sealed;
        uint8_t *plain = NULL;
        size_t plain_len;
        int r;

        if (!answer || !json_object_is_type(answer, json_type_object))
                return -EBADMSG;
        if (json_object_object_get_ex(answer, "sealed", &sealed)) {
                if (!s->can_open)
                        return -ENOKEY;
                if (!json_object_is_type(sealed, json_type_string))
                        return -EBADMSG;
                r = seal_decrypt(&s->identity, json_object_get_string(sealed),
                                 (size_t) json_object_get_string_len(sealed), &plain, &plain_len);
                if (r < 0)
                        return r;
                inner = parse_json((const char *) plain, plain_len);
                wipe_free(plain);
                if (!inner || !json_object_is_type(inner, json_type_object)) {
                        seal_json_wipe(inner);
                        return -EBADMSG;
                }
                json_object_object_foreach(inner, key, value)
                        if (json_object_object_add(answer, key, json_object_get(value)) < 0) {
                                seal_json_wipe(inner);
                                return -ENOMEM;
                        }
                json_object_object_del(answer, "sealed");
        }
        size_t text_len;
        const char *text = json_object_to_json_string_length(answer, JSON_C_TO_STRING_PLAIN, &text_len);
        char *copy = text ? strndup(text, text_len) : NULL;
        /* The opened strings are shared by both objects, and the answer's text is kept in the answer
         * until it is freed: all wiped once the copy is made. */
        if (text)
                explicit_bzero((char *) text, text_len);
        seal_json_wipe(inner);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        *ret_len = text_len;
        return 0;
}

int cli_unseal(const CliArgs *a) {
        const char *path = a->program ?: "-";
        _cleanup_free_ char *data = NULL;
        SealIdentity id;
        uint8_t *plain;
        size_t size, plain_len;
        int r;

        r = load_identity(a->identity_file, &id);
        if (r != 0)
                return r;
        r = read_full_file(path, READ_FULL_MAX, &data, &size);
        if (r < 0) {
                seal_identity_erase(&id);
                fprintf(stderr, "sandrun: cannot read %s: %s\n", streq(path, "-") ? "stdin" : path,
                        r == -EFBIG ? "larger than 16 MiB" : strerror(-r));
                return SANDRUN_EXIT_USAGE;
        }
        r = seal_decrypt(&id, data, size, &plain, &plain_len);
        seal_identity_erase(&id);
        if (r < 0) {
                fprintf(stderr, "sandrun: cannot open %s: %s\n", streq(path, "-") ? "stdin" : path,
                        r == -ENOKEY ? "it is not sealed to this identity" :
                        r == -EPROTONOSUPPORT ? "another age version" :
                        r == -ENOMEM ? "out of memory" : "not a valid age message, or it was altered");
                return SANDRUN_EXIT_USAGE;
        }
        size_t written = fwrite(plain, 1, plain_len, stdout);
        wipe_free(plain);
        if (written != plain_len || fflush(stdout) != 0) {
                fprintf(stderr, "sandrun: cannot write the opened message: %s\n", strerror(errno));
                return SANDRUN_EXIT_USAGE;
        }
        return 0;
}
