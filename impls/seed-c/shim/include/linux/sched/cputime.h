/* seed-c shim: task_cputime_scaled() reports the shim task's utimescaled/stimescaled. */
#ifndef _SHIM_LINUX_SCHED_CPUTIME_H
#define _SHIM_LINUX_SCHED_CPUTIME_H
#include <linux/sched.h>
static inline void task_cputime_scaled(struct task_struct *t, u64 *utimescaled, u64 *stimescaled)
{
	*utimescaled = t->utimescaled;
	*stimescaled = t->stimescaled;
}
#endif
