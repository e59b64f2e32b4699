/*
 * seed-c shim: the shim task keeps its cputimes in ticks (the unit the seed
 * stored), so nsecs_to_jiffies is the identity narrowed to unsigned long
 * (6.1 divides nanoseconds by NSEC_PER_SEC / HZ; the narrowing to the
 * port's unsigned long, 32 bits on i386, is kept).
 */
#ifndef _SHIM_LINUX_JIFFIES_H
#define _SHIM_LINUX_JIFFIES_H
#include <linux/types.h>
#include <linux/time64.h>
#define HZ CONFIG_HZ
static inline unsigned long nsecs_to_jiffies(u64 n)
{
	return (unsigned long)n;
}
#endif
