/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The job state machine (queued, running, completed, failed; kept and expired; freed) against a fake
 * runner (fake-runner.c), driven step by step through a real sd-event loop.
 */

#include <fcntl.h>
#include <sys/capability.h>
#include <sys/socket.h>

#include "fake-runner.h"
#include "job.h"
#include "memfd-util.h"
#include "memlock.h"
#include "tests.h"

static sd_event *event;
static Runner *runner;
static JobManager *manager;
static unsigned n_done;
static bool in_handler;
static uint64_t memlock_reserve;

static void setup(unsigned max_running, uint64_t memory_max, uint64_t ttl) {
        JobManagerConfig c = {
                .finished_ttl_usec = ttl,
                .default_cpu_quota = USEC_PER_SEC,
                .memory_max = memory_max,
                .memlock_reserve = memlock_reserve,
        };

        fair_config_init(&c.fair, 1);
        c.fair.max_running = max_running;
        ASSERT_OK(sd_event_new(&event));
        ASSERT_OK(fake_runner_new(&runner));
        ASSERT_OK(job_manager_new(&manager, event, runner, &c));
        n_done = 0;
}

static void teardown(void) {
        manager = job_manager_free(manager);
        ASSERT_EQ(runner_n_jobs(runner), 0);
        runner = runner_free(runner);
        event = sd_event_unref(event);
}

/* Runs whatever the loop has ready now (the deferred start of queued jobs), without waiting. */
static void run_loop(void) {
        for (int i = 0; i < 16; i++)
                ASSERT_OK(sd_event_run(event, 0));
}

static ClientKey client(uint8_t n) {
        return (ClientKey) { .family = AF_INET, .bytes = { 192, 0, 2, n } };
}

/* job_submit() of a shell job of code_size bytes from client c: what it returns, the job in *ret_job. */
static int try_submit(uint8_t c, bool kept, size_t code_size, Job **ret_job, FairRefusal *ret_refusal) {
        char *argv[] = { (char *) "/bin/sh", (char *) "main.sh", NULL };
        _cleanup_free_ char *code = calloc(1, code_size + 1);
        ClientKey k = client(c);

        ASSERT_TRUE(code);
        RunnerJobSpec spec = {
                .argv = argv,
                .code_fd = memfd_new_sealed("code", code, code_size),
                .code_name = "main.sh",
                .stdin_fd = -EBADF,
                .bundle_fd = -EBADF,
                .timeout_usec = USEC_PER_SEC,
        };
        ASSERT_TRUE(spec.code_fd >= 0);
        return job_submit(manager, &spec, "sh", &k, kept, ret_job, ret_refusal);
}

static Job *submit(uint8_t c, bool kept, size_t code_size) {
        FairRefusal refusal;
        Job *j = NULL;

        ASSERT_EQ(try_submit(c, kept, code_size, &j, &refusal), 0);
        return j;
}

static void on_done(Job *j, void *userdata) {
        bool free_it = userdata != NULL;

        /* Never entered from inside another job's handler: finishing does not recurse. */
        ASSERT_TRUE(!in_handler);
        in_handler = true;
        ASSERT_TRUE(job_result(j) != NULL);
        n_done++;
        if (free_it)
                job_free(j);
        in_handler = false;
}

static void finish(Job *j, int exit_code, const char *out) {
        RunnerResult res = { .completed = true, .exit_code = exit_code };

        fake_runner_job_finish(job_runner_job(j), &res, out, NULL);
}

TEST(start_run_complete) {
        setup(2, 0, 0);
        Job *j = submit(1, false, 10);
        job_set_done_handler(j, on_done, NULL);

        /* Capacity: started at once, and the runner got the job's id. */
        ASSERT_EQ(job_status(j), JOB_RUNNING);
        ASSERT_TRUE(job_runner_job(j) == fake_runner_last(runner));
        ASSERT_STREQ(runner_job_id(job_runner_job(j)), job_id(j));
        ASSERT_EQ(job_manager_n_running(manager), 1);
        ASSERT_TRUE(job_result(j) == NULL);

        fake_runner_job_run(job_runner_job(j));
        ASSERT_EQ(job_status(j), JOB_RUNNING);
        ASSERT_EQ(n_done, 0);

        finish(j, 3, "hi\n");
        ASSERT_EQ(job_status(j), JOB_COMPLETED);
        ASSERT_EQ(n_done, 1);
        ASSERT_EQ(job_result(j)->exit_code, 3);
        ASSERT_EQ(job_manager_n_running(manager), 0);
        job_free(j);
        teardown();
}

