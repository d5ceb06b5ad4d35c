/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "seal-base64.h"
#include "seal-header.h"

#define LINE_COLUMNS 64u
#define MAC_BASE64_LEN 43u

/* Returns the length of the line at pos (without its '\n'), or -EBADMSG when there is no '\n'. */
static int line_at(const uint8_t *buf, size_t len, size_t pos, size_t *ret_n) {
        const uint8_t *nl = memchr(buf + pos, '\n', len - pos);
        if (!nl)
                return -EBADMSG;
        *ret_n = (size_t) (nl - (buf + pos));
        return 0;
}

static int parse_stanza(const uint8_t *buf, size_t len, size_t *pos, SealStanza *s) {
        size_t n, i, body_bytes = 0;
        const char *line;
        int r;

        r = line_at(buf, len, *pos, &n);
        if (r < 0)
                return r;
        line = (const char *) buf + *pos;
        /* "-> " then space-separated arguments of VCHARs, at least one, none empty. */
        if (n < 4 || memcmp(line, "-> ", 3) != 0)
                return -EBADMSG;
        s->n_args = 0;
        i = 3;
        for (;;) {
                size_t start = i;
                while (i < n && line[i] != ' ') {
                        if (line[i] < 0x21 || line[i] > 0x7e)
                                return -EBADMSG;
                        i++;
                }
                if (i == start || s->n_args == SEAL_STANZA_ARGS_MAX)
                        return -EBADMSG;
                s->args[s->n_args] = line + start;
                s->arg_len[s->n_args] = i - start;
                s->n_args++;
                if (i == n)
                        break;
                i++;    /* the single space; a trailing one leaves an empty argument, rejected above */
        }
        *pos += n + 1;

        s->body = (const char *) buf + *pos;
        for (;;) {
                r = line_at(buf, len, *pos, &n);
                if (r < 0)
                        return r;
                if (n > LINE_COLUMNS)
                        return -EBADMSG;
                for (i = 0; i < n; i++) {
                        char c = (char) buf[*pos + i];
                        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                              c == '+' || c == '/'))
                                return -EBADMSG;
                }
                *pos += n + 1;
                body_bytes += n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
                if (body_bytes > SEAL_STANZA_BODY_MAX)
                        return -EBADMSG;
                if (n < LINE_COLUMNS)
                        break;
        }
        s->body_text_len = (size_t) ((const char *) buf + *pos - s->body);
        return 0;
}

int seal_header_parse(const uint8_t *buf, size_t len, SealHeader *ret) {
        static const char prefix[] = "age-encryption.org/";
        size_t pos, n, mac_len;
        int r;

        assert(buf || len == 0);
        assert(ret);

        if (len > SEAL_HEADER_MAX)
                len = SEAL_HEADER_MAX;  /* the header must end within the limit; the payload may not */

        if (len < strlen(prefix) || memcmp(buf, prefix, strlen(prefix)) != 0)
                return -EBADMSG;
        if (len < strlen(SEAL_VERSION_LINE) || memcmp(buf, SEAL_VERSION_LINE, strlen(SEAL_VERSION_LINE)) != 0)
                return -EPROTONOSUPPORT;
        pos = strlen(SEAL_VERSION_LINE);

        ret->n_stanzas = 0;
        for (;;) {
                if (len - pos >= 3 && memcmp(buf + pos, "---", 3) == 0)
                        break;
                if (ret->n_stanzas == SEAL_STANZAS_MAX)
                        return -EBADMSG;
                r = parse_stanza(buf, len, &pos, &ret->stanzas[ret->n_stanzas]);
                if (r < 0)
                        return r;
                ret->n_stanzas++;
        }
        if (ret->n_stanzas == 0)
                return -EBADMSG;

        ret->mac_input_len = pos + 3;
        r = line_at(buf, len, pos, &n);
        if (r < 0)
                return r;
        if (n != 4 + MAC_BASE64_LEN || buf[pos + 3] != ' ')
                return -EBADMSG;
        r = seal_base64_decode((const char *) buf + pos + 4, MAC_BASE64_LEN, false, ret->mac, sizeof(ret->mac),
                               &mac_len);
        if (r < 0 || mac_len != SEAL_MAC_SIZE)
                return -EBADMSG;
        ret->len = pos + n + 1;
        return 0;
}

int seal_stanza_body(const SealStanza *s, uint8_t *dst, size_t dst_max, size_t *ret_len) {
        size_t pos = 0, out = 0;

        while (pos < s->body_text_len) {
                const char *nl = memchr(s->body + pos, '\n', s->body_text_len - pos);
                size_t n, got;
                int r;

                assert(nl);
                n = (size_t) (nl - (s->body + pos));
                /* A full line is 48 bytes exactly, so lines decode one by one. */
                r = seal_base64_decode(s->body + pos, n, false, dst + out, dst_max - out, &got);
                if (r < 0)
                        return r == -ENOBUFS ? -EBADMSG : r;
                out += got;
                pos += n + 1;
        }
        *ret_len = out;
        return 0;
}

int seal_stanza_arg_is(const SealStanza *s, size_t i, const char *str) {
        return i < s->n_args && s->arg_len[i] == strlen(str) && memcmp(s->args[i], str, s->arg_len[i]) == 0;
}

int seal_stanza_format(char *dst, size_t dst_max, const char *const *args, size_t n_args, const uint8_t *body,
                       size_t body_len) {
        size_t pos = 0, b64 = seal_base64_encoded_len(body_len, false), need = 2;

        assert(n_args > 0);
        for (size_t i = 0; i < n_args; i++)
                need += 1 + strlen(args[i]);
        need += 1 + b64 + b64 / LINE_COLUMNS + 1;
        if (need > dst_max)
                return -ENOBUFS;

        memcpy(dst, "->", 2);
        pos = 2;
        for (size_t i = 0; i < n_args; i++) {
                dst[pos++] = ' ';
                memcpy(dst + pos, args[i], strlen(args[i]));
                pos += strlen(args[i]);
        }
        dst[pos++] = '\n';
        /* Whole lines of 48 bytes, then the (possibly empty) short last line. */
        for (size_t done = 0;; done += LINE_COLUMNS / 4 * 3) {
                size_t chunk = MIN(body_len - done, LINE_COLUMNS / 4 * 3);
                seal_base64_encode(body + done, chunk, false, dst + pos);
                pos += seal_base64_encoded_len(chunk, false);
                dst[pos++] = '\n';
                if (chunk < LINE_COLUMNS / 4 * 3)
                        break;
        }
        assert(pos <= need);
        return (int) pos;
}

void seal_header_mac(uint8_t ret_mac[SEAL_MAC_SIZE], const uint8_t file_key[SEAL_FILE_KEY_SIZE],
                     const void *mac_input, size_t len) {
        uint8_t key[SEAL_KEY_SIZE];

        seal_hkdf_sha256(key, file_key, SEAL_FILE_KEY_SIZE, NULL, 0, "header");
        seal_hmac_sha256(ret_mac, key, mac_input, len);
        explicit_bzero(key, sizeof(key));
}
