/*
 * seed-c shim (no kernel counterpart): the shim task's start times.
 *
 * 6.1 keeps task_struct.start_time/start_boottime as u64 nanoseconds and the
 * port splits them with div_u64_rem(ns, NSEC_PER_SEC, &rem). The seed's
 * request gives a (tv_sec, tv_nsec) pair of C longs, most of which no u64
 * nanosecond count can produce (tv_sec 2^63, say); so the shim task keeps
 * the pair, and div_u64_rem on it returns tv_sec and stores tv_nsec into
 * the port's own `u32 rem`. The port's casts ((long) of both, and the u32
 * remainder) still apply.
 */
#ifndef _SHIM_LINUX_SHIM_TIME_H
#define _SHIM_LINUX_SHIM_TIME_H
#include <linux/types.h>
typedef struct {
	u64 sec;
	u64 nsec;
} shim_nstime_t;
#endif