TEST(queued_jobs_start_in_a_later_step) {
        setup(1, 0, 0);
        Job *a = submit(1, false, 10), *b = submit(2, false, 10);
        job_set_done_handler(a, on_done, (void *) 1);
        job_set_done_handler(b, on_done, (void *) 1);

        ASSERT_EQ(job_status(a), JOB_RUNNING);
        ASSERT_EQ(job_status(b), JOB_QUEUED);
        ASSERT_TRUE(job_runner_job(b) == NULL);
        unsigned position;
        uint64_t eta;
        ASSERT_OK(job_queue_status(b, &position, &eta));
        ASSERT_EQ(position, 0);

        /* A finishes and its handler frees it: B does not start inside that. */
        finish(a, 0, NULL);
        ASSERT_EQ(n_done, 1);
        ASSERT_EQ(job_status(b), JOB_QUEUED);
        ASSERT_EQ(fake_runner_n_started(runner), 1);

        run_loop();
        ASSERT_EQ(job_status(b), JOB_RUNNING);
        ASSERT_EQ(fake_runner_n_started(runner), 2);
        finish(b, 0, NULL);
        ASSERT_EQ(n_done, 2);
        teardown();
}

TEST(launch_failure) {
        setup(2, 0, 0);
        fake_runner_fail_starts(runner, 1, -EMFILE);
        Job *j = submit(1, false, 10);

        /* Failed on the spot: the caller sees it before any handler is set. */
        ASSERT_EQ(job_status(j), JOB_FAILED);
        const RunnerResult *res = job_result(j);
        ASSERT_TRUE(res && !res->completed);
        ASSERT_EQ(res->reason, JOB_REASON_LAUNCH);
        ASSERT_EQ(res->error_errno, EMFILE);
        ASSERT_TRUE(job_runner_job(j) == NULL);
        ASSERT_EQ(job_manager_n_running(manager), 0);
        job_free(j);
        teardown();
}

TEST(failing_starts_of_queued_jobs_do_not_recurse) {
        setup(1, 0, 0);
        Job *a = submit(1, false, 10), *b = submit(2, false, 10), *c = submit(3, false, 10);
        job_set_done_handler(a, on_done, (void *) 1);
        job_set_done_handler(b, on_done, (void *) 1);
        job_set_done_handler(c, on_done, (void *) 1);
        ASSERT_EQ(job_manager_n_queued(manager), 2);

        fake_runner_fail_starts(runner, 2, -ENOMEM);
        finish(a, 0, NULL);
        /* B and C fail to start in the deferred step, each handler on its own. */
        run_loop();
        ASSERT_EQ(n_done, 3);
        ASSERT_EQ(job_manager_n_queued(manager), 0);
        ASSERT_EQ(job_manager_n_running(manager), 0);
        teardown();
}

TEST(freeing_a_running_job_kills_it_and_frees_a_slot) {
        setup(1, 0, 0);
        Job *a = submit(1, false, 10), *b = submit(2, false, 10);
        char id_b[JOB_ID_MAX];
        snprintf(id_b, sizeof(id_b), "%s", job_id(b));

        fake_runner_job_run(job_runner_job(a));
        ASSERT_EQ(runner_n_jobs(runner), 1);
        job_free(a);
        /* Its runner job went with it; B waits for the next step. */
        ASSERT_EQ(runner_n_jobs(runner), 0);
        ASSERT_EQ(job_status(b), JOB_QUEUED);
        run_loop();
        ASSERT_EQ(job_status(b), JOB_RUNNING);
        ASSERT_TRUE(job_manager_find(manager, id_b) == b);
        job_free(b);
        teardown();
}

TEST(kept_jobs_expire) {
        setup(2, 0, 1000);
        Job *j = submit(1, true, 10);
        char id[JOB_ID_MAX];
        snprintf(id, sizeof(id), "%s", job_id(j));
        ASSERT_TRUE(job_is_kept(j));

        finish(j, 0, "out");
        ASSERT_EQ(job_status(j), JOB_COMPLETED);
        ASSERT_TRUE(job_manager_find(manager, id) == j);
        /* The expiry timer (1 ms) frees it. */
        for (int i = 0; i < 100 && job_manager_find(manager, id); i++)
                ASSERT_OK(sd_event_run(event, 10 * USEC_PER_MSEC));
        ASSERT_TRUE(job_manager_find(manager, id) == NULL);
        teardown();
}

static int submit_refused(uint8_t c, size_t code_size, FairRefusal *ret) {
        Job *j = NULL;

        ASSERT_EQ(try_submit(c, true, code_size, &j, ret), 1);
        ASSERT_TRUE(j == NULL);
        return ret->http_status;
}

