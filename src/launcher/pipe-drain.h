/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Reading a job's output pipes from the event loop without letting the job hold it. A job can keep its
 * pipe full for as long as it runs (vmsplice() refills it at memory speed), so each dispatch reads a bounded
 * amount and returns; the pipe, still readable, is dispatched again on a later iteration. The pipes'
 * sources sit at the loop's normal priority, with HTTP and the runner's protocol, and sd-event dispatches
 * the pending sources of one priority oldest first: they take turns, and neither side can starve the
 * other. The jobs' limit timers (timeout, kill, CPU samples, billing) sit above, so a flood ends at its
 * time limit like any job.
 */

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

/* Bytes read per dispatch at most: four pipe buffers' worth (a pipe holds 64 KiB by default). */
#define PIPE_DRAIN_MAX (256U << 10)
#define PIPE_DRAIN_CHUNK (64U << 10)

#define PIPE_SOURCE_PRIORITY SD_EVENT_PRIORITY_NORMAL
/* And at most this many dispatches per interval (sd-event's rate limit turns the source off for the rest of
 * it): 100 MB/s per pipe, far more than a program's output that anyone keeps, while a flood that keeps its
 * pipe full wakes the loop 400 times a second instead of as often as it can. */
#define PIPE_RATELIMIT_INTERVAL_USEC (10ULL * 1000ULL)
#define PIPE_RATELIMIT_BURST 4U

/* Sets a new pipe source's priority and rate limit. */
int pipe_source_setup(sd_event_source *s);
#define JOB_TIMER_PRIORITY SD_EVENT_PRIORITY_IMPORTANT

/* Called for each chunk read; a negative return stops the drain and is returned. */
typedef int (*pipe_chunk_t)(const void *buf, size_t n, void *userdata);

/*
 * Reads from the non-blocking fd until it would block or PIPE_DRAIN_MAX bytes are read. Returns 1 while
 * the pipe is open (it may have more), 0 at its end (EOF, or a read error other than EAGAIN/EINTR, which a
 * pipe only gives when it is done for), or the handler's error.
 */
int pipe_drain(int fd, pipe_chunk_t chunk, void *userdata);

/*
 * For output past its cap that nobody watches live: drops up to PIPE_DRAIN_MAX bytes of the pipe without
 * copying them (splice() into /dev/null), adding their count to *dropped, so that a flood past the cap
 * costs us page references, not copies. Returns as pipe_drain().
 */
int pipe_discard(int fd, uint64_t *dropped);
