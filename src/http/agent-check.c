/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent-check.h"

struct AgentCheck {
        int fd;
        sd_event_source *source;
        agent_check_draining_t draining;
        void *userdata;
};

const char *agent_check_reply(bool draining) {
        /* "drain" puts the server in HAProxy's DRAIN admin state; only "ready" lifts it again, so the
         * answer of a host that takes jobs says both. (It also lifts a drain set on the runtime API:
         * drain a sandrun host with its own trigger.) */
        return draining ? "drain\n" : "up ready\n";
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        AgentCheck *a = userdata;

        /* A few connections at a time at most: answer each in one non-blocking write and close it. A
         * fresh socket's send buffer always holds a dozen bytes, so the write does not block. */
        for (unsigned i = 0; i < 16; i++) {
                _cleanup_close_ int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c < 0)
                        return 0; /* EAGAIN, or a connection that went away: nothing to do, ignoring */
                const char *line = agent_check_reply(a->draining(a->userdata));
                (void) !send(c, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
                (void) shutdown(c, SHUT_WR);
        }
        return 0;
}

int agent_check_new(AgentCheck **ret, sd_event *event, int listen_fd, agent_check_draining_t draining,
                    void *userdata) {
        _cleanup_close_ int fd = listen_fd;
        AgentCheck *a;
        int r;

        /* Sockets from systemd block unless NonBlocking=; the accept loop must not. */
        int flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return -errno;
        a = calloc(1, sizeof(AgentCheck));
        if (!a)
                return -ENOMEM;
        a->fd = -EBADF;
        a->draining = draining;
        a->userdata = userdata;
        r = sd_event_add_io(event, &a->source, fd, EPOLLIN, on_accept, a);
        if (r < 0) {
                free(a);
                return r;
        }
        a->fd = TAKE_FD(fd);
        *ret = a;
        return 0;
}

AgentCheck *agent_check_free(AgentCheck *a) {
        if (!a)
                return NULL;
        sd_event_source_disable_unref(a->source);
        safe_close(a->fd);
        free(a);
        return NULL;
}
