/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "interpreters.h"
#include "macro.h"

/* Candidates are under /usr first: the sandbox shows the host's /usr, and /bin only as its symlink or bind. */
static Interpreter table[] = {
        {
                .name = "python",
                .aliases = (const char *const[]) { "python3", "py", NULL },
                .extension = ".py",
                .extensions = (const char *const[]) { ".py", ".pyw", NULL },
                .commands = (const char *const[]) { "python", "python3", "pypy3", NULL },
                .candidates = (const char *const[]) { "/usr/bin/python3", NULL },
                .version_args = (const char *const[]) { "--version", NULL },
        },
        {
                .name = "bash",
                .aliases = (const char *const[]) { NULL },
                .extension = ".sh",
                .extensions = (const char *const[]) { ".sh", ".bash", NULL },
                .commands = (const char *const[]) { "bash", NULL },
                .candidates = (const char *const[]) { "/usr/bin/bash", "/bin/bash", NULL },
                .version_args = (const char *const[]) { "--version", NULL },
        },
        {
                .name = "sh",
                .aliases = (const char *const[]) { "shell", NULL },
                .extension = ".sh",
                .extensions = (const char *const[]) { ".sh", NULL },
                .commands = (const char *const[]) { "sh", "dash", "ash", NULL },
                .candidates = (const char *const[]) { "/usr/bin/sh", "/bin/sh", NULL },
        },
        {
                .name = "node",
                .aliases = (const char *const[]) { "javascript", "js", "nodejs", NULL },
                .extension = ".js",
                .extensions = (const char *const[]) { ".js", ".mjs", ".cjs", NULL },
                .commands = (const char *const[]) { "node", "nodejs", NULL },
                .candidates = (const char *const[]) { "/usr/bin/node", "/usr/bin/nodejs", NULL },
                .version_args = (const char *const[]) { "--version", NULL },
        },
        {
                .name = "perl",
                .aliases = (const char *const[]) { "pl", NULL },
                .extension = ".pl",
                .extensions = (const char *const[]) { ".pl", ".pm", NULL },
                .commands = (const char *const[]) { "perl", NULL },
                .candidates = (const char *const[]) { "/usr/bin/perl", NULL },
                .version_args = (const char *const[]) { "--version", NULL },
        },
        {
                .name = "c",
                .aliases = (const char *const[]) { "gcc", NULL },
                .extension = ".c",
                .extensions = (const char *const[]) { ".c", NULL },
                .commands = (const char *const[]) { NULL },
                .candidates = (const char *const[]) { "/usr/bin/gcc", NULL },
                .compile_args = (const char *const[]) { "-std=gnu11", "-O2", "-pipe", "-o", "main", "{src}", "-lm", NULL },
                .run_args = (const char *const[]) { "/work/main", NULL },
                .version_args = (const char *const[]) { "-dumpfullversion", NULL },
        },
        {
                .name = "c++",
                .aliases = (const char *const[]) { "cpp", "g++", "cxx", NULL },
                .extension = ".cpp",
                .extensions = (const char *const[]) { ".cpp", ".cc", ".cxx", ".c++", NULL },
                .commands = (const char *const[]) { NULL },
                .candidates = (const char *const[]) { "/usr/bin/g++", NULL },
                .compile_args = (const char *const[]) { "-std=gnu++17", "-O2", "-pipe", "-o", "main", "{src}", NULL },
                .run_args = (const char *const[]) { "/work/main", NULL },
                .version_args = (const char *const[]) { "-dumpfullversion", NULL },
        },
        {
                /* The JVM sizes its heap, GC threads and JIT threads from the host; these flags size them
                 * to the job (512 MB, a CPU quota of {cpus} cores, 64 tasks). javac is a JVM too. */
                .name = "java",
                .aliases = (const char *const[]) { NULL },
                .extension = ".java",
                .extensions = (const char *const[]) { ".java", NULL },
                .commands = (const char *const[]) { NULL },
                .candidates = (const char *const[]) { "/usr/bin/javac", NULL },
                .compile_args = (const char *const[]) {
                        "-J-Xmx256m", "-J-Xss1m", "-J-XX:+UseSerialGC", "-J-XX:ActiveProcessorCount={cpus}",
                        "-J-XX:TieredStopAtLevel=1", "-J-XX:CICompilerCount=1", "-J-Xshare:auto",
                        "-encoding", "UTF-8", "-d", ".", "{src}", NULL },
                .run_candidates = (const char *const[]) { "/usr/bin/java", NULL },
                .run_args = (const char *const[]) {
                        "{run}", "-Xmx256m", "-Xss8m", "-XX:MaxMetaspaceSize=128m", "-XX:ReservedCodeCacheSize=64m",
                        "-XX:+UseSerialGC", "-XX:ActiveProcessorCount={cpus}", "-XX:TieredStopAtLevel=1",
                        "-XX:CICompilerCount=1", "-Xshare:auto", "-cp", "/work", "{class}", NULL },
                .source_name = "Main.java",
                .version_args = (const char *const[]) { "-version", NULL },
        },
        {
                /* go build wants a writable cache and module path, and sizes itself by the CPU count. */
                .name = "go",
                .aliases = (const char *const[]) { "golang", NULL },
                .extension = ".go",
                .extensions = (const char *const[]) { ".go", NULL },
                .commands = (const char *const[]) { NULL },
                .candidates = (const char *const[]) { "/usr/bin/go", NULL },
                .compile_args = (const char *const[]) { "build", "-p", "{cpus}", "-o", "main", "{src}", NULL },
                .run_args = (const char *const[]) { "/work/main", NULL },
                .env = (const char *const[]) { "GOCACHE=/tmp/go-cache", "GOPATH=/tmp/go", "GO111MODULE=auto",
                                               "CGO_ENABLED=0", "GOMAXPROCS={cpus}", NULL },
                .version_args = (const char *const[]) { "version", NULL },
        },
        {
                .name = "rust",
                .aliases = (const char *const[]) { "rs", "rustc", NULL },
                .extension = ".rs",
                .extensions = (const char *const[]) { ".rs", NULL },
                .commands = (const char *const[]) { NULL },
                .candidates = (const char *const[]) { "/usr/bin/rustc", NULL },
                .compile_args = (const char *const[]) { "-O", "-C", "codegen-units=1", "-o", "main", "{src}", NULL },
                .run_args = (const char *const[]) { "/work/main", NULL },
                .version_args = (const char *const[]) { "--version", NULL },
        },
};

