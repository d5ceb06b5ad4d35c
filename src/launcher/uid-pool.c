/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "log-sink.h"
#include "uid-pool.h"

#define UID_LIMIT 0x80000000ULL         /* 2^31: some kernel code still takes uids for signed */
#define ID_FILE_MAX (16U << 20)         /* a user database bigger than this is not one we read */

struct UidPool {
        UidRange range;
        uint32_t *free_fifo;            /* offsets from range.first, least recently freed first */
        uint32_t head, n_free;
        uint8_t *used;                  /* one byte per uid: simple, and a million at most */
};

static bool overlaps(const UidRange *r, uint64_t first, uint64_t count) {
        return count > 0 && first < (uint64_t) r->first + r->count && (uint64_t) r->first < first + count;
}

/* Decimal, no sign, no leading junk; *p advanced past the digits. */
static int parse_decimal(const char **p, const char *end, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;
        const char *s = *p;

        if (s >= end || *s < '0' || *s > '9')
                return -EINVAL;
        for (; s < end && *s >= '0' && *s <= '9'; s++) {
                v = v * 10 + (uint64_t) (*s - '0');
                if (v > max)
                        return -ERANGE;
        }
        *p = s;
        *ret = v;
        return 0;
}

int uid_range_parse(const char *s, UidRange *ret) {
        const char *p = s, *end = s + strlen(s);
        uint64_t first, last;
        int r;

        r = parse_decimal(&p, end, UID_LIMIT - 1, &first);
        if (r < 0)
                return r;
        if (p >= end || *p != '-')
                return -EINVAL;
        p++;
        r = parse_decimal(&p, end, UID_LIMIT - 1, &last);
        if (r < 0)
                return r;
        if (p != end || last < first || first == 0)
                return -EINVAL;
        if (last - first + 1 > UID_POOL_SIZE_MAX)
                return -E2BIG;
        *ret = (UidRange) { .first = (uid_t) first, .count = (uint32_t) (last - first + 1) };
        return 0;
}

int uid_range_check_reserved(const UidRange *r, const char **ret_what, uid_t *ret_uid) {
        static const struct {
                uint64_t first, last;
                const char *what;
        } reserved[] = {
                { 0, 0, "root" },
                { 1, 999, "system users" },
                { 1000, 60000, "regular users" },
                { 60001, 60513, "systemd-homed's users" },
                { 60514, 60577, "host users mapped into containers" },
                { 61184, 65519, "systemd's dynamic users" },
                { 65534, 65534, "nobody" },
                { 65535, 65535, "the 16-bit (uid_t) -1" },
                { 524288, 1879048191, "systemd's container ranges" },
                { UID_LIMIT, UINT32_MAX, "uids from 2^31 on" },
        };

        for (size_t i = 0; i < ELEMENTSOF(reserved); i++)
                if (overlaps(r, reserved[i].first, reserved[i].last - reserved[i].first + 1)) {
                        *ret_what = reserved[i].what;
                        *ret_uid = (uid_t) MAX(reserved[i].first, (uint64_t) r->first);
                        return -EADDRINUSE;
                }
        return 0;
}

/* Calls `check` for each line of `text`, with its bounds. */
static int for_each_line(const char *text, size_t len, int (*check)(const char *line, const char *end,
                                                                     const UidRange *r, uid_t *ret_uid),
                         const UidRange *r, uid_t *ret_uid) {
        const char *p = text, *end = text + len;

        while (p < end) {
                const char *nl = memchr(p, '\n', end - p), *line_end = nl ?: end;
                /* Comments, and NIS "+"/"-" lines, name no id of their own. */
                int k = p < line_end && strchr("#+-", *p) ? 0 : check(p, line_end, r, ret_uid);
                if (k < 0)
                        return k;
                p = nl ? nl + 1 : end;
        }
        return 0;
}

/* The n-th ':'-separated field starts after n colons. */
static const char *field(const char *line, const char *end, unsigned n) {
        for (; n > 0; n--) {
                const char *c = memchr(line, ':', end - line);
                if (!c)
                        return NULL;
                line = c + 1;
        }
        return line;
}

static int check_db_line(const char *line, const char *end, const UidRange *r, uid_t *ret_uid) {
        const char *p = field(line, end, 2);
        uint64_t id;

        /* A line without a number there names no id. */
        if (!p || parse_decimal(&p, end, UINT32_MAX, &id) < 0 || (p < end && *p != ':'))
                return 0;
        if (overlaps(r, id, 1)) {
                *ret_uid = (uid_t) id;
                return -EADDRINUSE;
        }
        return 0;
}

