/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "glob-match.h"
#include "macro.h"
#include "utf8.h"

typedef enum TokenType {
        TOKEN_LITERAL,
        TOKEN_ANY,              /* ? */
        TOKEN_CLASS,            /* [...] */
        TOKEN_STAR,             /* * */
        TOKEN_GLOBSTAR_DIRS,    /* a whole "**" component followed by '/': zero or more "name/" */
        TOKEN_GLOBSTAR_ALL,     /* a whole final "**": anything */
} TokenType;

typedef struct Token {
        TokenType type;
        uint32_t literal;
        /* For classes: the set's text in the pattern, between "[" (or "[!") and "]". */
        uint16_t set_start, set_end;
        bool negated;
} Token;

/* One pattern state per token plus the accepting state after the last one. A state is active at the
 * start of its token; a "**" directory token also has an inside-a-component state. */
#define STATE_AT 1U
#define STATE_INSIDE 2U

typedef struct Pattern {
        const char *text;
        Token tokens[GLOB_PATTERN_MAX];
        size_t n_tokens;
        uint8_t states[2][GLOB_PATTERN_MAX + 1];
} Pattern;

static int fail(const char *why, int r, const char **ret_error) {
        if (ret_error)
                *ret_error = why;
        return r;
}

/* Reads one (possibly escaped) character of a class's set at *i. */
static size_t set_char(const char *s, size_t len, size_t i, uint32_t *ret_cp) {
        size_t n;

        if (s[i] == '\\') {
                if (i + 1 >= len)
                        return 0;
                n = utf8_decode(s + i + 1, len - i - 1, ret_cp);
                return n == 0 ? 0 : n + 1;
        }
        return utf8_decode(s + i, len - i, ret_cp);
}

/* Parses the class starting at pattern[i] == '['. Stores the set's bounds and returns the index after
 * the closing ']', or 0 if the class is malformed. */
static size_t parse_class(const char *s, size_t len, size_t i, Token *t, const char **ret_error) {
        size_t start;

        i++;
        t->negated = i < len && (s[i] == '!' || s[i] == '^');
        if (t->negated)
                i++;
        start = i;

        for (bool first = true; ; first = false) {
                uint32_t lo, hi;
                size_t n;

                if (i >= len) {
                        *ret_error = "unterminated [ in pattern";
                        return 0;
                }
                if (s[i] == ']' && !first)
                        break;
                n = set_char(s, len, i, &lo);
                if (n == 0) {
                        *ret_error = "invalid character in pattern";
                        return 0;
                }
                if (lo == '/') {
                        *ret_error = "'/' inside [] in pattern";
                        return 0;
                }
                i += n;
                if (i + 1 < len && s[i] == '-' && s[i + 1] != ']') {
                        n = set_char(s, len, i + 1, &hi);
                        if (n == 0) {
                                *ret_error = "invalid character in pattern";
                                return 0;
                        }
                        if (hi < lo) {
                                *ret_error = "invalid range in pattern";
                                return 0;
                        }
                        i += 1 + n;
                }
        }

        t->set_start = start;
        t->set_end = i;
        return i + 1;
}

static bool class_matches(const Pattern *p, const Token *t, uint32_t c) {
        const char *s = p->text;
        size_t i = t->set_start, end = t->set_end;
        bool found = false;

        while (i < end && !found) {
                uint32_t lo, hi;

                i += set_char(s, end, i, &lo);
                hi = lo;
                if (i + 1 < end && s[i] == '-')
                        i += 1 + set_char(s, end, i + 1, &hi);
                found = c >= lo && c <= hi;
        }
        return found != t->negated;
}

static bool is_component_start(const char *s, size_t i) {
        return i == 0 || s[i - 1] == '/';
}

static int compile(Pattern *p, const char *pattern, const char **ret_error) {
        size_t len = strnlen(pattern, GLOB_PATTERN_MAX + 1);

        if (len == 0)
                return fail("empty pattern", -EINVAL, ret_error);
        if (len > GLOB_PATTERN_MAX)
                return fail("pattern too long", -ENAMETOOLONG, ret_error);
        if (pattern[0] == '/')
                return fail("absolute pattern", -EINVAL, ret_error);
        if (pattern[len - 1] == '/')
                return fail("pattern ends with '/'", -EINVAL, ret_error);

        /* Components: none empty, none "." or "..". */
        for (size_t i = 0; i < len;) {
                size_t n = strcspn(pattern + i, "/");

                if (n == 0)
                        return fail("empty component in pattern", -EINVAL, ret_error);
                if ((n == 1 && pattern[i] == '.') || (n == 2 && pattern[i] == '.' && pattern[i + 1] == '.'))
                        return fail("\".\" or \"..\" in pattern", -EINVAL, ret_error);
                i += n + 1;
        }

        p->text = pattern;
        p->n_tokens = 0;
        for (size_t i = 0; i < len;) {
                Token *t = &p->tokens[p->n_tokens++];
                size_t n;

                *t = (Token) {};
                switch (pattern[i]) {

                case '*':
                        n = strspn(pattern + i, "*");
                        t->type = TOKEN_STAR;
                        if (n == 2 && is_component_start(pattern, i)) {
                                if (i + n == len)
                                        t->type = TOKEN_GLOBSTAR_ALL;
                                else if (pattern[i + n] == '/') {
                                        t->type = TOKEN_GLOBSTAR_DIRS;
                                        n++;
                                }
                        }
                        i += n;
                        break;

                case '?':
                        t->type = TOKEN_ANY;
                        i++;
                        break;

                case '[': {
                        const char *why = NULL;

                        t->type = TOKEN_CLASS;
                        n = parse_class(pattern, len, i, t, &why);
                        if (n == 0)
                                return fail(why, -EINVAL, ret_error);
                        i = n;
                        break;
                }

                default:
                        if (pattern[i] == '\\' && ++i >= len)
                                return fail("pattern ends with a backslash", -EINVAL, ret_error);
                        if ((unsigned char) pattern[i] < 0x20 || pattern[i] == 0x7f)
                                return fail("control character in pattern", -EINVAL, ret_error);
                        n = utf8_decode(pattern + i, len - i, &t->literal);
                        if (n == 0)
                                return fail("pattern is not valid UTF-8", -EINVAL, ret_error);
                        t->type = TOKEN_LITERAL;
                        i += n;
                }
        }

        return 0;
}

