/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "macro.h"
#include "warm-pool.h"

void warm_pool_init(WarmPool *p, const WarmPoolConfig *config, uint64_t now_usec) {
        assert(config->min <= config->max);
        *p = (WarmPool) {
                .config = *config,
                .target = config->min,
                .last_change_usec = now_usec,
        };
}

bool warm_pool_enabled(const WarmPool *p) {
        return p->config.max > 0;
}

void warm_pool_tick(WarmPool *p, uint64_t now_usec) {
        if (p->target > p->config.min && now_usec >= p->last_change_usec + p->config.shrink_after_usec) {
                p->target--;
                p->last_change_usec = now_usec;
        }
}

WarmPoolAction warm_pool_next(const WarmPool *p, uint64_t now_usec, uint64_t *ret_wake_usec) {
        *ret_wake_usec = 0;
        if (!warm_pool_enabled(p))
                return WARM_POOL_WAIT;
        if (p->ready > p->target)
                return WARM_POOL_DISCARD;
        if (p->ready + p->starting < p->target) {
                /* The next waits for PID 1 to have finished one of those in flight. */
                if (p->starting >= MAX(p->config.max_starting, 1U))
                        return WARM_POOL_WAIT;
                /* Under load: one at a time, and only once none is left, so that the pool takes no more
                 * starts from PID 1 than the jobs would have taken on the cold path. */
                if (warm_pool_loaded(p) && (p->ready > 0 || p->starting > 0)) {
                        /* A start that ends, or a job that ends, looks again; this only in case. */
                        if (p->starting == 0 && p->config.load_recheck_usec > 0)
                                *ret_wake_usec = now_usec + p->config.load_recheck_usec;
                        return WARM_POOL_WAIT;
                }
                if (p->last_start_usec > 0 && now_usec < p->last_start_usec + p->config.refill_interval_usec) {
                        *ret_wake_usec = p->last_start_usec + p->config.refill_interval_usec;
                        return WARM_POOL_WAIT;
                }
                /* A job just took one and another is ready for the next: the replacement waits until no
                 * job runs, so that its spawn and its scope start do not run beside a short job (a long one
                 * waits for it only so long), and then a little more, so that they do not run beside the
                 * answer to that job either. */
                if (p->ready > 0 && p->last_take_usec > 0 &&
                    now_usec < p->last_take_usec + p->config.refill_delay_usec) {
                        if (p->running > 0) {
                                *ret_wake_usec = p->last_take_usec + p->config.refill_delay_usec;
                                return WARM_POOL_WAIT;
                        }
                        if (now_usec < p->idle_since_usec + p->config.refill_settle_usec) {
                                *ret_wake_usec = p->idle_since_usec + p->config.refill_settle_usec;
                                return WARM_POOL_WAIT;
                        }
                }
                /* Whatever made the last one fail likely makes the next fail too: not in a tight loop. */
                if (p->failed_usec > 0 && now_usec < p->failed_usec + p->config.retry_after_usec) {
                        *ret_wake_usec = p->failed_usec + p->config.retry_after_usec;
                        return WARM_POOL_WAIT;
                }
                return WARM_POOL_START;
        }
        /* Full: the next look is when the target may shrink. */
        if (p->target > p->config.min)
                *ret_wake_usec = p->last_change_usec + p->config.shrink_after_usec;
        return WARM_POOL_WAIT;
}

void warm_pool_set_running(WarmPool *p, unsigned running, uint64_t now_usec) {
        if (running == 0 && p->running > 0)
                p->idle_since_usec = now_usec;
        p->running = running;
}

bool warm_pool_loaded(const WarmPool *p) {
        return p->config.busy_max > 0 && p->running >= p->config.busy_max;
}

void warm_pool_started(WarmPool *p, uint64_t now_usec) {
        p->starting++;
        p->last_start_usec = now_usec;
}

void warm_pool_start_done(WarmPool *p, bool ok, uint64_t now_usec) {
        assert(p->starting > 0);
        p->starting--;
        if (ok)
                p->ready++;
        p->failed_usec = ok ? 0 : MAX(now_usec, 1U);
}

void warm_pool_took(WarmPool *p, bool hit, uint64_t now_usec) {
        if (hit) {
                assert(p->ready > 0);
                p->ready--;
                p->last_take_usec = MAX(now_usec, 1U);
                return;
        }
        if (p->target < p->config.max)
                p->target++;
        p->last_change_usec = now_usec;
}

void warm_pool_discarded(WarmPool *p) {
        assert(p->ready > 0);
        p->ready--;
}

void warm_pool_reset(WarmPool *p) {
        p->ready = p->starting = 0;
        p->failed_usec = 0;
}
