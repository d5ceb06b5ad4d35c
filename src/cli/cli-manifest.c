/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "cli-json.h"
#include "cli-manifest.h"
#include "macro.h"

static int add_env(struct json_object *o, char *const *env, size_t n) {
        struct json_object *e = json_object_new_object();
        int r = json_add(o, "env", e);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const char *eq = strchr(env[i], '=');
                if (!eq)
                        return -EINVAL;
                _cleanup_free_ char *name = strndup(env[i], eq - env[i]);
                if (!name)
                        return -ENOMEM;
                r = json_add(e, name, json_object_new_string(eq + 1));
        }
        return r;
}

int manifest_to_json(const Manifest *m, char **ret) {
        _cleanup_(json_putp) struct json_object *o = json_object_new_object();
        if (!o)
                return -ENOMEM;

        int r = json_add(o, "entrypoint", json_object_new_string(m->entrypoint));
        if (r >= 0 && m->interpreter)
                r = json_add(o, "interpreter", json_object_new_string(m->interpreter));
        if (r >= 0)
                r = json_add_strings(o, "args", m->args, m->n_args);
        if (r >= 0 && m->stdin_data)
                r = json_add(o, "stdin", json_object_new_string_len(m->stdin_data, (int) m->stdin_size));
        if (r >= 0)
                r = json_add_strings(o, "outputs", m->outputs, m->n_outputs);
        if (r >= 0 && m->timeout > 0)
                r = json_add(o, "timeout", json_object_new_int64(m->timeout));
        if (r >= 0 && m->n_env > 0)
                r = add_env(o, m->env, m->n_env);
        if (r >= 0 && m->seal_to)
                r = json_add(o, "seal_to", json_object_get(m->seal_to));
        if (r < 0)
                return r;
        return json_to_string(o, ret);
}
