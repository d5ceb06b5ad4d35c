/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <string.h>

#include "cgroup-stat.h"
#include "list.h"
#include "scope-launcher.h"

/* While systemd's state is being found out again after a reconnect: how often the init's cgroup is read. */
#define RESYNC_POLL_USEC (20 * USEC_PER_MSEC)

struct ScopeLauncher {
        sd_event *event;
        sd_bus *bus;
        sd_bus_slot *job_removed_slot;
        uint64_t timeout_usec;
        /* systemd before 255 refuses PIDFDs=; after the first refusal we use PIDs= only. */
        bool pidfds_unsupported;
        ScopeStart *starts;             /* waiting for their start job to finish */
};

struct ScopeStart {
        ScopeLauncher *launcher;
        ScopeStart *prev, *next;
        ScopeSpec spec;
        char *unit;
        char *slice;
        char *description;
        char *job_path;                 /* systemd's start job, once the call returned */
        bool used_pidfd;
        bool resent;                    /* sent again after a reconnect */
        sd_bus_slot *call_slot;
        sd_event_source *timeout_source;
        sd_event_source *poll_source;   /* after a reconnect found the unit already there */
        scope_start_handler_t handler;
        void *userdata;
};

#define SYSTEMD_DEST "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"

bool scope_unit_name_is_valid(const char *name) {
        size_t n = strlen(name);

        if (n < strlen("x.scope") || n > 255 || strcmp(name + n - 6, ".scope") != 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.-", name[i]))
                        return false;
        return true;
}

static void start_unlink(ScopeStart *s) {
        ScopeLauncher *l = s->launcher;

        if (!l)
                return;
        LIST_REMOVE(l->starts, s);
        s->launcher = NULL;
}

ScopeStart *scope_start_free(ScopeStart *s) {
        if (!s)
                return NULL;
        start_unlink(s);
        sd_bus_slot_unref(s->call_slot);
        sd_event_source_disable_unref(s->timeout_source);
        sd_event_source_disable_unref(s->poll_source);
        free(s->unit);
        free(s->slice);
        free(s->description);
        free(s->job_path);
        free(s);
        return NULL;
}

/* Tells the owner, once; after this the start no longer listens to anything. */
static void start_complete(ScopeStart *s, int error, const char *message) {
        scope_start_handler_t h = s->handler;

        start_unlink(s);
        s->call_slot = sd_bus_slot_unref(s->call_slot);
        s->timeout_source = sd_event_source_disable_unref(s->timeout_source);
        s->poll_source = sd_event_source_disable_unref(s->poll_source);
        s->handler = NULL;
        if (h)
                h(s, error, message, s->userdata);
}

static int append_properties(sd_bus_message *m, const ScopeStart *s, bool use_pidfd) {
        const ScopeSpec *spec = &s->spec;
        int r;

        r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "(sv)(sv)(sv)", "Description", "s", s->description, "Slice", "s", s->slice,
                                  "CollectMode", "s", "inactive-or-failed");
        if (r < 0)
                return r;
        if (use_pidfd)
                r = sd_bus_message_append(m, "(sv)", "PIDFDs", "ah", 1, spec->pidfd);
        else
                r = sd_bus_message_append(m, "(sv)", "PIDs", "au", 1, (uint32_t) spec->pid);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)",
                                  "MemoryMax", "t", spec->memory_max,
                                  "MemorySwapMax", "t", (uint64_t) 0,
                                  "TasksMax", "t", spec->tasks_max,
                                  "CPUQuotaPerSecUSec", "t", spec->cpu_quota_per_sec_usec);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)",
                                  "CPUAccounting", "b", 1,
                                  "MemoryAccounting", "b", 1,
                                  "TasksAccounting", "b", 1,
                                  "IOAccounting", "b", 1);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

static int send_start(ScopeStart *s);

/* 1 when the process is in the scope's cgroup in every hierarchy, 0 when not (yet), else -errno. */
static int start_pid_in_scope(const ScopeStart *s) {
        CgroupPaths paths;
        int r;

        r = cgroup_paths_read_pid(s->spec.pid, &paths);
        if (r < 0)
                return r;
        return cgroup_paths_in_unit(&paths, s->slice, s->unit);
}

/* systemd says the scope is up: believe it only once the process is seen in the scope's cgroup. */
static void start_done(ScopeStart *s) {
        int r = start_pid_in_scope(s);

        if (r > 0)
                start_complete(s, 0, NULL);
        else
                start_complete(s, r < 0 ? r : -EPERM, "the process is not in the scope's cgroup");
}

static int on_resync_poll(sd_event_source *source, uint64_t usec, void *userdata) {
        ScopeStart *s = userdata;
        int r = start_pid_in_scope(s);

        if (r != 0) {
                start_complete(s, r < 0 ? r : 0, r < 0 ? "cannot read the process's cgroup" : NULL);
                return 0;
        }
        return sd_event_source_set_time_relative(source, RESYNC_POLL_USEC);
}

