/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replays a libFuzzer corpus through LLVMFuzzerTestOneInput, so that every fuzz target's corpus runs
 * under `meson test` without clang's fuzzer runtime. Arguments are files or directories of inputs.
 */

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(int dirfd, const char *name) {
        int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return S_ISDIR(st.st_mode) ? 0 : -1;
        }
        uint8_t *buf = malloc(st.st_size ?: 1);
        if (!buf) {
                close(fd);
                return -1;
        }
        size_t got = 0;
        while (got < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + got, st.st_size - got);
                if (n <= 0)
                        break;
                got += n;
        }
        close(fd);
        /* libFuzzer hands out exactly-sized heap buffers; so do we, so ASan catches overreads. */
        uint8_t *exact = malloc(got ?: 1);
        memcpy(exact, buf, got);
        free(buf);
        LLVMFuzzerTestOneInput(exact, got);
        free(exact);
        return 1;
}

int main(int argc, char **argv) {
        int replayed = 0;

        for (int i = 1; i < argc; i++) {
                DIR *d = opendir(argv[i]);
                if (!d) {
                        if (replay_file(AT_FDCWD, argv[i]) < 0) {
                                fprintf(stderr, "cannot read %s\n", argv[i]);
                                return EXIT_FAILURE;
                        }
                        replayed++;
                        continue;
                }
                struct dirent *de;
                while ((de = readdir(d))) {
                        if (de->d_name[0] == '.')
                                continue;
                        int r = replay_file(dirfd(d), de->d_name);
                        if (r < 0) {
                                fprintf(stderr, "cannot read %s/%s\n", argv[i], de->d_name);
                                closedir(d);
                                return EXIT_FAILURE;
                        }
                        replayed += r;
                }
                closedir(d);
        }

        /* An empty corpus would make this test pass without testing anything. */
        if (replayed == 0) {
                fprintf(stderr, "no corpus inputs found\n");
                return EXIT_FAILURE;
        }
        fprintf(stderr, "replayed %d inputs\n", replayed);
        return EXIT_SUCCESS;
}