/* Follows the transitions that consume nothing: a star, or a "**" at a component boundary, may match
 * the empty string. They only lead forward, so one pass in order suffices. */
static void close_states(const Pattern *p, uint8_t *s) {
        for (size_t i = 0; i < p->n_tokens; i++)
                if ((s[i] & STATE_AT) && p->tokens[i].type >= TOKEN_STAR)
                        s[i + 1] |= STATE_AT;
}

/* Moves the states in cur over the character c into next. Returns whether any state is left. */
static bool step(const Pattern *p, const uint8_t *cur, uint8_t *next, uint32_t c) {
        bool alive = false;

        memset(next, 0, p->n_tokens + 1);
        for (size_t i = 0; i < p->n_tokens; i++) {
                const Token *t = &p->tokens[i];
                bool advance = false;

                if (!cur[i])
                        continue;

                switch (t->type) {
                case TOKEN_LITERAL:
                        advance = c == t->literal;
                        break;
                case TOKEN_ANY:
                        advance = c != '/';
                        break;
                case TOKEN_CLASS:
                        advance = c != '/' && class_matches(p, t, c);
                        break;
                case TOKEN_STAR:
                        if (c != '/')
                                next[i] |= STATE_AT;
                        break;
                case TOKEN_GLOBSTAR_DIRS:
                        /* Inside a component anything but '/' continues it; '/' ends it, at the start of
                         * the token again. A component is never empty. */
                        if (c != '/')
                                next[i] |= STATE_INSIDE;
                        else if (cur[i] & STATE_INSIDE)
                                next[i] |= STATE_AT;
                        break;
                case TOKEN_GLOBSTAR_ALL:
                        next[i] |= STATE_AT;
                        break;
                }
                if (advance)
                        next[i + 1] |= STATE_AT;
        }
        close_states(p, next);

        for (size_t i = 0; i <= p->n_tokens; i++)
                alive = alive || next[i];
        return alive;
}

/* Runs the pattern's states over path and returns the final set, or NULL once none is left. */
static const uint8_t *run(Pattern *p, const char *path, size_t len) {
        uint8_t *cur = p->states[0], *next = p->states[1];

        memset(cur, 0, p->n_tokens + 1);
        cur[0] = STATE_AT;
        close_states(p, cur);

        for (size_t pos = 0; pos < len;) {
                uint8_t *t;
                uint32_t c;
                size_t n = utf8_decode(path + pos, len - pos, &c);

                /* Paths are checked UTF-8 already; a stray byte still counts as one character. */
                if (n == 0) {
                        c = 0xdc00 + (unsigned char) path[pos];
                        n = 1;
                }
                pos += n;

                if (!step(p, cur, next, c))
                        return NULL;
                t = cur;
                cur = next;
                next = t;
        }

        return cur;
}

int glob_pattern_check(const char *pattern, const char **ret_error) {
        Pattern p;

        return compile(&p, pattern, ret_error);
}

int glob_match(const char *pattern, const char *path) {
        const uint8_t *states;
        Pattern p;
        int r;

        r = compile(&p, pattern, NULL);
        if (r < 0)
                return r;

        states = run(&p, path, strlen(path));
        return states && (states[p.n_tokens] & STATE_AT);
}

int glob_match_below(const char *pattern, const char *dir) {
        const uint8_t *states;
        uint8_t after[GLOB_PATTERN_MAX + 1];
        Pattern p;
        int r;

        r = compile(&p, pattern, NULL);
        if (r < 0)
                return r;

        states = run(&p, dir, strlen(dir));
        if (!states || !step(&p, states, after, '/'))
                return 0;

        /* Any state before the end can still be led there by some name; the end state alone would
         * need the path to stop at the '/', which paths never do. */
        for (size_t i = 0; i < p.n_tokens; i++)
                if (after[i])
                        return 1;
        return 0;
}
