/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <string.h>

#include "cgroup-stat.h"
#include "list.h"
#include "log-sink.h"
#include "scope-launcher.h"

/*
 * While a start's outcome is unknown (a reconnect found its unit already there, or its answer was lost while
 * the connection stayed up): how often the init's cgroup is read, and every how many reads systemd is asked
 * what became of the unit (so that a scope that failed or went away ends the start at once, not at its
 * deadline).
 */
#define RESYNC_POLL_USEC (20 * USEC_PER_MSEC)
#define RESYNC_ASK_EVERY 5
/* A unit found gone while its start's outcome was unknown is started anew, this many times at most. */
#define RESYNC_RESENDS_MAX 3

typedef struct ScopeStop ScopeStop;

struct ScopeLauncher {
        sd_event *event;
        sd_bus *bus;
        sd_bus_slot *job_removed_slot;
        uint64_t timeout_usec;
        /* systemd before 255 refuses PIDFDs=; after the first refusal we use PIDs= only. */
        bool pidfds_unsupported;
        ScopeStart *starts;             /* waiting for their start job to finish */
        ScopeStop *stops;               /* not answered yet */
        scope_membership_check_t membership_check;      /* NULL: the process's cgroup */
        void *membership_userdata;
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
        unsigned n_resends;             /* sent anew after its unit was found gone */
        sd_bus_slot *call_slot;
        sd_event_source *timeout_source;
        sd_event_source *poll_source;   /* while the outcome is unknown: see RESYNC_POLL_USEC */
        sd_bus_slot *state_slot;        /* ListUnitsByNames asked while polling */
        unsigned n_polls;
        scope_start_handler_t handler;
        void *userdata;
};

/*
 * StopUnit of a scope given up while it was being started: until systemd answers, for a stop asked for while
 * the connection was down, or lost with it, must go on the next one. Else the scope can come to be around an
 * init already gone, empty from the start, which systemd keeps running forever.
 */
struct ScopeStop {
        ScopeLauncher *launcher;
        ScopeStop *prev, *next;
        sd_bus_slot *slot;
        char unit[];
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
        sd_bus_slot_unref(s->state_slot);
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
        s->state_slot = sd_bus_slot_unref(s->state_slot);
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

        if (s->launcher && s->launcher->membership_check)
                return s->launcher->membership_check(&s->spec, s->launcher->membership_userdata);
        r = cgroup_paths_read_pid(s->spec.pid, &paths);
        if (r < 0)
                return r;
        return cgroup_paths_in_unit(&paths, s->slice, s->unit);
}

/* systemd says the scope is up: believe it only once the process is seen in the scope's cgroup. */
static void start_done(ScopeStart *s) {
        int r = start_pid_in_scope(s);

        if (r > 0) {
                start_complete(s, 0, NULL);
                return;
        }
        log_debug_errno(r, "%s: start job done, but the process is not in the scope's cgroup", s->unit);
        start_complete(s, r < 0 ? r : -EPERM, "the process is not in the scope's cgroup");
}

/* Ends a poll once the process is seen in its scope (1) or its cgroup cannot be read (-errno); 0: go on. */
static int start_poll_check(ScopeStart *s) {
        int r = start_pid_in_scope(s);

        if (r == 0)
                return 0;
        log_debug_errno(r < 0 ? r : 0, "%s: the process is %s after %u polls", s->unit,
                        r > 0 ? "in its scope" : "of unknown cgroup", s->n_polls);
        start_complete(s, r < 0 ? r : 0, r < 0 ? "cannot read the process's cgroup" : NULL);
        return 1;
}

static void start_resend(ScopeStart *s) {
        int r;

        if (s->n_resends++ >= RESYNC_RESENDS_MAX) {
                start_complete(s, -EIO, "the scope keeps going away");
                return;
        }
        s->poll_source = sd_event_source_disable_unref(s->poll_source);
        s->resent = true;
        r = send_start(s);
        if (r < 0)
                start_complete(s, r, "cannot resend StartTransientUnit");
}

