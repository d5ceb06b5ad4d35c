/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <arpa/inet.h>
#include <netinet/in.h>

#include "parse-util.h"
#include "tests.h"

TEST(sizes) {
        uint64_t v;
        ASSERT_OK(parse_size("512M", &v));
        ASSERT_EQ(v, 512ULL << 20);
        ASSERT_OK(parse_size("1G", &v));
        ASSERT_EQ(v, 1ULL << 30);
        ASSERT_OK(parse_size("1.5K", &v));
        ASSERT_EQ(v, 1536);
        ASSERT_OK(parse_size("4096", &v));
        ASSERT_EQ(v, 4096);
        ASSERT_ERROR(parse_size("", &v), EINVAL);
        ASSERT_ERROR(parse_size("-1M", &v), EINVAL);
        ASSERT_ERROR(parse_size("1X", &v), EINVAL);
        ASSERT_ERROR(parse_size("nan", &v), EINVAL);
        ASSERT_ERROR(parse_size("inf", &v), EINVAL);
        ASSERT_ERROR(parse_size("99999999999T", &v), ERANGE);
        ASSERT_ERROR(parse_size(NULL, &v), EINVAL);
}

TEST(durations) {
        uint64_t v;
        ASSERT_OK(parse_duration("300", &v));
        ASSERT_EQ(v, 300 * USEC_PER_SEC);
        ASSERT_OK(parse_duration("5m", &v));
        ASSERT_EQ(v, 300 * USEC_PER_SEC);
        ASSERT_OK(parse_duration("250ms", &v));
        ASSERT_EQ(v, 250 * USEC_PER_MSEC);
        ASSERT_OK(parse_duration("1.5s", &v));
        ASSERT_EQ(v, 1500 * USEC_PER_MSEC);
        ASSERT_ERROR(parse_duration("5 s", &v), EINVAL);
        ASSERT_ERROR(parse_duration("1e30", &v), ERANGE);
}

TEST(cpu_quota) {
        uint64_t v;
        ASSERT_OK(parse_cpu_quota("100%", &v));
        ASSERT_EQ(v, USEC_PER_SEC);
        ASSERT_OK(parse_cpu_quota("1.5", &v));
        ASSERT_EQ(v, 1500000);
        ASSERT_ERROR(parse_cpu_quota("0%", &v), ERANGE);
        ASSERT_ERROR(parse_cpu_quota("100%%", &v), EINVAL);
}

TEST(uints) {
        uint64_t v;
        ASSERT_OK(parse_uint("64", 1, 100, &v));
        ASSERT_EQ(v, 64);
        ASSERT_ERROR(parse_uint("0", 1, 100, &v), ERANGE);
        ASSERT_ERROR(parse_uint("101", 1, 100, &v), ERANGE);
        ASSERT_ERROR(parse_uint("-1", 0, 100, &v), EINVAL);
        ASSERT_ERROR(parse_uint("12a", 0, 100, &v), EINVAL);
        ASSERT_ERROR(parse_uint("99999999999999999999999", 0, UINT64_MAX, &v), EINVAL);
}

TEST(listen) {
        struct sockaddr_storage ss;
        socklen_t len;
        ASSERT_OK(parse_listen_address("127.0.0.1:8443", &ss, &len));
        ASSERT_EQ(ss.ss_family, AF_INET);
        ASSERT_EQ(ntohs(((struct sockaddr_in *) &ss)->sin_port), 8443);
        ASSERT_TRUE(sockaddr_is_loopback((struct sockaddr *) &ss));
        ASSERT_OK(parse_listen_address("[::1]:443", &ss, &len));
        ASSERT_EQ(ss.ss_family, AF_INET6);
        ASSERT_TRUE(sockaddr_is_loopback((struct sockaddr *) &ss));
        ASSERT_OK(parse_listen_address("0.0.0.0:80", &ss, &len));
        ASSERT_TRUE(!sockaddr_is_loopback((struct sockaddr *) &ss));
        ASSERT_OK(parse_listen_address("[::ffff:127.0.0.2]:80", &ss, &len));
        ASSERT_TRUE(sockaddr_is_loopback((struct sockaddr *) &ss));
        ASSERT_ERROR(parse_listen_address("127.0.0.1", &ss, &len), EINVAL);
        ASSERT_ERROR(parse_listen_address("127.0.0.1:0", &ss, &len), EINVAL);
        ASSERT_ERROR(parse_listen_address("127.0.0.1:65536", &ss, &len), EINVAL);
        ASSERT_ERROR(parse_listen_address("localhost:80", &ss, &len), EINVAL);
        ASSERT_ERROR(parse_listen_address("[::1:80", &ss, &len), EINVAL);
}

TEST(job_limits) {
        uint64_t v;

        ASSERT_OK(parse_job_memory_max("8M", &v));
        ASSERT_EQ(v, UINT64_C(8) << 20);
        ASSERT_ERROR(parse_job_memory_max("8388607", &v), ERANGE);
        ASSERT_ERROR(parse_job_memory_max("8X", &v), EINVAL);
        ASSERT_OK(parse_job_tasks_max("4", &v));
        ASSERT_EQ(v, 4u);
        ASSERT_ERROR(parse_job_tasks_max("3", &v), ERANGE);
        ASSERT_ERROR(parse_job_tasks_max("1048577", &v), ERANGE);
        ASSERT_OK(parse_job_timeout("100ms", &v));
        ASSERT_EQ(v, USEC_PER_SEC / 10);
        ASSERT_ERROR(parse_job_timeout("99ms", &v), ERANGE);
        ASSERT_ERROR(parse_job_timeout("soon", &v), EINVAL);
}

int main(void) {
        RUN(sizes);
        RUN(durations);
        RUN(cpu_quota);
        RUN(uints);
        RUN(listen);
        RUN(job_limits);
        return 0;
}
