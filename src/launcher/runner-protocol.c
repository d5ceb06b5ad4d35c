/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "runner-protocol.h"
#include "strv.h"

#define F(f) (UINT64_C(1) << (f))
#define TIMELINE_FIELDS                                                                                   \
        (F(RUNNER_FIELD_T_SPAWNED) | F(RUNNER_FIELD_T_READY) | F(RUNNER_FIELD_T_SCOPE_STARTED) |           \
         F(RUNNER_FIELD_T_RELEASED) | F(RUNNER_FIELD_T_EXITED) | F(RUNNER_FIELD_T_ACCOUNTED) |              \
         F(RUNNER_FIELD_T_FINISHED) | F(RUNNER_FIELD_T_RUN_STARTED))
#define RESULT_FIELDS                                                                                     \
        (F(RUNNER_FIELD_COMPLETED) | F(RUNNER_FIELD_EXIT_CODE) | F(RUNNER_FIELD_SIGNAL) |                  \
         F(RUNNER_FIELD_REASON) | F(RUNNER_FIELD_CPU_USEC) | F(RUNNER_FIELD_MEMORY_PEAK) |                 \
         F(RUNNER_FIELD_WALL_USEC) | F(RUNNER_FIELD_HAS_CPU) | F(RUNNER_FIELD_HAS_MEMORY) |                \
         F(RUNNER_FIELD_STAGE_EXIT) | F(RUNNER_FIELD_ERROR) | F(RUNNER_FIELD_ERRNO))
#define BUFFER_FIELDS                                                                                     \
        (F(RUNNER_FIELD_STDOUT_LEN) | F(RUNNER_FIELD_STDERR_LEN) | F(RUNNER_FIELD_ARCHIVE_LEN) |          \
         F(RUNNER_FIELD_LISTING_LEN) | F(RUNNER_FIELD_STAGE_ERR_LEN) | F(RUNNER_FIELD_STDOUT_DROPPED) |    \
         F(RUNNER_FIELD_STDERR_DROPPED) | F(RUNNER_FIELD_ARCHIVE_DROPPED) |                               \
         F(RUNNER_FIELD_LISTING_DROPPED) | F(RUNNER_FIELD_STAGE_ERR_DROPPED))
#define STEP_FIELDS                                                                                       \
        (F(RUNNER_FIELD_HAS_COMPILE) | F(RUNNER_FIELD_COMPILE_RESULT) | F(RUNNER_FIELD_RUN_RESULT) |        \
         F(RUNNER_FIELD_CASE_RESULT) | F(RUNNER_FIELD_EXTRA_BUFFERS))
#define LIMIT_FIELDS                                                                                      \
        (F(RUNNER_FIELD_MEMORY_MAX) | F(RUNNER_FIELD_TASKS_MAX) | F(RUNNER_FIELD_CPU_QUOTA) |              \
         F(RUNNER_FIELD_TIMEOUT_USEC) | F(RUNNER_FIELD_COMPILE_MEMORY_MAX))

typedef struct Schema {
        uint64_t required, allowed;     /* allowed includes required */
} Schema;

