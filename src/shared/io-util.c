/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <unistd.h>

#include "io-util.h"

int loop_write(int fd, const void *buf, size_t len) {
        const uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;
                p += n;
                len -= n;
        }
        return 0;
}

int loop_pwrite(int fd, const void *buf, size_t len, uint64_t offset) {
        const uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = pwrite(fd, p, len, offset);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;
                p += n;
                len -= n;
                offset += n;
        }
        return 0;
}

ssize_t loop_pread(int fd, void *buf, size_t len, uint64_t offset) {
        uint8_t *p = buf;
        size_t got = 0;

        while (got < len) {
                ssize_t n = pread(fd, p + got, len - got, offset + got);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                got += n;
        }
        return got;
}