static int on_start_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ScopeStart *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *path;
        int r;

        s->call_slot = sd_bus_slot_unref(s->call_slot);

        /* The connection went away (systemd re-executing): the answer comes from the resync. */
        if (sd_bus_is_open(sd_bus_message_get_bus(reply)) <= 0)
                return 0;

        if (e) {
                /* Resent after a reconnect, and systemd had it already: wait to see the process in it. */
                if (s->resent && sd_bus_error_has_name(e, "org.freedesktop.systemd1.UnitExists")) {
                        r = sd_event_add_time_relative(s->launcher->event, &s->poll_source, CLOCK_MONOTONIC, 0, 0,
                                                       on_resync_poll, s);
                        if (r < 0)
                                start_complete(s, r, "cannot poll the scope");
                        return 0;
                }
                /* Older systemd answers PropertyReadOnly (or unknown property) for PIDFDs=. */
                if (s->used_pidfd && (sd_bus_error_has_names(e, SD_BUS_ERROR_PROPERTY_READ_ONLY,
                                                             SD_BUS_ERROR_UNKNOWN_PROPERTY,
                                                             SD_BUS_ERROR_INVALID_ARGS))) {
                        s->launcher->pidfds_unsupported = true;
                        r = send_start(s);
                        if (r < 0)
                                start_complete(s, r, "cannot resend StartTransientUnit");
                        return 0;
                }
                start_complete(s, -sd_bus_error_get_errno(e) ?: -EIO, e->message ?: e->name);
                return 0;
        }

        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0) {
                start_complete(s, r, "malformed StartTransientUnit reply");
                return 0;
        }
        s->job_path = strdup(path);
        if (!s->job_path)
                start_complete(s, -ENOMEM, "out of memory");
        return 0;
}

static int send_start(ScopeStart *s) {
        ScopeLauncher *l = s->launcher;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        s->used_pidfd = s->spec.pidfd >= 0 && !l->pidfds_unsupported;

        r = sd_bus_message_new_method_call(l->bus, &m, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                           "StartTransientUnit");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "ss", s->unit, "fail");
        if (r < 0)
                return r;
        r = append_properties(m, s, s->used_pidfd);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r < 0)
                return r;
        return sd_bus_call_async(l->bus, &s->call_slot, m, on_start_reply, s, l->timeout_usec);
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        ScopeLauncher *l = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;

        for (ScopeStart *s = l->starts; s; s = s->next) {
                if (!s->job_path || strcmp(s->job_path, path) != 0)
                        continue;
                if (strcmp(result, "done") == 0)
                        start_done(s);
                else
                        start_complete(s, -EIO, result);
                break;
        }
        return 0;
}

static int on_start_timeout(sd_event_source *source, uint64_t usec, void *userdata) {
        start_complete(userdata, -ETIMEDOUT, "timed out waiting for the scope to start");
        return 0;
}

int scope_launcher_start(ScopeLauncher *l, const ScopeSpec *spec, scope_start_handler_t handler, void *userdata,
                         ScopeStart **ret) {
        _cleanup_(scope_start_freep) ScopeStart *s = NULL;
        int r;

        if (!scope_unit_name_is_valid(spec->unit) || spec->pid <= 0)
                return -EINVAL;

        s = calloc(1, sizeof(ScopeStart));
        if (!s)
                return -ENOMEM;
        s->spec = *spec;
        s->unit = strdup(spec->unit);
        s->slice = strdup(spec->slice);
        s->description = strdup(spec->description ?: "sandrun job");
        if (!s->unit || !s->slice || !s->description)
                return -ENOMEM;
        s->handler = handler;
        s->userdata = userdata;

        /* Linked in first: the reply and JobRemoved find the start through the list. */
        s->launcher = l;
        LIST_PREPEND(l->starts, s);

        /* Without a connection (systemd re-executing) the call goes out once there is one again. */
        if (l->bus) {
                r = send_start(s);
                if (r < 0)
                        return r;
        }
        r = sd_event_add_time_relative(l->event, &s->timeout_source, CLOCK_MONOTONIC, l->timeout_usec, 0,
                                       on_start_timeout, s);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

/* sd-bus calls a reply handler unconditionally, so an async call needs one even when the answer does not
 * matter: a failed throttle leaves the job at its previous limit, bounded by its wall-clock timeout. */
static int on_quota_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        return 0;
}

/* SetUnitProperties(unit, runtime, [(name, t value)]), answered on handler. */
/* SetUnitProperties(unit, runtime, n_props u64 properties given as name, value pairs). */
static int set_properties_u64(ScopeLauncher *l, const char *unit, sd_bus_message_handler_t handler, void *userdata,
                              sd_bus_slot **ret_slot, unsigned n_props, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        if (!l->bus)
                return -ENOTCONN;
        r = sd_bus_message_new_method_call(l->bus, &m, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                           "SetUnitProperties");
        if (r >= 0)
                r = sd_bus_message_append(m, "sb", unit, 1);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        va_start(ap, n_props);
        for (unsigned i = 0; r >= 0 && i < n_props; i++) {
                const char *name = va_arg(ap, const char *);
                uint64_t value = va_arg(ap, uint64_t);
                r = sd_bus_message_append(m, "(sv)", name, "t", value);
        }
        va_end(ap);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_call_async(l->bus, ret_slot, m, handler, userdata, l->timeout_usec);
}

