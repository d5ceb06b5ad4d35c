/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>
#include <string.h>

#include "language-command.h"
#include "macro.h"
#include "strv.h"

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool is_ident(char c, bool first) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
               (!first && c >= '0' && c <= '9');
}

/* Skips whitespace, then matches `word` as a whole token; returns the position after it, or 0. */
static size_t token(const char *s, size_t len, size_t i, const char *word) {
        size_t n = strlen(word);

        while (i < len && is_space(s[i]))
                i++;
        if (i + n > len || memcmp(s + i, word, n) != 0 || (i + n < len && is_ident(s[i + n], false)))
                return 0;
        return i + n;
}

/* "public [final|abstract|strictfp]* class NAME": NAME, or false. A plain scan: comments can fool it. */
static bool java_public_class(const char *s, size_t len, char *ret, size_t size) {
        for (size_t i = 0; i + 6 < len; i++) {
                if ((i > 0 && is_ident(s[i - 1], false)) || memcmp(s + i, "public", 6) != 0)
                        continue;
                size_t k = token(s, len, i, "public"), m;
                if (k == 0)
                        continue;
                while ((m = token(s, len, k, "final")) || (m = token(s, len, k, "abstract")) ||
                       (m = token(s, len, k, "strictfp")))
                        k = m;
                k = token(s, len, k, "class");
                if (k == 0)
                        continue;
                while (k < len && is_space(s[k]))
                        k++;
                size_t start = k;
                while (k < len && is_ident(s[k], k == start))
                        k++;
                if (k == start || k - start >= size)
                        continue;
                memcpy(ret, s + start, k - start);
                ret[k - start] = 0;
                return true;
        }
        return false;
}

void language_source_name(const Interpreter *in, const char *code, size_t len, char ret[static SOURCE_NAME_MAX]) {
        char class[SOURCE_NAME_MAX - 8];

        if (streq(in->extension, ".java") && java_public_class(code, len, class, sizeof(class)))
                snprintf(ret, SOURCE_NAME_MAX, "%s.java", class);
        else if (in->source_name)
                snprintf(ret, SOURCE_NAME_MAX, "%s", in->source_name);
        else
                snprintf(ret, SOURCE_NAME_MAX, "main%s", in->extension);
}

/* One argument with its placeholders filled in. */
static char *expand(const Interpreter *in, const char *arg, const char *source, unsigned cpus) {
        char buf[256];

        if (streq(arg, "{src}"))
                return strdup(source);
        if (streq(arg, "{class}")) {
                const char *base = strrchr(source, '/') ? strrchr(source, '/') + 1 : source;
                const char *dot = strrchr(base, '.');
                return strndup(base, dot ? (size_t) (dot - base) : strlen(base));
        }
        if (streq(arg, "{run}"))
                return in->run_path ? strdup(in->run_path) : NULL;
        const char *p = strstr(arg, "{cpus}");
        if (!p)
                return strdup(arg);
        snprintf(buf, sizeof(buf), "%.*s%u%s", (int) (p - arg), arg, MAX(cpus, 1u), p + strlen("{cpus}"));
        return strdup(buf);
}

static int expand_all(const Interpreter *in, const char *first, const char *const *args, const char *source,
                      unsigned cpus, char ***ret) {
        _cleanup_strv_free_ char **v = NULL;

        if (first && strv_extend(&v, first) < 0)
                return -ENOMEM;
        for (const char *const *a = args; *a; a++) {
                char *e = expand(in, *a, source, cpus);
                if (!e)
                        return -ENOMEM;
                if (strv_consume(&v, e) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(v);
        return 0;
}

int language_env(const Interpreter *in, unsigned cpus, char ***ret) {
        if (!in->env) {
                *ret = NULL;
                return 0;
        }
        return expand_all(in, NULL, in->env, "", cpus, ret);
}

int language_commands(const Interpreter *in, const char *source_name, unsigned cpus, char *const *args,
                      char ***ret_compile, char ***ret_run) {
        _cleanup_strv_free_ char **compile = NULL, **run = NULL;
        int r;

        /* A path in the work dir: a batch job's entrypoint may sit in a subdirectory. */
        if (!in->path || !source_name || !*source_name || source_name[0] == '/')
                return -EINVAL;
        if (in->compile_args) {
                r = expand_all(in, in->path, in->compile_args, source_name, cpus, &compile);
                if (r >= 0)
                        r = expand_all(in, NULL, in->run_args, source_name, cpus, &run);
        } else
                r = expand_all(in, in->path, (const char *const[]) { "{src}", NULL }, source_name, cpus, &run);
        if (r < 0)
                return r;
        for (char *const *a = args; a && *a; a++)
                if (strv_extend(&run, *a) < 0)
                        return -ENOMEM;
        *ret_compile = TAKE_PTR(compile);
        *ret_run = TAKE_PTR(run);
        return 0;
}
