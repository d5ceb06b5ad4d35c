/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <sys/mman.h>

#include "io-util.h"
#include "macro.h"
#include "memfd-util.h"

#define MEMFD_SEALS_FIXED (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

int memfd_seal(int fd) {
        return fcntl(fd, F_ADD_SEALS, MEMFD_SEALS_FIXED | F_SEAL_SEAL) < 0 ? -errno : 0;
}

bool memfd_is_sealed(int fd) {
        int seals = fcntl(fd, F_GET_SEALS);

        /* EINVAL for anything but a memfd (or a file on a shmem mount, which cannot be sealed this way). */
        return seals >= 0 && (seals & MEMFD_SEALS_FIXED) == MEMFD_SEALS_FIXED;
}

int memfd_new_sealed(const char *name, const void *data, size_t len) {
        _cleanup_close_ int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        int r;

        if (fd < 0)
                return -errno;
        r = loop_write(fd, data, len);
        if (r < 0)
                return r;
        /* The reader gets a view nobody can change under its feet. */
        r = memfd_seal(fd);
        if (r < 0)
                return r;
        /* Read (e.g. as stdin) from the current offset, which must be the start. */
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        return TAKE_FD(fd);
}