TEST(held_memory_is_shared_and_results_stay) {
        FairRefusal refusal;
        char id_c[JOB_ID_MAX];

        setup(1, 20000, 0);
        /* Client 3 has a finished result: 4064 bytes of stdout, kept encrypted with a 16-byte tag, and an
         * empty stderr with its tag: 4096 bytes. */
        char result[4065];
        memset(result, 'r', 4064);
        result[4064] = 0;
        Job *c = submit(3, true, 100);
        snprintf(id_c, sizeof(id_c), "%s", job_id(c));
        finish(c, 0, result);
        ASSERT_EQ(job_status(c), JOB_COMPLETED);

        /* Client 1 runs one job and queues two uploads of 4000, client 2 one: 16096 held of 20000. */
        Job *a1 = submit(1, true, 100);
        ASSERT_EQ(job_status(a1), JOB_RUNNING);
        Job *a2 = submit(1, true, 4000), *a3 = submit(1, true, 4000), *b1 = submit(2, true, 4000);
        ASSERT_EQ(job_status(a3), JOB_QUEUED);

        /* No room, and client 2 would pass its share (20000 / 3): refused, nothing dropped. */
        ASSERT_EQ(submit_refused(2, 4000, &refusal), 429);
        ASSERT_TRUE(refusal.retry_after_sec >= 1);
        ASSERT_EQ(job_status(a3), JOB_QUEUED);

        /* A newcomer within its share (20000 / 4) gets in: client 1, most beyond its share, loses its
         * newest queued job, which fails and says why; client 3's result stays. */
        Job *d = submit(4, true, 4000);
        ASSERT_EQ(job_status(d), JOB_QUEUED);
        ASSERT_EQ(job_status(a3), JOB_FAILED);
        ASSERT_TRUE(strstr(job_result(a3)->error, "dropped from the queue"));
        ASSERT_EQ(job_status(a2), JOB_QUEUED);
        ASSERT_EQ(job_status(b1), JOB_QUEUED);
        ASSERT_TRUE(job_manager_find(manager, id_c) == c);
        ASSERT_EQ(job_status(c), JOB_COMPLETED);
        ASSERT_EQ(job_manager_n_queued(manager), 3);

        /* Holds (an upload on its way in) count the same way. */
        JobHold hold = {};
        ClientKey k5 = client(5);
        ASSERT_EQ(job_hold_grow(manager, &hold, &k5, 2000, &refusal), 0);
        ASSERT_EQ(job_hold_grow(manager, &hold, &k5, 5000, &refusal), 1);
        ASSERT_EQ(refusal.http_status, 429);
        ASSERT_EQ(job_status(a2), JOB_QUEUED);
        job_hold_release(&hold);
        job_hold_release(&hold);        /* twice is harmless */
        ASSERT_TRUE(job_manager_find(manager, id_c) == c);

        /* The survivors run in turn. */
        finish(a1, 0, NULL);
        run_loop();
        ASSERT_EQ(job_manager_n_running(manager), 1);
        teardown();
}

TEST(draining_refuses_new_jobs) {
        char *argv[] = { (char *) "/bin/true", NULL };
        int code_fd = memfd_new_sealed("code", "true", 4);
        RunnerJobSpec spec = { .argv = argv, .code_fd = code_fd, .stdin_fd = -EBADF, .bundle_fd = -EBADF };
        ClientKey k = client(1);
        FairRefusal refusal;
        Job *j = NULL;

        setup(1, 0, 0);
        job_manager_set_draining(manager, true);
        ASSERT_EQ(job_manager_admit(manager, &k, &refusal), 1);
        ASSERT_EQ(job_submit(manager, &spec, "sh", &k, false, &j, &refusal), 1);
        ASSERT_EQ(refusal.http_status, 503);
        ASSERT_TRUE(j == NULL);
        /* Refused, the job still took its fds: closed. */
        ASSERT_TRUE(code_fd >= 0 && fcntl(code_fd, F_GETFD) < 0 && errno == EBADF);
        teardown();
}

TEST(short_of_lockable_memory_refuses_new_jobs) {
        char *argv[] = { (char *) "/bin/true", NULL };
        RunnerJobSpec spec = { .argv = argv, .code_fd = -EBADF, .stdin_fd = -EBADF, .bundle_fd = -EBADF };
        ClientKey k = client(1);
        FairRefusal refusal;
        MemlockStatus s;
        Job *j = NULL;
        cap_t caps = cap_get_proc(), saved = cap_dup(caps);
        cap_value_t ipc_lock = CAP_IPC_LOCK;

        /* As root, CAP_IPC_LOCK would lift every limit: out of the effective set for this test. */
        ASSERT_TRUE(caps && saved);
        ASSERT_OK(cap_set_flag(caps, CAP_EFFECTIVE, 1, &ipc_lock, CAP_CLEAR));
        ASSERT_OK(cap_set_proc(caps));
        /* A reserve no limit can hold: every new job is refused, unless nothing limits locked memory. */
        ASSERT_OK(memlock_status_read(&s));
        memlock_reserve = UINT64_MAX;
        setup(1, 0, 0);
        if (s.limit != MEMLOCK_UNLIMITED) {
                ASSERT_EQ(job_manager_admit(manager, &k, &refusal), 1);
                ASSERT_EQ(job_submit(manager, &spec, "sh", &k, false, &j, &refusal), 1);
                ASSERT_EQ(refusal.http_status, 503);
                ASSERT_EQ(refusal.retry_after_sec, 5);
                ASSERT_STREQ(refusal.reason, "this host is out of lockable memory");
                ASSERT_TRUE(j == NULL);
        }
        teardown();
        memlock_reserve = 0;
        ASSERT_OK(cap_set_proc(saved));
        cap_free(caps);
        cap_free(saved);
}