static int on_unit_state(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ScopeStart *s = userdata;
        const char *name, *description, *load, *active, *sub, *following, *unit_path, *job_type, *job_path;
        uint32_t job_id;
        int r;

        s->state_slot = sd_bus_slot_unref(s->state_slot);
        if (start_poll_check(s) != 0)
                return 0;
        /* Not known this time (the connection went, or systemd is busy): asked again a few polls on. */
        if (sd_bus_message_is_method_error(reply, NULL)) {
                log_debug("%s: cannot ask systemd about the unit, ignoring: %s", s->unit,
                          sd_bus_message_get_error(reply)->message ?: sd_bus_message_get_error(reply)->name);
                return 0;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        if (r >= 0)
                r = sd_bus_message_read(reply, "(ssssssouso)", &name, &description, &load, &active, &sub,
                                        &following, &unit_path, &job_id, &job_type, &job_path);
        if (r <= 0 || strcmp(name, s->unit) != 0) {
                start_complete(s, r < 0 ? r : -EBADMSG, "malformed ListUnitsByNames reply");
                return 0;
        }
        log_debug("%s: systemd says %s, %s/%s, job %" PRIu32, s->unit, load, active, sub, job_id);

        /*
         * A scope goes active only once its processes are in it: whether ours is, the cgroup says. One that is
         * gone (its start failed, or it was another's, stopped, and collected) is started anew: our process
         * still waits for it. One that failed or is dead without a start job is collected soon
         * (CollectMode=inactive-or-failed), and then gone.
         */
        if (strcmp(active, "active") == 0)
                start_done(s);
        else if (strcmp(load, "not-found") == 0)
                start_resend(s);
        return 0;
}

static int start_ask_unit_state(ScopeStart *s) {
        ScopeLauncher *l = s->launcher;

        if (!l->bus || s->state_slot)
                return 0;
        return sd_bus_call_method_async(l->bus, &s->state_slot, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                        "ListUnitsByNames", on_unit_state, s, "as", 1, s->unit);
}

static int on_resync_poll(sd_event_source *source, uint64_t usec, void *userdata) {
        ScopeStart *s = userdata;
        int r;

        if (start_poll_check(s) != 0)
                return 0;
        if (s->n_polls++ % RESYNC_ASK_EVERY == 0) {
                r = start_ask_unit_state(s);
                if (r < 0)
                        log_debug_errno(r, "%s: cannot ask systemd about the unit, ignoring", s->unit);
        }
        /* A time source is one-shot: it fires again only once enabled again. */
        r = sd_event_source_set_time_relative(source, RESYNC_POLL_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
        if (r < 0)
                start_complete(s, r, "cannot poll the scope");
        return 0;
}

/* Finds out what became of the start from the process's cgroup and systemd's view of the unit; the start's
 * deadline still holds. */
static void start_poll(ScopeStart *s) {
        int r;

        if (s->poll_source)
                return;
        /* With an explicit accuracy: sd-event's default (250 ms) would make each poll up to that late. */
        r = sd_event_add_time_relative(s->launcher->event, &s->poll_source, CLOCK_MONOTONIC, 0,
                                       RESYNC_POLL_USEC / 4, on_resync_poll, s);
        if (r < 0)
                start_complete(s, r, "cannot poll the scope");
}

static int on_start_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ScopeStart *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *path;
        int r;

        s->call_slot = sd_bus_slot_unref(s->call_slot);
        log_debug("%s: StartTransientUnit answered %s%s", s->unit, e ? e->name : "ok",
                  sd_bus_is_open(sd_bus_message_get_bus(reply)) > 0 ? "" : " (connection closing)");

        /* The connection went away (systemd re-executing): the answer comes from the resync. */
        if (sd_bus_is_open(sd_bus_message_get_bus(reply)) <= 0)
                return 0;

        if (e) {
                /* Resent after a reconnect, and systemd had it already: wait to see the process in it. Or no
                 * answer came in time though the connection is up: systemd may have started the scope, or
                 * may still. Either way the cgroup and systemd's view of the unit tell. */
                if ((s->resent && sd_bus_error_has_name(e, "org.freedesktop.systemd1.UnitExists")) ||
                    sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT)) {
                        start_poll(s);
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
        free(s->job_path);
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
        log_debug("%s: sending StartTransientUnit%s", s->unit,
                  s->n_resends > 0 ? " anew, its unit went away" : s->resent ? " again, after a reconnect" : "");

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
                log_debug("%s: start job %s removed: %s", s->unit, path, result);
                if (strcmp(result, "done") == 0)
                        start_done(s);
                else
                        start_complete(s, -EIO, result);
                break;
        }
        return 0;
}

static int on_start_timeout(sd_event_source *source, uint64_t usec, void *userdata) {
        ScopeStart *s = userdata;
        int r = start_pid_in_scope(s);

        log_debug("%s: start timed out (call %s, job %s, resent %s, polling %s, in scope %d)", s->unit,
                  s->call_slot ? "pending" : "answered", s->job_path ?: "none", s->resent ? "yes" : "no",
                  s->poll_source ? "yes" : "no", r);
        /* What counts is that the process is in its scope, whatever became of systemd's answers. */
        if (r > 0)
                start_complete(s, 0, NULL);
        else
                start_complete(s, -ETIMEDOUT, "timed out waiting for the scope to start");
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

static ScopeStop *stop_free(ScopeStop *st) {
        if (!st)
                return NULL;
        LIST_REMOVE(st->launcher->stops, st);
        sd_bus_slot_unref(st->slot);
        free(st);
        return NULL;
}

static int on_stop_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ScopeStop *st = userdata;

        st->slot = sd_bus_slot_unref(st->slot);
        /* Lost with the connection: it goes again on the next. Any answer ends it, an error too (NoSuchUnit:
         * the scope never came to be). */
        if (sd_bus_is_open(sd_bus_message_get_bus(reply)) <= 0)
                return 0;
        log_debug("%s: StopUnit answered %s", st->unit,
                  sd_bus_message_is_method_error(reply, NULL) ? sd_bus_message_get_error(reply)->name : "ok");
        stop_free(st);
        return 0;
}

static int stop_send(ScopeStop *st) {
        ScopeLauncher *l = st->launcher;

        if (!l->bus || sd_bus_is_open(l->bus) <= 0)
                return 0;
        return sd_bus_call_method_async(l->bus, &st->slot, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER, "StopUnit",
                                        on_stop_reply, st, "ss", st->unit, "replace");
}

int scope_launcher_stop(ScopeLauncher *l, const char *unit) {
        size_t n = strlen(unit);
        ScopeStop *st;
        int r;

        if (!scope_unit_name_is_valid(unit))
                return -EINVAL;
        st = calloc(1, sizeof(ScopeStop) + n + 1);
        if (!st)
                return -ENOMEM;
        memcpy(st->unit, unit, n + 1);
        st->launcher = l;
        LIST_PREPEND(l->stops, st);
        r = stop_send(st);
        if (r < 0)
                stop_free(st);
        return r;
}

ScopeLauncher *scope_launcher_free(ScopeLauncher *l) {
        if (!l)
                return NULL;
        while (l->starts)
                start_unlink(l->starts);
        /* Their calls stay queued: freeing a slot only drops the wait for the answer. */
        while (l->stops)
                stop_free(l->stops);
        sd_bus_slot_unref(l->job_removed_slot);
        /* Queued calls (StopUnit of what was given up) must reach PID 1 before the connection goes. */
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
                s->state_slot = sd_bus_slot_unref(s->state_slot);
                free(s->job_path);
                s->job_path = NULL;
        }
        for (ScopeStop *st = l->stops; st; st = st->next)
                st->slot = sd_bus_slot_unref(st->slot);
        if (!bus)
                return 0;

        l->bus = sd_bus_ref(bus);
        r = add_job_removed_match(l);
        if (r < 0)
                return r;

        /* Stops first: a start sent after one of the same name finds the old unit going, then gone. */
        for (ScopeStop *st = l->stops, *next; st; st = next) {
                next = st->next;
                log_debug("%s: sending StopUnit again, after a reconnect", st->unit);
                r = stop_send(st);
                if (r < 0) {
                        log_debug_errno(r, "Cannot stop %s after a reconnect, ignoring", st->unit);
                        stop_free(st);
                }
        }

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
                log_debug("%s: resync after reconnect: in scope %d", s->unit, r);
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

void scope_launcher_set_membership_check(ScopeLauncher *l, scope_membership_check_t check, void *userdata) {
        l->membership_check = check;
        l->membership_userdata = userdata;
}

bool scope_launcher_is_connected(ScopeLauncher *l) {
        return l->bus && sd_bus_is_open(l->bus) > 0;
}
