/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * For the runner daemon only (runner.c implements it, the front's runner-client.c does not): the
 * connection to systemd is replaced when PID 1 re-executes. NULL while there is none; starts then wait.
 */

#include <systemd/sd-bus.h>

#include "runner.h"

int runner_set_bus(Runner *r, sd_bus *bus);