static const Schema *schema_of(uint16_t type) {
        static const Schema front[] = {
                [RUNNER_MSG_HELLO] = { F(RUNNER_FIELD_VERSION), 0 },
                [RUNNER_MSG_START] = { F(RUNNER_FIELD_JOB_ID) | F(RUNNER_FIELD_ARG) | F(RUNNER_FIELD_FDS) |
                                               F(RUNNER_FIELD_TIMEOUT_USEC),
                                       F(RUNNER_FIELD_ENV) | F(RUNNER_FIELD_OUTPUT_PATTERN) |
                                               F(RUNNER_FIELD_CODE_NAME) | F(RUNNER_FIELD_PACK) | LIMIT_FIELDS |
                                               F(RUNNER_FIELD_COMPILE_ARG) | F(RUNNER_FIELD_TEST_STDINS) |
                                               F(RUNNER_FIELD_COMPILE_TIMEOUT_USEC) |
                                               F(RUNNER_FIELD_TEST_CPU_LIMIT_SEC) |
                                               F(RUNNER_FIELD_TEST_WALL_LIMIT_USEC) },
                [RUNNER_MSG_KILL] = { F(RUNNER_FIELD_JOB_ID) | F(RUNNER_FIELD_REASON), 0 },
                [RUNNER_MSG_SET_QUOTA] = { F(RUNNER_FIELD_JOB_ID) | F(RUNNER_FIELD_CPU_QUOTA), 0 },
                [RUNNER_MSG_FREE] = { F(RUNNER_FIELD_JOB_ID), 0 },
                [RUNNER_MSG_CPU_QUERY] = { F(RUNNER_FIELD_JOB_ID), 0 },
        };
        static const Schema runner[] = {
                [RUNNER_MSG_WELCOME - RUNNER_MSG_WELCOME] = { F(RUNNER_FIELD_VERSION), LIMIT_FIELDS },
                [RUNNER_MSG_RUNNING - RUNNER_MSG_WELCOME] = { F(RUNNER_FIELD_JOB_ID),
                                                              TIMELINE_FIELDS | F(RUNNER_FIELD_FDS) |
                                                                      F(RUNNER_FIELD_CPU_V1) |
                                                                      F(RUNNER_FIELD_CPU_USEC) },
                [RUNNER_MSG_FINISHED - RUNNER_MSG_WELCOME] = { F(RUNNER_FIELD_JOB_ID) | F(RUNNER_FIELD_FDS),
                                                               RESULT_FIELDS | TIMELINE_FIELDS | BUFFER_FIELDS |
                                                                       STEP_FIELDS },
                [RUNNER_MSG_CPU - RUNNER_MSG_WELCOME] = { F(RUNNER_FIELD_JOB_ID) | F(RUNNER_FIELD_CPU_USEC), 0 },
                [RUNNER_MSG_REFUSED - RUNNER_MSG_WELCOME] = { F(RUNNER_FIELD_ERRNO) | F(RUNNER_FIELD_ERROR),
                                                              F(RUNNER_FIELD_JOB_ID) },
                [RUNNER_MSG_WARM - RUNNER_MSG_WELCOME] = { F(RUNNER_FIELD_JOB_ID), 0 },
                [RUNNER_MSG_WARM_GONE - RUNNER_MSG_WELCOME] = { F(RUNNER_FIELD_JOB_ID), 0 },
        };

        if (type >= RUNNER_MSG_HELLO && type <= RUNNER_MSG_CPU_QUERY)
                return &front[type];
        if (type >= RUNNER_MSG_WELCOME && type <= RUNNER_MSG_WARM_GONE)
                return &runner[type - RUNNER_MSG_WELCOME];
        return NULL;
}

static bool field_is_string(unsigned f) {
        return (f >= RUNNER_FIELD_JOB_ID && f < _RUNNER_FIELD_STRING_END) ||
               (f >= RUNNER_FIELD_COMPILE_ARG && f <= RUNNER_FIELD_EXTRA_BUFFERS);
}

static bool field_is_list(unsigned f) {
        return f == RUNNER_FIELD_ARG || f == RUNNER_FIELD_ENV || f == RUNNER_FIELD_OUTPUT_PATTERN ||
               f == RUNNER_FIELD_COMPILE_ARG || f == RUNNER_FIELD_CASE_RESULT;
}

static size_t string_limit(unsigned f) {
        switch (f) {
        case RUNNER_FIELD_JOB_ID:
                return RUNNER_JOB_ID_MAX;
        case RUNNER_FIELD_EXTRA_BUFFERS:
                return RUNNER_EXTRA_BUFFERS_MAX * 2 * 21;
        case RUNNER_FIELD_CODE_NAME:
                return RUNNER_CODE_NAME_MAX;
        case RUNNER_FIELD_ERROR:
                return RUNNER_ERROR_MAX;
        case RUNNER_FIELD_TEST_STDINS:
                return RUNNER_TESTS_MAX;
        case RUNNER_FIELD_COMPILE_RESULT:
        case RUNNER_FIELD_RUN_RESULT:
        case RUNNER_FIELD_CASE_RESULT:
                return RUNNER_STEP_RESULT_MAX;
        default:
                return RUNNER_STRING_MAX;
        }
}

unsigned runner_fds_count(uint64_t mask) {
        return (unsigned) __builtin_popcountll(mask);
}

unsigned runner_message_n_fds(const RunnerMessage *m) {
        unsigned n = runner_message_has(m, RUNNER_FIELD_FDS) ? runner_fds_count(m->u64[RUNNER_FIELD_FDS]) : 0;
        for (const char *p = m->test_stdins; p && *p; p++)
                n += *p == '1';
        return n;
}

