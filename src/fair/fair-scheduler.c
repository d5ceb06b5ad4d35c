/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>

#include "fair-scheduler.h"
#include "share.h"

struct FairScheduler {
        FairConfig config;
        ClientTable *clients;
        FairQueue queue;
        unsigned n_running;
        unsigned n_busy;                /* running jobs holding a slot */
        uint64_t running_memory;        /* memory_max of the running jobs together */
        uint64_t running_held;          /* held_reserve of the running jobs together */
        uint64_t job_usec_estimate;     /* running average of finished jobs' wall time */
        fair_job_handler_t drop_handler;
        void *drop_userdata;
};

/* New jobs teach the running average this share (1/8) of their duration. */
#define JOB_ESTIMATE_WEIGHT 8

int fair_scheduler_new(
                FairScheduler **ret,
                const FairConfig *config,
                const uint8_t hash_key[static SIPHASH24_KEY_SIZE]) {

        _cleanup_(fair_scheduler_freep) FairScheduler *s = NULL;
        int r;

        r = fair_config_validate(config, NULL);
        if (r < 0)
                return r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->config = *config;
        s->job_usec_estimate = config->expected_job_usec;

        r = client_table_new(&s->clients, config->max_clients, config->budget_usec,
                             config->budget_period_usec, hash_key);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

FairScheduler *fair_scheduler_free(FairScheduler *s) {
        if (!s)
                return NULL;
        client_table_free(s->clients);
        free(s);
        return NULL;
}

/* The level a client's bucket needs before one of its jobs may start: at least the configured
 * minimum and always above zero. */
static int64_t start_level(const FairScheduler *s) {
        return MAX((int64_t) s->config.min_start_budget_usec, INT64_C(1));
}

static uint64_t saturating_add(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Waves of `slots` starts, each taking about one job duration, until `ahead` jobs have gone and one
 * of `n_free` slots is ours. */
static uint64_t usec_until_slot(const FairScheduler *s, unsigned ahead, unsigned n_free, unsigned slots) {
        if (ahead < n_free)
                return 0;
        uint64_t waves = (ahead - n_free) / slots + 1;
        return waves > UINT64_MAX / s->job_usec_estimate ? UINT64_MAX : waves * s->job_usec_estimate;
}

static unsigned free_slots(unsigned used, unsigned max) {
        return used < max ? max - used : 0;
}

static bool client_may_start(FairScheduler *s, FairClient *c, uint64_t now) {
        return c->n_running < s->config.max_running_per_client &&
                token_bucket_level(&c->bucket, now) >= start_level(s);
}

/* used + more <= max, or no bound (0). */
static bool within(uint64_t used, uint64_t more, uint64_t max) {
        return max == 0 || (used <= max && more <= max - used);
}

/* Whether a job's MemoryMax, and what the daemon may hold for it, fit beside the running jobs'; the first
 * job always does, or a job bigger than a bound could never run. */
static bool memory_fits(const FairScheduler *s, const FairJob *job) {
        return s->n_running == 0 ||
                (within(s->running_memory, job->memory_max, s->config.running_memory_max) &&
                 within(s->running_held, job->held_reserve, s->config.running_held_max));
}

typedef struct EligibleContext {
        FairScheduler *scheduler;
        uint64_t now;
} EligibleContext;

static bool slot_is_eligible(FairQueueSlot *slot, void *userdata) {
        EligibleContext *ctx = userdata;
        return client_may_start(ctx->scheduler, slot->owner, ctx->now) &&
                memory_fits(ctx->scheduler, slot->head->owner);
}

static void refuse(FairRefusal *ret, unsigned http_status, uint64_t retry_after_usec, const char *reason) {
        uint64_t sec = retry_after_usec / USEC_PER_SEC + (retry_after_usec % USEC_PER_SEC > 0);

        *ret = (FairRefusal) {
                .http_status = http_status,
                .retry_after_sec = CLAMP(sec, UINT64_C(1), FAIR_RETRY_AFTER_MAX_SEC),
                .reason = reason,
        };
}

/* How the queue's places are shared when one more job of c (NULL: a client not in the table) is asked
 * for: SHARE_RECLAIM names the slot to take the newest job of in *ret_victim. */
static int decide_queue_share(FairScheduler *s, FairClient *c, FairQueueSlot **ret_victim) {
        _cleanup_free_ ShareUse *users = NULL;
        _cleanup_free_ FairQueueSlot **slots = NULL;
        size_t n = 0, requester = SIZE_MAX, victim;

        users = calloc(s->queue.n_slots + 1, sizeof(ShareUse));
        slots = calloc(s->queue.n_slots + 1, sizeof(FairQueueSlot *));
        if (!users || !slots)
                return -ENOMEM;
        for (FairQueueSlot *slot = s->queue.slots; slot; slot = slot->next) {
                if (c && slot == &c->queue)
                        requester = n;
                slots[n] = slot;
                users[n++] = (ShareUse) { .used = slot->n_queued, .reclaimable = slot->n_queued > 0 };
        }
        if (requester == SIZE_MAX) {
                requester = n;
                users[n++] = (ShareUse) {};
        }

        ShareDecision d = share_decide(users, n, requester, 1, s->config.max_queued, &victim);
        if (d == SHARE_RECLAIM)
                *ret_victim = slots[victim];
        return d;
}

/* c is NULL for a client not in the table. Returns 0 or 1 like fair_scheduler_admit(). */
static int check_admission(FairScheduler *s, FairClient *c, uint64_t now, FairRefusal *ret_refusal) {
        const FairConfig *cfg = &s->config;

        if (c && c->queue.n_queued >= cfg->max_queued_per_client) {
                /* A place in its queue frees when one of its jobs can start: enough budget, one of its
                 * own running slots and one of the server's. */
                uint64_t wait = token_bucket_usec_until(&c->bucket, start_level(s), now);
                if (c->n_running >= cfg->max_running_per_client || s->n_busy >= cfg->max_running)
                        wait = MAX(wait, s->job_usec_estimate);
                refuse(ret_refusal, 429, wait,
                       "too many queued jobs from your address; retry when some have started");
                return 1;
        }

        if (s->queue.n_queued >= cfg->max_queued) {
                FairQueueSlot *victim;
                int d = decide_queue_share(s, c, &victim);
                if (d < 0)
                        return d;
                if (d == SHARE_RECLAIM)
                        return 0;
                /* With all slots busy, some job ends every estimate / max_running on average. */
                refuse(ret_refusal, 503, s->job_usec_estimate / cfg->max_running,
                       "the server's job queue is full");
                return 1;
        }

        if (!c) {
                uint64_t wait = client_table_usec_until_room(s->clients, now);
                if (wait > 0) {
                        refuse(ret_refusal, 503, wait == UINT64_MAX ? s->job_usec_estimate : wait,
                               "the server is serving too many clients");
                        return 1;
                }
        }

        return 0;
}

int fair_scheduler_admit(FairScheduler *s, const ClientKey *key, uint64_t now, FairRefusal *ret_refusal) {
        return check_admission(s, client_table_get(s->clients, key), now, ret_refusal);
}

/* Takes the newest job of slot out of the queue and tells the daemon. */
static void drop_newest(FairScheduler *s, FairQueueSlot *slot, uint64_t now) {
        FairJob *job = slot->tail->owner;
        FairClient *owner = job->client;

        fair_queue_remove(&s->queue, &job->entry);
        job->state = FAIR_JOB_DONE;
        job->client = NULL;
        client_table_update(s->clients, owner, now);
        if (s->drop_handler)
                s->drop_handler(job, s->drop_userdata);
}

int fair_scheduler_enqueue(
                FairScheduler *s,
                const ClientKey *key,
                FairJob *job,
                void *userdata,
                uint64_t now,
                FairRefusal *ret_refusal) {

        FairClient *c;
        int r;

        if (job->state != FAIR_JOB_NEW)
                return -EBUSY;

        r = check_admission(s, client_table_get(s->clients, key), now, ret_refusal);
        if (r != 0)
                return r;

        r = client_table_acquire(s->clients, key, now, &c);
        if (r == -ENOSPC) {
                /* check_admission() found room, so this cannot happen; stay correct anyway. */
                refuse(ret_refusal, 503, s->job_usec_estimate, "the server is serving too many clients");
                return 1;
        }
        if (r < 0)
                return r;

        /* The queue is full but c is within its share: the client most beyond its own gives back its
         * newest queued job. check_admission() found one, so the loop ends after one turn. */
        while (s->queue.n_queued >= s->config.max_queued) {
                FairQueueSlot *victim;
                r = decide_queue_share(s, c, &victim);
                if (r < 0)
                        return r;
                if (r != SHARE_RECLAIM) {
                        refuse(ret_refusal, 503, s->job_usec_estimate / s->config.max_running,
                               "the server's job queue is full");
                        return 1;
                }
                drop_newest(s, victim, now);
        }

        job->client = c;
        job->userdata = userdata;
        job->state = FAIR_JOB_QUEUED;
        fair_queue_push(&s->queue, &c->queue, &job->entry, job);
        client_table_update(s->clients, c, now);
        return 0;
}

void fair_scheduler_set_drop_handler(FairScheduler *s, fair_job_handler_t handler, void *userdata) {
        s->drop_handler = handler;
        s->drop_userdata = userdata;
}

int fair_scheduler_start_next(FairScheduler *s, uint64_t now, FairJob **ret) {
        EligibleContext ctx = { .scheduler = s, .now = now };
        FairQueueEntry *entry;

        if (s->n_busy >= s->config.max_running)
                return 0;

        entry = fair_queue_pick(&s->queue, slot_is_eligible, &ctx);
        if (!entry)
                return 0;

        /* Busy until its first window shows otherwise: nobody knows yet what it will do. */
        FairJob *job = entry->owner;
        job->state = FAIR_JOB_RUNNING;
        job->started_usec = job->window_start_usec = now;
        job->window_cpu_usec = 0;
        job->busy = true;
        job->client->n_running++;
        s->n_running++;
        s->n_busy++;
        s->running_memory += job->memory_max;
        s->running_held += job->held_reserve;
        client_table_update(s->clients, job->client, now);

        *ret = job;
        return 1;
}

int fair_scheduler_charge(FairScheduler *s, FairJob *job, uint64_t cpu_usec, uint64_t now) {
        if (job->state != FAIR_JOB_RUNNING)
                return -EINVAL;

        token_bucket_charge(&job->client->bucket, cpu_usec, now);
        client_table_update(s->clients, job->client, now);

        job->window_cpu_usec = job->window_cpu_usec > UINT64_MAX - cpu_usec ? UINT64_MAX :
                job->window_cpu_usec + cpu_usec;
        if (now < job->window_start_usec || now - job->window_start_usec < s->config.busy_window_usec)
                return 0;

        /* cpu / wall >= percent / 100, without dividing; both sides stay far below 2^64 for windows
         * under TOKEN_BUCKET_PERIOD_MAX, the CPU side is clamped there. */
        uint64_t wall = now - job->window_start_usec;
        bool busy = MIN(job->window_cpu_usec, TOKEN_BUCKET_PERIOD_MAX) * 100 >=
                MIN(wall, TOKEN_BUCKET_PERIOD_MAX) * s->config.busy_cpu_percent;
        if (busy != job->busy) {
                if (busy)
                        s->n_busy++;
                else
                        s->n_busy--;
                job->busy = busy;
        }
        job->window_start_usec = now;
        job->window_cpu_usec = 0;
        return 0;
}

int fair_scheduler_finish(FairScheduler *s, FairJob *job, uint64_t cpu_usec, uint64_t now) {
        FairClient *c = job->client;

        if (job->state != FAIR_JOB_RUNNING)
                return -EINVAL;

        token_bucket_charge(&c->bucket, cpu_usec, now);
        c->n_running--;
        s->n_running--;
        if (job->busy)
                s->n_busy--;
        job->busy = false;
        s->running_memory -= job->memory_max;
        s->running_held -= job->held_reserve;

        uint64_t duration = now > job->started_usec ? now - job->started_usec : 0;
        s->job_usec_estimate = s->job_usec_estimate - s->job_usec_estimate / JOB_ESTIMATE_WEIGHT +
                MIN(duration, TOKEN_BUCKET_PERIOD_MAX) / JOB_ESTIMATE_WEIGHT;
        /* An estimate of zero would promise instant starts and divide Retry-After down to nothing. */
        s->job_usec_estimate = MAX(s->job_usec_estimate, USEC_PER_MSEC);

        job->state = FAIR_JOB_DONE;
        job->client = NULL;
        client_table_update(s->clients, c, now);
        return 0;
}

int fair_scheduler_cancel(FairScheduler *s, FairJob *job, uint64_t now) {
        FairClient *c = job->client;

        if (job->state != FAIR_JOB_QUEUED)
                return -EINVAL;

        fair_queue_remove(&s->queue, &job->entry);
        job->state = FAIR_JOB_DONE;
        job->client = NULL;
        client_table_update(s->clients, c, now);
        return 0;
}

int fair_scheduler_quota(FairScheduler *s, FairJob *job, uint64_t now, uint64_t *ret_usec_per_sec) {
        FairClient *c = job->client;

        if (job->state != FAIR_JOB_RUNNING)
                return -EINVAL;

        int64_t level = token_bucket_level(&c->bucket, now);
        *ret_usec_per_sec = fair_quota_decide(&s->config, level, c->n_running, c->throttled, &c->throttled);
        return 0;
}

int64_t fair_scheduler_budget_remaining(FairScheduler *s, const ClientKey *key, uint64_t now) {
        FairClient *c = client_table_get(s->clients, key);

        if (!c)
                return (int64_t) s->config.budget_usec;
        return token_bucket_level(&c->bucket, now);
}

int fair_scheduler_job_status(FairScheduler *s, const FairJob *job, uint64_t now, FairJobStatus *ret) {
        const FairConfig *cfg = &s->config;
        unsigned position, index;
        int r;

        if (job->state != FAIR_JOB_QUEUED)
                return -ENOENT;

        r = fair_queue_position(&s->queue, &job->entry, &position, &index);
        if (r < 0)
                return r;

        /* The latest of: the server having a slot after `position` other starts, the client having one
         * of its own slots after `index` of its own jobs, and its budget refilling to the start level
         * (ignoring what its earlier jobs will cost, which nobody knows yet). */
        FairClient *c = job->client;
        uint64_t wait = usec_until_slot(s, position, free_slots(s->n_busy, cfg->max_running),
                                        cfg->max_running);
        wait = MAX(wait, usec_until_slot(s, index, free_slots(c->n_running, cfg->max_running_per_client),
                                         cfg->max_running_per_client));
        wait = MAX(wait, token_bucket_usec_until(&c->bucket, start_level(s), now));

        *ret = (FairJobStatus) {
                .queue_position = position,
                .estimated_start_usec = saturating_add(now, wait),
        };
        return 0;
}

uint64_t fair_scheduler_next_wakeup(FairScheduler *s, uint64_t now) {
        uint64_t earliest = UINT64_MAX;

        for (FairQueueSlot *slot = s->queue.slots; slot; slot = slot->next) {
                FairClient *c = slot->owner;

                /* Clients at their running cap wake up when a job of theirs finishes, not by time. */
                if (c->n_running >= s->config.max_running_per_client)
                        continue;

                uint64_t wait = token_bucket_usec_until(&c->bucket, start_level(s), now);
                if (wait > 0 && wait != UINT64_MAX)
                        earliest = MIN(earliest, saturating_add(now, wait));
        }

        return earliest;
}

size_t fair_scheduler_evict_idle(FairScheduler *s, uint64_t now) {
        return client_table_evict_idle(s->clients, now);
}

void fair_scheduler_get_stats(const FairScheduler *s, FairStats *ret) {
        *ret = (FairStats) {
                .n_running = s->n_running,
                .n_busy = s->n_busy,
                .running_memory = s->running_memory,
                .running_held = s->running_held,
                .n_queued = s->queue.n_queued,
                .n_clients = client_table_size(s->clients),
                .job_usec_estimate = s->job_usec_estimate,
        };
}