static const char *first_executable(const char *root, const char *const *candidates) {
        char p[PATH_MAX];

        for (const char *const *c = candidates; c && *c; c++) {
                snprintf(p, sizeof(p), "%s%s", root ?: "", *c);
                if (access(p, X_OK) == 0)
                        return *c;
        }
        return NULL;
}

void interpreters_detect(const char *root) {
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                Interpreter *t = &table[i];
                t->path = first_executable(root, t->candidates);
                t->run_path = first_executable(root, t->run_candidates);
                /* A compiler whose result has nothing to run it is no use. */
                if (t->run_candidates && !t->run_path)
                        t->path = NULL;
        }
}

void interpreters_detect_versions(void) {
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                Interpreter *t = &table[i];
                t->version[0] = 0;
                if (t->path && t->version_args &&
                    language_version_detect(t->path, t->version_args, t->version) < 0)
                        t->version[0] = 0;
        }
}

const Interpreter *interpreter_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                const Interpreter *t = &table[i];
                bool match = strcasecmp(t->name, name) == 0;
                for (const char *const *a = t->aliases; !match && *a; a++)
                        match = strcasecmp(*a, name) == 0;
                if (match)
                        return t->path ? t : NULL;
        }
        return NULL;
}

const Interpreter *interpreters_all(size_t *ret_n) {
        *ret_n = ELEMENTSOF(table);
        return table;
}

static bool listed(const char *const *l, const char *s) {
        for (; *l; l++)
                if (strcasecmp(*l, s) == 0)
                        return true;
        return false;
}

const Interpreter *interpreter_from_extension(const char *extension, bool last) {
        const Interpreter *found = NULL;

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (listed(table[i].extensions, extension)) {
                        found = &table[i];
                        if (!last)
                                break;
                }
        return found;
}

const Interpreter *interpreter_from_command(const char *name, size_t len) {
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                for (const char *const *c = table[i].commands; *c; c++)
                        if (strlen(*c) == len && strneq(*c, name, len))
                                return &table[i];
        return NULL;
}

size_t interpreters_available(const Interpreter **ret, size_t max) {
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(table) && n < max; i++)
                if (table[i].path)
                        ret[n++] = &table[i];
        return n;
}

void interpreters_format_list(char *buf, size_t size) {
        const Interpreter *l[ELEMENTSOF(table)];
        size_t n = interpreters_available(l, ELEMENTSOF(l)), off = 0;

        buf[0] = 0;
        for (size_t i = 0; i < n && off < size; i++)
                off += snprintf(buf + off, size - off, "%s%s", i > 0 ? ", " : "", l[i]->name);
}