int runner_numbers_parse(const char *s, uint64_t *ret, size_t max) {
        size_t n = 0;

        if (!*s)
                return 0;
        for (const char *p = s;;) {
                uint64_t v = 0;
                const char *start = p;
                for (; *p >= '0' && *p <= '9'; p++) {
                        if (v > (UINT64_MAX - (uint64_t) (*p - '0')) / 10)
                                return -EBADMSG;
                        v = v * 10 + (uint64_t) (*p - '0');
                }
                if (p == start || p - start > 20 || n >= max)
                        return -EBADMSG;
                ret[n++] = v;
                if (!*p)
                        return (int) n;
                if (*p != ' ')
                        return -EBADMSG;
                p++;
        }
}

void runner_step_result_format(const RunnerStepResult *r, char buf[static RUNNER_STEP_RESULT_MAX]) {
        snprintf(buf, RUNNER_STEP_RESULT_MAX, "%d %u %d %d %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64, r->ran,
                 (unsigned) r->status, r->timed_out, r->oom, r->cpu_usec, r->maxrss_kb, r->wall_usec,
                 r->scope_cpu_usec);
}

int runner_step_result_parse(const char *s, RunnerStepResult *ret) {
        uint64_t v[8];

        if (runner_numbers_parse(s, v, ELEMENTSOF(v)) != 8 || v[0] > 1 || v[1] > UINT32_MAX || v[2] > 1 || v[3] > 1)
                return -EBADMSG;
        *ret = (RunnerStepResult) {
                .ran = v[0], .status = (int) (uint32_t) v[1], .timed_out = v[2], .oom = v[3],
                .cpu_usec = v[4], .maxrss_kb = v[5], .wall_usec = v[6], .scope_cpu_usec = v[7],
        };
        return 0;
}

int runner_job_id_parse(const char *id, char ret_hex[static 33]) {
        size_t n = strnlen(id, RUNNER_JOB_ID_MAX + 1);

        if (n < 32 || n > RUNNER_JOB_ID_MAX || strspn(id, "0123456789abcdef") < 32)
                return -EINVAL;
        if (n > 32) {
                const char *node = id + 33;
                size_t k = n - 33;
                if (id[32] != '-' || k == 0 || k > RUNNER_NODE_MAX ||
                    strspn(node, "0123456789abcdefghijklmnopqrstuvwxyz") != k)
                        return -EINVAL;
        }
        memcpy(ret_hex, id, 32);
        ret_hex[32] = 0;
        return 0;
}

