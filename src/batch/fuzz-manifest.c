/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdint.h>
#include <string.h>

#include "glob-match.h"
#include "manifest.h"
#include "upload-path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(manifest_freep) Manifest *m = NULL;
        const char *why = NULL;
        size_t n = 0;

        if (manifest_parse((const char *) data, size, &m, &why) < 0) {
                if (!why)
                        abort();
                return 0;
        }

        /* Whatever passed must hold up to what the header promises. */
        if (!m->entrypoint && !m->interpreter)
                abort();
        if (m->entrypoint && !upload_path_is_normal(m->entrypoint))
                abort();
        for (char **a = m->args; *a; a++)
                if (strlen(*a) > MANIFEST_ARG_MAX || ++n > MANIFEST_ARGS_MAX)
                        abort();
        for (char **o = m->outputs; *o; o++)
                if (glob_pattern_check(*o, NULL) < 0)
                        abort();
        for (char **e = m->env; *e; e++) {
                char *eq = strchr(*e, '=');

                if (!eq)
                        abort();
                *eq = 0;
                if (!manifest_env_name_is_allowed(*e))
                        abort();
                *eq = '=';
        }
        if (m->stdin_size > MANIFEST_STDIN_MAX || m->timeout_sec > MANIFEST_TIMEOUT_MAX)
                abort();
        return 0;
}
