/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The CLI's own exit codes. Any other code is the program's own exit code, passed through. They sit
 * where programs rarely go: sysexits.h's codes for the CLI's failures, timeout(1)'s 124 for a job the
 * sandbox stopped.
 */
enum {
        SANDRUN_EXIT_USAGE = 64,        /* bad command line, unreadable input file */
        SANDRUN_EXIT_REFUSED = 65,      /* the server refused the request: 4xx, including 429 */
        SANDRUN_EXIT_SERVER = 69,       /* cannot connect, TLS or pin failure, 5xx, malformed answer */
        SANDRUN_EXIT_SANDBOX = 124,     /* the job was stopped: timeout, memory, signal, launch failure */
        SANDRUN_EXIT_COMPILE = 125,     /* the program did not compile; the compiler's messages are on stderr */
};
