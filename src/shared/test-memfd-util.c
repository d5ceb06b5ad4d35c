/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memfd-util.h"
#include "tests.h"

TEST(new_sealed) {
        char buf[8] = {};
        int fd = memfd_new_sealed("t", "hello", 5);

        ASSERT_TRUE(fd >= 0);
        ASSERT_TRUE(memfd_is_sealed(fd));
        ASSERT_EQ(read(fd, buf, sizeof(buf)), 5);
        ASSERT_STREQ(buf, "hello");
        /* Nothing changes it, through any path: write, truncate, a writable mapping, fewer seals. */
        ASSERT_TRUE(pwrite(fd, "x", 1, 0) < 0 && errno == EPERM);
        ASSERT_TRUE(ftruncate(fd, 0) < 0 && errno == EPERM);
        ASSERT_TRUE(ftruncate(fd, 4096) < 0 && errno == EPERM);
        ASSERT_TRUE(mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
        ASSERT_TRUE(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) < 0 && errno == EPERM);
        /* Sealing an empty memfd works too (an empty bundle). */
        close(fd);
        fd = memfd_new_sealed("t", "", 0);
        ASSERT_TRUE(fd >= 0 && memfd_is_sealed(fd));
        close(fd);
}

TEST(seal_later) {
        /* As an upload: written in pieces, sealed once complete. */
        int fd = memfd_create("upload", MFD_CLOEXEC | MFD_ALLOW_SEALING);

        ASSERT_TRUE(fd >= 0);
        ASSERT_TRUE(write(fd, "abc", 3) == 3);
        ASSERT_TRUE(!memfd_is_sealed(fd));
        ASSERT_OK(memfd_seal(fd));
        ASSERT_TRUE(memfd_is_sealed(fd));
        ASSERT_TRUE(write(fd, "d", 1) < 0 && errno == EPERM);
        close(fd);
}

TEST(not_sealed) {
        /* A memfd without sealing, one sealed only against resizing, a pipe, a plain file. */
        int fd = memfd_create("plain", MFD_CLOEXEC);
        ASSERT_TRUE(fd >= 0 && !memfd_is_sealed(fd));
        ASSERT_ERROR(memfd_seal(fd), EPERM);
        close(fd);

        fd = memfd_create("partly", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        ASSERT_TRUE(fd >= 0);
        ASSERT_TRUE(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0);
        ASSERT_TRUE(!memfd_is_sealed(fd));
        close(fd);

        int p[2];
        ASSERT_TRUE(pipe2(p, O_CLOEXEC) == 0);
        ASSERT_TRUE(!memfd_is_sealed(p[0]) && !memfd_is_sealed(p[1]));
        close(p[0]);
        close(p[1]);

        fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0 && !memfd_is_sealed(fd));
        close(fd);
        ASSERT_TRUE(!memfd_is_sealed(-1));
}

int main(void) {
        RUN(new_sealed);
        RUN(seal_later);
        RUN(not_sealed);
        return 0;
}