static int check_subid_line(const char *line, const char *end, const UidRange *r, uid_t *ret_uid) {
        const char *p = field(line, end, 1);
        uint64_t first, count;

        if (!p || parse_decimal(&p, end, UINT32_MAX, &first) < 0 || p >= end || *p != ':')
                return 0;
        p++;
        if (parse_decimal(&p, end, UINT32_MAX, &count) < 0)
                return 0;
        if (overlaps(r, first, count)) {
                *ret_uid = (uid_t) MAX(first, (uint64_t) r->first);
                return -EADDRINUSE;
        }
        return 0;
}

int uid_range_check_db(const UidRange *r, const char *text, size_t len, uid_t *ret_uid) {
        return for_each_line(text, len, check_db_line, r, ret_uid);
}

int uid_range_check_subids(const UidRange *r, const char *text, size_t len, uid_t *ret_uid) {
        return for_each_line(text, len, check_subid_line, r, ret_uid);
}

static int read_small_file(const char *path, char **ret, size_t *ret_len) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, allocated = 0;
        _cleanup_close_ int fd = -EBADF;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        for (;;) {
                if (len == allocated) {
                        if (allocated >= ID_FILE_MAX)
                                return -EFBIG;
                        char *b = realloc(buf, allocated = MAX(allocated * 2, (size_t) 65536));
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                }
                ssize_t n = read(fd, buf + len, allocated - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += n;
        }
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

int uid_range_check_system(const UidRange *r, const char *root, const char **ret_what, uid_t *ret_uid) {
        static const struct {
                const char *path;
                bool subids;
        } files[] = {
                { "/etc/passwd", false },
                { "/etc/group", false },
                { "/etc/subuid", true },
                { "/etc/subgid", true },
        };
        int k;

        k = uid_range_check_reserved(r, ret_what, ret_uid);
        if (k < 0)
                return k;
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *text = NULL;
                char path[4096];
                size_t len = 0;

                snprintf(path, sizeof(path), "%s%s", root, files[i].path);
                k = read_small_file(path, &text, &len);
                if (k == -ENOENT)
                        continue;
                if (k < 0)
                        return log_debug_errno(-k, "Cannot read %s", path);
                k = files[i].subids ? uid_range_check_subids(r, text, len, ret_uid)
                                    : uid_range_check_db(r, text, len, ret_uid);
                if (k < 0) {
                        *ret_what = files[i].path;
                        return log_debug_errno(-k, "The job uid range overlaps %s at %u", path, (unsigned) *ret_uid);
                }
        }
        return 0;
}

int uid_range_check_for_jobs(const UidRange *r, unsigned max_jobs, const char **ret_what, uid_t *ret_uid) {
        if (r->count < max_jobs) {
                *ret_what = "the most jobs that can exist at once";
                *ret_uid = r->count;
                return -ERANGE;
        }
        return uid_range_check_system(r, "", ret_what, ret_uid);
}

UidPool *uid_pool_free(UidPool *p) {
        if (!p)
                return NULL;
        free(p->free_fifo);
        free(p->used);
        free(p);
        return NULL;
}

int uid_pool_new(UidPool **ret, const UidRange *r) {
        _cleanup_(uid_pool_freep) UidPool *p = NULL;

        if (r->count == 0 || r->count > UID_POOL_SIZE_MAX)
                return -EINVAL;
        p = calloc(1, sizeof(UidPool));
        if (!p)
                return -ENOMEM;
        p->range = *r;
        p->free_fifo = calloc(r->count, sizeof(uint32_t));
        p->used = calloc(r->count, 1);
        if (!p->free_fifo || !p->used)
                return -ENOMEM;
        for (uint32_t i = 0; i < r->count; i++)
                p->free_fifo[i] = i;
        p->n_free = r->count;
        *ret = TAKE_PTR(p);
        return 0;
}

int uid_pool_acquire(UidPool *p, uid_t *ret) {
        if (p->n_free == 0)
                return -EBUSY;
        uint32_t off = p->free_fifo[p->head];
        p->head = (p->head + 1) % p->range.count;
        p->n_free--;
        assert(!p->used[off]);
        p->used[off] = 1;
        *ret = p->range.first + off;
        return 0;
}

void uid_pool_release(UidPool *p, uid_t uid) {
        uint32_t off = uid - p->range.first;

        /* A uid that is not ours, or not taken, is a programming error. */
        assert(uid >= p->range.first && off < p->range.count && p->used[off]);
        p->used[off] = 0;
        p->free_fifo[(p->head + p->n_free) % p->range.count] = off;
        p->n_free++;
}

unsigned uid_pool_n_used(const UidPool *p) {
        return p->range.count - p->n_free;
}

uint32_t uid_pool_size(const UidPool *p) {
        return p->range.count;
}
