/* seed-c shim: the wall clock is the request's `time`. */
#ifndef _SHIM_LINUX_TIMEKEEPING_H
#define _SHIM_LINUX_TIMEKEEPING_H
#include <linux/types.h>
#include <linux/time64.h>
time64_t ktime_get_real_seconds(void);
#endif
