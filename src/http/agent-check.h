/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * HAProxy's agent check (the `agent-check` server option): HAProxy connects to a port of its own, reads
 * one line and takes it as the server's state. We answer "up" or "drain" and close; never a weight, since
 * under consistent hashing a changing weight would move clients to hosts where their budget is fresh.
 * The listening socket comes from systemd, away from the public port.
 */

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "macro.h"

typedef struct AgentCheck AgentCheck;

/* Asked at every check: true when this host takes no new jobs. */
typedef bool (*agent_check_draining_t)(void *userdata);

/* Takes listen_fd, a listening stream socket. */
int agent_check_new(AgentCheck **ret, sd_event *event, int listen_fd, agent_check_draining_t draining,
                    void *userdata);
AgentCheck *agent_check_free(AgentCheck *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(AgentCheck *, agent_check_free);

/* The line sent to HAProxy for a state. */
const char *agent_check_reply(bool draining);