static int set_property_u64(ScopeLauncher *l, const char *unit, const char *name, uint64_t value,
                            sd_bus_message_handler_t handler, void *userdata, sd_bus_slot **ret_slot) {
        return set_properties_u64(l, unit, handler, userdata, ret_slot, 1, name, value);
}

int scope_launcher_set_cpu_quota(ScopeLauncher *l, const char *unit, uint64_t cpu_quota_per_sec_usec,
                                 sd_bus_slot **ret_slot) {
        return set_property_u64(l, unit, "CPUQuotaPerSecUSec", cpu_quota_per_sec_usec, on_quota_reply, NULL,
                                ret_slot);
}

int scope_launcher_set_memory_max(ScopeLauncher *l, const char *unit, uint64_t memory_max,
                                  sd_bus_message_handler_t handler, void *userdata, sd_bus_slot **ret_slot) {
        return set_property_u64(l, unit, "MemoryMax", memory_max, handler, userdata, ret_slot);
}

int scope_launcher_set_limits(ScopeLauncher *l, const char *unit, uint64_t memory_max, uint64_t tasks_max,
                              uint64_t cpu_quota_per_sec_usec, sd_bus_message_handler_t handler, void *userdata,
                              sd_bus_slot **ret_slot) {
        return set_properties_u64(l, unit, handler, userdata, ret_slot, 3, "MemoryMax", memory_max, "TasksMax",
                                  tasks_max, "CPUQuotaPerSecUSec", cpu_quota_per_sec_usec);
}

int scope_launcher_stop(ScopeLauncher *l, const char *unit) {
        if (!l->bus)
                return -ENOTCONN;
        /* Floating: nobody waits for the answer, and a failure (the unit never came to be) is fine. */
        return sd_bus_call_method_async(l->bus, NULL, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER, "StopUnit", NULL,
                                        NULL, "ss", unit, "replace");
}

ScopeLauncher *scope_launcher_free(ScopeLauncher *l) {
        if (!l)
                return NULL;
        while (l->starts)
                start_unlink(l->starts);
        sd_bus_slot_unref(l->job_removed_slot);
        /* Floating calls (StopUnit of what was given up) must reach PID 1 before the connection goes. */
        if (l->bus)
                (void) sd_bus_flush(l->bus);
        sd_bus_unref(l->bus);
        sd_event_unref(l->event);
        free(l);
        return NULL;
}

static int add_job_removed_match(ScopeLauncher *l) {
        /* Synchronous on purpose: the match must be in place before the first scope is started. */
        return sd_bus_match_signal(l->bus, &l->job_removed_slot, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                   "JobRemoved", on_job_removed, l);
}

int scope_launcher_set_bus(ScopeLauncher *l, sd_bus *bus) {
        int r;

        l->job_removed_slot = sd_bus_slot_unref(l->job_removed_slot);
        l->bus = sd_bus_unref(l->bus);
        for (ScopeStart *s = l->starts; s; s = s->next) {
                /* Replies and JobRemoved signals of the old connection are lost; the resync below decides. */
                s->call_slot = sd_bus_slot_unref(s->call_slot);
                free(s->job_path);
                s->job_path = NULL;
        }
        if (!bus)
                return 0;

        l->bus = sd_bus_ref(bus);
        r = add_job_removed_match(l);
        if (r < 0)
                return r;

        /*
         * Each start still waiting: the process may be in its scope already, the scope may exist with its
         * start job still running, or systemd may never have seen the call. Ask again; systemd answers
         * UnitExists for the first two, and then the process's cgroup tells when it is done.
         */
        for (ScopeStart *s = l->starts, *next; s; s = next) {
                next = s->next;
                if (s->poll_source)
                        continue;
                r = start_pid_in_scope(s);
                if (r > 0) {
                        start_complete(s, 0, NULL);
                        continue;
                }
                s->resent = true;
                r = send_start(s);
                if (r < 0)
                        start_complete(s, r, "cannot resend StartTransientUnit");
        }
        return 0;
}

int scope_launcher_new(ScopeLauncher **ret, sd_event *event, sd_bus *bus, uint64_t timeout_usec) {
        _cleanup_(scope_launcher_freep) ScopeLauncher *l = NULL;
        int r;

        l = calloc(1, sizeof(ScopeLauncher));
        if (!l)
                return -ENOMEM;
        l->event = sd_event_ref(event);
        l->bus = sd_bus_ref(bus);
        l->timeout_usec = timeout_usec;

        r = add_job_removed_match(l);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(l);
        return 0;
}

bool scope_launcher_is_connected(ScopeLauncher *l) {
        return l->bus && sd_bus_is_open(l->bus) > 0;
}
