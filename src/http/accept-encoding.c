/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>
#include <strings.h>

#include "accept-encoding.h"

static bool is_tchar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void skip_blanks(const char *s, size_t len, size_t *i) {
        while (*i < len && (s[*i] == ' ' || s[*i] == '\t'))
                (*i)++;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ); returns -1 if malformed, else 0..1000. */
static int parse_qvalue(const char *s, size_t len, size_t *i) {
        int value, scale = 100;

        if (*i >= len || (s[*i] != '0' && s[*i] != '1'))
                return -1;
        value = (s[(*i)++] - '0') * 1000;
        if (*i < len && s[*i] == '.') {
                (*i)++;
                for (int n = 0; n < 3 && *i < len && s[*i] >= '0' && s[*i] <= '9'; n++, scale /= 10)
                        value += (s[(*i)++] - '0') * scale;
        }
        return value > 1000 ? -1 : value;
}

/* One element: coding *( OWS ";" OWS name "=" value ); the q parameter's value goes to *ret_q (default 1000). */
static bool parse_element(const char *s, size_t len, size_t *i, size_t *ret_start, size_t *ret_end, int *ret_q) {
        size_t start = *i;
        int q = 1000;

        while (*i < len && is_tchar(s[*i]))
                (*i)++;
        if (*i == start)
                return false;
        *ret_start = start;
        *ret_end = *i;
        for (;;) {
                skip_blanks(s, len, i);
                if (*i >= len || s[*i] != ';')
                        break;
                (*i)++;
                skip_blanks(s, len, i);
                size_t name = *i;
                while (*i < len && is_tchar(s[*i]))
                        (*i)++;
                if (*i == name || *i >= len || s[*i] != '=')
                        return false;
                bool is_q = *i - name == 1 && (s[name] == 'q' || s[name] == 'Q');
                (*i)++;
                if (is_q) {
                        q = parse_qvalue(s, len, i);
                        if (q < 0)
                                return false;
                } else {
                        size_t value = *i;
                        while (*i < len && is_tchar(s[*i]))
                                (*i)++;
                        if (*i == value)
                                return false;
                }
        }
        *ret_q = q;
        return true;
}

bool accept_encoding_allows(const char *value, size_t len, const char *coding) {
        int named = -1, star = -1;
        size_t i = 0, coding_len;

        if (!value || !coding || len > ACCEPT_ENCODING_MAX)
                return false;
        coding_len = strlen(coding);
        for (;;) {
                skip_blanks(value, len, &i);
                if (i >= len)
                        break;
                if (value[i] == ',') {          /* empty list elements are allowed */
                        i++;
                        continue;
                }
                size_t start, end;
                int q;
                if (!parse_element(value, len, &i, &start, &end, &q))
                        return false;
                if (end - start == coding_len && strncasecmp(value + start, coding, coding_len) == 0)
                        named = q > named ? q : named;
                else if (end - start == 1 && value[start] == '*')
                        star = q > star ? q : star;
                skip_blanks(value, len, &i);
                if (i < len && value[i] != ',')
                        return false;
        }
        return named >= 0 ? named > 0 : star > 0;
}
