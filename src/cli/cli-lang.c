/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>
#include <strings.h>

#include "cli-lang.h"
#include "interpreters.h"
#include "macro.h"

/* Only the first line matters, and no sane interpreter line is longer than this. */
#define SHEBANG_MAX 256
#define INTERPRETER_NAME_MAX 32

const char *lang_from_extension(const char *filename) {
        if (!filename)
                return NULL;

        const char *base = strrchr(filename, '/');
        base = base ? base + 1 : filename;

        /* A leading dot names a hidden file, not an extension: ".py" alone is not Python. */
        const char *dot = strrchr(base, '.');
        if (!dot || dot == base)
                return NULL;

        /* What the file is written in: a .sh file is plain sh, though the server would run it with bash. */
        const Interpreter *i = interpreter_from_extension(dot, true);
        return i ? i->name : NULL;
}

const char *lang_from_interpreter(const char *name, size_t len) {
        if (!name || len == 0 || len > INTERPRETER_NAME_MAX)
                return NULL;

        /* "python3.11" and "perl5.36" are versioned names of the plain ones; retry without the suffix. */
        for (size_t n = len; n > 0; n--) {
                const Interpreter *i = interpreter_from_command(name, n);
                if (i)
                        return i->name;
                if (!strchr("0123456789.", name[n - 1]))
                        break;
        }
        return NULL;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

/* Finds the next blank-separated word in [*p, end), advancing *p past it. */
static bool next_word(const char **p, const char *end, const char **ret_word, size_t *ret_len) {
        const char *s = *p;
        while (s < end && is_blank(*s))
                s++;
        const char *w = s;
        while (s < end && !is_blank(*s))
                s++;
        *p = s;
        if (s == w)
                return false;
        *ret_word = w;
        *ret_len = s - w;
        return true;
}

static void basename_of(const char **word, size_t *len) {
        for (size_t i = *len; i > 0; i--)
                if ((*word)[i - 1] == '/') {
                        *word += i;
                        *len -= i;
                        return;
                }
}

const char *lang_from_shebang(const char *buf, size_t len) {
        if (!buf || len < 2 || buf[0] != '#' || buf[1] != '!')
                return NULL;

        const char *p = buf + 2;
        const char *end = buf + MIN(len, (size_t) SHEBANG_MAX);
        const char *nl = memchr(p, '\n', end - p);
        if (nl)
                end = nl;
        if (end > p && end[-1] == '\r')
                end--;

        const char *word;
        size_t word_len;
        if (!next_word(&p, end, &word, &word_len))
                return NULL;
        basename_of(&word, &word_len);

        if (word_len == 3 && strneq(word, "env", 3)) {
                /* Skip env's own options (-S, -i) and variable assignments to reach the command. */
                for (;;) {
                        if (!next_word(&p, end, &word, &word_len))
                                return NULL;
                        if (word[0] == '-' || memchr(word, '=', word_len))
                                continue;
                        break;
                }
                basename_of(&word, &word_len);
        }

        return lang_from_interpreter(word, word_len);
}

const char *lang_detect(const char *filename, const char *buf, size_t len) {
        return lang_from_shebang(buf, len) ?: lang_from_extension(filename);
}
