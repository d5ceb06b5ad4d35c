/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every parser of the server's JSON answers, fed the same bytes. */

#include <stdint.h>
#include <string.h>

#include "cli-reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *buf = (const char *) data;

        JobReply *j = NULL;
        if (job_reply_parse(buf, size, &j) >= 0) {
                /* What was accepted must hold to the limits the CLI relies on. */
                if (j->job_id && (strlen(j->job_id) > REPLY_JOB_ID_MAX || strpbrk(j->job_id, "/?#%")))
                        __builtin_trap();
                if (j->exit_code < -1 || j->exit_code > 255 || j->stdout_size > REPLY_OUTPUT_MAX)
                        __builtin_trap();
                job_reply_free(j);
        }

        char *error = NULL;
        if (error_reply_parse(buf, size, &error) >= 0) {
                for (const char *p = error; *p; p++)
                        if ((unsigned char) *p < 0x20 || *p == 0x7f)
                                __builtin_trap();
                if (strlen(error) > REPLY_ERROR_MAX)
                        __builtin_trap();
                free(error);
        }

        OutputList *outputs = NULL;
        if (output_list_parse(buf, size, &outputs) >= 0)
                output_list_free(outputs);

        LanguageList *languages = NULL;
        if (language_list_parse(buf, size, &languages) >= 0)
                language_list_free(languages);
        return 0;
}
