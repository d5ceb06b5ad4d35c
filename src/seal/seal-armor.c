/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "seal-armor.h"
#include "seal-base64.h"

#define COLUMNS 64u
#define LINE_BYTES (COLUMNS / 4 * 3)

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t seal_armor_encoded_len(size_t len) {
        size_t b64 = seal_base64_encoded_len(len, true);
        return strlen(SEAL_ARMOR_BEGIN) + 1 + b64 + (b64 + COLUMNS - 1) / COLUMNS + strlen(SEAL_ARMOR_END) + 1;
}

void seal_armor_encode(const uint8_t *src, size_t len, char *dst) {
        char *start = dst;

        memcpy(dst, SEAL_ARMOR_BEGIN "\n", strlen(SEAL_ARMOR_BEGIN) + 1);
        dst += strlen(SEAL_ARMOR_BEGIN) + 1;
        for (size_t done = 0; done < len; done += LINE_BYTES) {
                size_t n = MIN(len - done, (size_t) LINE_BYTES);
                seal_base64_encode(src + done, n, true, dst);
                dst += seal_base64_encoded_len(n, true);
                *dst++ = '\n';
        }
        memcpy(dst, SEAL_ARMOR_END "\n", strlen(SEAL_ARMOR_END) + 1);
        dst += strlen(SEAL_ARMOR_END) + 1;
        assert((size_t) (dst - start) == seal_armor_encoded_len(len));
        (void) start;
}

bool seal_armor_detect(const char *s, size_t len) {
        size_t i = 0;

        while (i < len && is_space(s[i]))
                i++;
        return len - i >= strlen(SEAL_ARMOR_BEGIN) && memcmp(s + i, SEAL_ARMOR_BEGIN, strlen(SEAL_ARMOR_BEGIN)) == 0;
}

/* The next line from *pos: its start and length without the LF or CRLF. -EBADMSG without a line end. */
static int next_line(const char *s, size_t len, size_t *pos, const char **ret, size_t *ret_n) {
        const char *nl = memchr(s + *pos, '\n', len - *pos);
        size_t n;

        if (!nl)
                return -EBADMSG;
        n = (size_t) (nl - (s + *pos));
        *ret = s + *pos;
        *pos += n + 1;
        if (n > 0 && (*ret)[n - 1] == '\r')
                n--;
        *ret_n = n;
        return 0;
}

int seal_armor_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len) {
        size_t pos = 0, out_len = 0, n;
        _cleanup_free_ uint8_t *out = NULL;
        bool short_line = false;
        const char *line;
        int r;

        assert(s || len == 0);

        if (len > SEAL_ARMOR_MAX)
                return -EFBIG;
        while (pos < len && is_space(s[pos]))
                pos++;
        /* Trailing whitespace, but the END line keeps its line end, or is the very end. */
        while (len > pos && is_space(s[len - 1]))
                len--;
        if (len - pos < strlen(SEAL_ARMOR_END) ||
            memcmp(s + len - strlen(SEAL_ARMOR_END), SEAL_ARMOR_END, strlen(SEAL_ARMOR_END)) != 0)
                return -EBADMSG;

        r = next_line(s, len, &pos, &line, &n);
        if (r < 0 || n != strlen(SEAL_ARMOR_BEGIN) || memcmp(line, SEAL_ARMOR_BEGIN, n) != 0)
                return -EBADMSG;

        out = malloc(len / 4 * 3 + 1);
        if (!out)
                return -ENOMEM;
        while (len - pos != strlen(SEAL_ARMOR_END)) {
                size_t got;

                r = next_line(s, len, &pos, &line, &n);
                if (r < 0 || short_line || n == 0 || n > COLUMNS) {
                        r = -EBADMSG;
                        break;
                }
                /* Only the last line may be short, and only it may carry padding. */
                short_line = n < COLUMNS;
                r = seal_base64_decode(line, n, true, out + out_len, len / 4 * 3 + 1 - out_len, &got);
                if (r < 0) {
                        r = -EBADMSG;
                        break;
                }
                if (line[n - 1] == '=')
                        short_line = true;
                out_len += got;
        }
        if (r >= 0 && out_len == 0)
                r = -EBADMSG;
        if (r < 0) {
                explicit_bzero(out, out_len);
                return r;
        }
        *ret = TAKE_PTR(out);
        *ret_len = out_len;
        return 0;
}