#define WARM_A "0123456789abcdef0123456789abcdef"
#define WARM_B "fedcba9876543210fedcba9876543210"

TEST(only_a_job_whose_id_nobody_saw_takes_a_warm_sandbox) {
        setup(1, 0, 0);
        fake_runner_add_warm(runner, WARM_A);
        fake_runner_add_warm(runner, WARM_B);

        /* Started as it arrived: named after the oldest warm sandbox, which the runner is asked for. */
        Job *a = submit(1, false, 10);
        ASSERT_EQ(job_status(a), JOB_RUNNING);
        ASSERT_STREQ(job_id(a), WARM_A);
        ASSERT_STREQ(runner_job_id(job_runner_job(a)), WARM_A);
        ASSERT_EQ(fake_runner_n_warm(runner), 1);

        /* Queued: its id was handed out with the answer, so it keeps it and runs cold later. */
        Job *b = submit(2, false, 10);
        ASSERT_EQ(job_status(b), JOB_QUEUED);
        char b_id[64];
        snprintf(b_id, sizeof(b_id), "%s", job_id(b));
        ASSERT_TRUE(!streq(b_id, WARM_B));
        finish(a, 0, NULL);
        run_loop();
        ASSERT_EQ(job_status(b), JOB_RUNNING);
        ASSERT_STREQ(job_id(b), b_id);
        ASSERT_STREQ(runner_job_id(job_runner_job(b)), b_id);
        ASSERT_EQ(fake_runner_n_warm(runner), 1);
        finish(b, 0, NULL);
        job_free(a);
        job_free(b);

        /* A compile step needs the larger limit a warm scope was not started with. */
        char *cc[] = { (char *) "/usr/bin/cc", NULL };
        ASSERT_TRUE(!runner_job_spec_fits_warm(&(RunnerJobSpec) { .compile_argv = cc }));
        ASSERT_TRUE(runner_job_spec_fits_warm(&(RunnerJobSpec) { .n_tests = 3 }));
        teardown();
}

#define WARM_C "00112233445566778899aabbccddeeff"

TEST(one_client_leaves_warm_sandboxes_to_others) {
        setup(4, 0, 0);
        fake_runner_add_warm(runner, WARM_A);

        /* Its first job takes the one ready; with one job running, its next may take one only while two
         * are ready, and leaves the last one to another client. */
        Job *a = submit(1, false, 10);
        ASSERT_STREQ(job_id(a), WARM_A);
        fake_runner_add_warm(runner, WARM_B);
        Job *b = submit(1, false, 10);
        ASSERT_EQ(job_status(b), JOB_RUNNING);
        ASSERT_TRUE(!streq(job_id(b), WARM_B));
        Job *c = submit(2, false, 10);
        ASSERT_STREQ(job_id(c), WARM_B);

        /* Two ready, client 1 runs one: its next job takes one, and leaves one. */
        finish(a, 0, NULL);
        fake_runner_add_warm(runner, WARM_C);
        fake_runner_add_warm(runner, WARM_A);   /* any id: the fake only hands them out */
        Job *d = submit(1, false, 10);
        ASSERT_STREQ(job_id(d), WARM_C);
        ASSERT_EQ(fake_runner_n_warm(runner), 1);
        Job *e = submit(3, false, 10);
        ASSERT_STREQ(job_id(e), WARM_A);

        Job *all[] = { b, c, d, e };
        for (size_t i = 0; i < ELEMENTSOF(all); i++) {
                finish(all[i], 0, NULL);
                job_free(all[i]);
        }
        job_free(a);
        teardown();
}

int main(void) {
        RUN(start_run_complete);
        RUN(queued_jobs_start_in_a_later_step);
        RUN(launch_failure);
        RUN(failing_starts_of_queued_jobs_do_not_recurse);
        RUN(freeing_a_running_job_kills_it_and_frees_a_slot);
        RUN(kept_jobs_expire);
        RUN(short_of_lockable_memory_refuses_new_jobs);
        RUN(held_memory_is_shared_and_results_stay);
        RUN(draining_refuses_new_jobs);
        RUN(only_a_job_whose_id_nobody_saw_takes_a_warm_sandbox);
        RUN(one_client_leaves_warm_sandboxes_to_others);
        return 0;
}
