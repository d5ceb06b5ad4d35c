/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>

#include "fair-config.h"
#include "macro.h"
#include "token-bucket.h"

void fair_config_init(FairConfig *ret, unsigned n_cpus) {
        *ret = (FairConfig) {
                .budget_usec = 10 * USEC_PER_SEC,
                .budget_period_usec = 60 * USEC_PER_SEC,
                .min_start_budget_usec = 1 * USEC_PER_SEC,
                .max_running_per_client = 2,
                .max_running = 2 * MAX(n_cpus, 1U),
                .busy_window_usec = 500 * USEC_PER_MSEC,
                .busy_cpu_percent = 10,
                .max_queued_per_client = 16,
                .max_queued = 256,
                .max_clients = 65536,
                .expected_job_usec = 5 * USEC_PER_SEC,
        };
}

int fair_config_validate(const FairConfig *c, const char **ret_reason) {
        const char *reason = NULL;

        if (c->budget_usec == 0 || c->budget_usec > TOKEN_BUCKET_CAPACITY_MAX)
                reason = "budget must be more than zero and at most 12 days";
        else if (c->budget_period_usec == 0 || c->budget_period_usec > TOKEN_BUCKET_PERIOD_MAX)
                reason = "budget period must be more than zero and at most 12 days";
        else if (c->min_start_budget_usec > c->budget_usec)
                reason = "minimum start budget is larger than the budget";
        else if (c->max_running_per_client == 0 || c->max_running_per_client > FAIR_CONFIG_JOBS_MAX)
                reason = "running jobs per client must be 1 to 65536";
        else if (c->max_running == 0 || c->max_running > FAIR_CONFIG_JOBS_MAX)
                reason = "running jobs must be 1 to 65536";
        else if (c->busy_window_usec == 0 || c->busy_window_usec > TOKEN_BUCKET_PERIOD_MAX)
                reason = "busy window must be more than zero and at most 12 days";
        else if (c->busy_cpu_percent == 0 || c->busy_cpu_percent > 100)
                reason = "busy CPU share must be 1 to 100 percent";
        else if (c->max_queued_per_client == 0 || c->max_queued_per_client > FAIR_CONFIG_JOBS_MAX)
                reason = "queued jobs per client must be 1 to 65536";
        else if (c->max_queued == 0 || c->max_queued > FAIR_CONFIG_JOBS_MAX)
                reason = "queued jobs must be 1 to 65536";
        else if (c->max_clients == 0 || c->max_clients > FAIR_CONFIG_CLIENTS_MAX)
                reason = "clients must be 1 to 16777216";
        else if (c->expected_job_usec == 0 || c->expected_job_usec > TOKEN_BUCKET_PERIOD_MAX)
                reason = "expected job time must be more than zero and at most 12 days";

        if (reason) {
                if (ret_reason)
                        *ret_reason = reason;
                return -EINVAL;
        }
        return 0;
}