static bool code_name_is_valid(const char *s) {
        return s[0] && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* What the parser checks beyond the schema: values that make no sense in any state. */
static int validate(const RunnerMessage *m) {
        char hex[33];

        if (m->job_id && runner_job_id_parse(m->job_id, hex) < 0)
                return -EBADMSG;
        if (m->code_name && !code_name_is_valid(m->code_name))
                return -EBADMSG;
        if (m->env)
                for (char **e = m->env; *e; e++)
                        if (!strchr(*e, '=') || (*e)[0] == '=')
                                return -EBADMSG;
        if (m->test_stdins && (!m->test_stdins[0] || strspn(m->test_stdins, "01") != strlen(m->test_stdins)))
                return -EBADMSG;
        if (m->compile_args && m->compile_args[0][0] != '/')
                return -EBADMSG;
        RunnerStepResult step;
        if ((m->compile_result && runner_step_result_parse(m->compile_result, &step) < 0) ||
            (m->run_result && runner_step_result_parse(m->run_result, &step) < 0))
                return -EBADMSG;
        for (char **c = m->case_results; c && *c; c++)
                if (runner_step_result_parse(*c, &step) < 0)
                        return -EBADMSG;
        if (m->extra_buffers) {
                uint64_t v[RUNNER_EXTRA_BUFFERS_MAX * 2];
                int n = runner_numbers_parse(m->extra_buffers, v, ELEMENTSOF(v));
                if (n < 0 || n % 2 != 0)
                        return -EBADMSG;
        }

        switch (m->type) {
        case RUNNER_MSG_START: {
                uint64_t fds = m->u64[RUNNER_FIELD_FDS];
                if (m->args[0][0] != '/')
                        return -EBADMSG;
                if (fds & ~(uint64_t) RUNNER_FDS_START)
                        return -EBADMSG;
                if (!!(fds & RUNNER_FD_CODE) != !!m->code_name)
                        return -EBADMSG;
                if (runner_message_has(m, RUNNER_FIELD_PACK) && m->u64[RUNNER_FIELD_PACK] > 1)
                        return -EBADMSG;
                if (m->output_patterns && m->u64[RUNNER_FIELD_PACK] != 1)
                        return -EBADMSG;
                if (m->u64[RUNNER_FIELD_TIMEOUT_USEC] == 0)
                        return -EBADMSG;
                break;
        }
        case RUNNER_MSG_KILL:
                if (m->u64[RUNNER_FIELD_REASON] != 1 /* JOB_REASON_TIMEOUT */ &&
                    m->u64[RUNNER_FIELD_REASON] != 3 /* JOB_REASON_SIGNAL */)
                        return -EBADMSG;
                break;
        case RUNNER_MSG_SET_QUOTA:
                if (m->u64[RUNNER_FIELD_CPU_QUOTA] == 0)
                        return -EBADMSG;
                break;
        case RUNNER_MSG_FINISHED:
                if (m->u64[RUNNER_FIELD_FDS] & ~(uint64_t) RUNNER_FD_RESULT)
                        return -EBADMSG;
                break;
        case RUNNER_MSG_RUNNING:
                if (m->u64[RUNNER_FIELD_FDS] & ~(uint64_t) RUNNER_FD_CPU || m->u64[RUNNER_FIELD_CPU_V1] > 1)
                        return -EBADMSG;
                break;
        case RUNNER_MSG_WARM:
        case RUNNER_MSG_WARM_GONE:
                /* A scope's id: no node name, which is the front's to add. */
                if (strlen(m->job_id) != 32)
                        return -EBADMSG;
                break;
        default:
                break;
        }
        return 0;
}

void runner_message_done(RunnerMessage *m) {
        free(m->job_id);
        free(m->code_name);
        free(m->error);
        free(m->test_stdins);
        free(m->compile_result);
        free(m->run_result);
        free(m->extra_buffers);
        strv_free(m->compile_args);
        strv_free(m->case_results);
        strv_free(m->args);
        strv_free(m->env);
        strv_free(m->output_patterns);
        *m = (RunnerMessage) {};
}

static char ***list_ref(RunnerMessage *m, unsigned f) {
        switch (f) {
        case RUNNER_FIELD_ARG:
                return &m->args;
        case RUNNER_FIELD_ENV:
                return &m->env;
        case RUNNER_FIELD_COMPILE_ARG:
                return &m->compile_args;
        case RUNNER_FIELD_CASE_RESULT:
                return &m->case_results;
        default:
                return &m->output_patterns;
        }
}

static char **list_of(RunnerMessage *m, unsigned f) {
        return *list_ref(m, f);
}

static char **string_ref(RunnerMessage *m, unsigned f) {
        switch (f) {
        case RUNNER_FIELD_JOB_ID:
                return &m->job_id;
        case RUNNER_FIELD_CODE_NAME:
                return &m->code_name;
        case RUNNER_FIELD_TEST_STDINS:
                return &m->test_stdins;
        case RUNNER_FIELD_COMPILE_RESULT:
                return &m->compile_result;
        case RUNNER_FIELD_RUN_RESULT:
                return &m->run_result;
        case RUNNER_FIELD_EXTRA_BUFFERS:
                return &m->extra_buffers;
        default:
                return &m->error;
        }
}

static uint16_t get16(const uint8_t *p) {
        uint16_t v;
        memcpy(&v, p, 2);
        return le16toh(v);
}

static uint32_t get32(const uint8_t *p) {
        uint32_t v;
        memcpy(&v, p, 4);
        return le32toh(v);
}

static uint64_t get64(const uint8_t *p) {
        uint64_t v;
        memcpy(&v, p, 8);
        return le64toh(v);
}

static int parse_fields(const uint8_t *p, size_t len, const Schema *schema, RunnerMessage *m) {
        size_t counts[_RUNNER_FIELD_MAX] = {};

        while (len > 0) {
                if (len < 8)
                        return -EBADMSG;
                uint16_t tag = get16(p), zero = get16(p + 2);
                uint32_t n = get32(p + 4);
                p += 8;
                len -= 8;
                if (zero != 0 || n > len || tag == 0 || tag >= _RUNNER_FIELD_MAX || !(schema->allowed & F(tag)))
                        return -EBADMSG;
                if (counts[tag] > 0 && !field_is_list(tag))
                        return -EBADMSG;
                if (++counts[tag] > RUNNER_STRINGS_MAX)
                        return -E2BIG;

                if (field_is_string(tag)) {
                        if (n > string_limit(tag) || memchr(p, 0, n))
                                return -EBADMSG;
                        char *s = strndup((const char *) p, n);
                        if (!s)
                                return -ENOMEM;
                        if (field_is_list(tag)) {
                                int r = strv_consume(list_ref(m, tag), s);
                                if (r < 0)
                                        return r;
                        } else
                                *string_ref(m, tag) = s;
                } else {
                        if (n != 8)
                                return -EBADMSG;
                        m->u64[tag] = get64(p);
                }
                m->present |= F(tag);
                p += n;
                len -= n;
        }

        if ((m->present & schema->required) != schema->required)
                return -EBADMSG;
        return 0;
}

int runner_message_parse(const void *buf, size_t len, RunnerMessage *ret) {
        const uint8_t *p = buf;
        RunnerMessage m = {};
        const Schema *schema;
        int r;

        if (len > RUNNER_MESSAGE_MAX)
                return -E2BIG;
        if (len < RUNNER_HEADER_SIZE)
                return -EBADMSG;
        if (get16(p) != RUNNER_PROTOCOL_VERSION)
                return -EPROTONOSUPPORT;
        schema = schema_of(get16(p + 2));
        if (!schema || get32(p + 4) != len - RUNNER_HEADER_SIZE)
                return -EBADMSG;
        m.type = get16(p + 2);

        Schema s = { schema->required, schema->allowed | schema->required };
        r = parse_fields(p + RUNNER_HEADER_SIZE, len - RUNNER_HEADER_SIZE, &s, &m);
        if (r >= 0)
                r = validate(&m);
        if (r < 0) {
                runner_message_done(&m);
                return r;
        }
        *ret = m;
        return 0;
}

/* Counts only while buf is NULL: the first pass sizes the buffer, the second fills it. */
typedef struct Writer {
        uint8_t *buf;
        size_t len;
} Writer;

static int put(Writer *w, uint16_t tag, const void *data, size_t n) {
        uint16_t t = htole16(tag), z = 0;
        uint32_t l = htole32((uint32_t) n);

        if (w->len + 8 + n > RUNNER_MESSAGE_MAX)
                return -E2BIG;
        if (!w->buf) {
                w->len += 8 + n;
                return 0;
        }
        memcpy(w->buf + w->len, &t, 2);
        memcpy(w->buf + w->len + 2, &z, 2);
        memcpy(w->buf + w->len + 4, &l, 4);
        memcpy(w->buf + w->len + 8, data, n);
        w->len += 8 + n;
        return 0;
}

static int put_string(Writer *w, unsigned f, const char *s) {
        size_t n = strlen(s);

        if (n > string_limit(f))
                return -E2BIG;
        return put(w, f, s, n);
}

static int put_fields(Writer *w, const RunnerMessage *m) {
        int r;

        for (unsigned f = 1; f < _RUNNER_FIELD_MAX; f++) {
                if (field_is_list(f)) {
                        char **l = list_of((RunnerMessage *) m, f);
                        if (strv_length(l) > RUNNER_STRINGS_MAX)
                                return -E2BIG;
                        for (char **s = l; s && *s; s++) {
                                r = put_string(w, f, *s);
                                if (r < 0)
                                        return r;
                        }
                } else if (field_is_string(f)) {
                        const char *s = *string_ref((RunnerMessage *) m, f);
                        if (s) {
                                r = put_string(w, f, s);
                                if (r < 0)
                                        return r;
                        }
                } else if (runner_message_has(m, f)) {
                        uint64_t v = htole64(m->u64[f]);
                        r = put(w, f, &v, 8);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int runner_message_encode(const RunnerMessage *m, void **ret, size_t *ret_len) {
        _cleanup_free_ uint8_t *buf = NULL;
        Writer w = { NULL, RUNNER_HEADER_SIZE };
        int r;

        if (!schema_of(m->type))
                return -EINVAL;
        r = put_fields(&w, m);
        if (r < 0)
                return r;
        buf = malloc(w.len);
        if (!buf)
                return -ENOMEM;
        w = (Writer) { buf, RUNNER_HEADER_SIZE };
        r = put_fields(&w, m);
        if (r < 0)
                return r;

        uint16_t version = htole16(RUNNER_PROTOCOL_VERSION), type = htole16((uint16_t) m->type);
        uint32_t plen = htole32((uint32_t) (w.len - RUNNER_HEADER_SIZE));
        memcpy(buf, &version, 2);
        memcpy(buf + 2, &type, 2);
        memcpy(buf + 4, &plen, 4);

        /* What we send must be what the peer accepts: check it the way it will. */
        RunnerMessage check;
        r = runner_message_parse(buf, w.len, &check);
        if (r < 0)
                return r == -E2BIG || r == -ENOMEM ? r : -EINVAL;
        runner_message_done(&check);

        *ret_len = w.len;
        *ret = TAKE_PTR(buf);
        return 0;
}
