/*
 * seed-c shim: the task_struct fields the port reads, and `current`.
 *
 * Types follow the seed's 2.6.25 task where 6.1's cannot hold a seed task:
 * `__state` is a long (the seed's `long state`; 6.1 has unsigned int), the
 * cputimes are ticks (see linux/jiffies.h), the start times are
 * (sec, nsec) pairs (see linux/shim_time.h). utimescaled/stimescaled are
 * not in x86 6.1's task_struct; here they are what task_cputime_scaled()
 * reports.
 */
#ifndef _SHIM_LINUX_SCHED_H
#define _SHIM_LINUX_SCHED_H
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/shim_time.h>

#define TASK_COMM_LEN 16
#define TASK_RUNNING 0x0000
/* The seed's (2.6.25) value, which the reference uses; 6.1's is 0x0080. */
#define TASK_DEAD 0x0040

struct fs_struct;

struct prev_cputime {
	u64 utime;
	u64 stime;
};

struct task_struct {
	long __state;
	int exit_state;
	int exit_code;
	int exit_signal;
	u64 utime;
	u64 stime;
	u64 gtime;
	u64 utimescaled; /* shim only: task_cputime_scaled() */
	u64 stimescaled; /* shim only: task_cputime_scaled() */
	struct prev_cputime prev_cputime;
	unsigned long nvcsw;
	unsigned long nivcsw;
	shim_nstime_t start_time;
	shim_nstime_t start_boottime;
	unsigned long min_flt;
	unsigned long maj_flt;
	char comm[TASK_COMM_LEN];
	struct fs_struct *fs;
};

extern struct task_struct shim_task;
#define current (&shim_task)
#endif
