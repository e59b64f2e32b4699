/*
 * seed-c shim: div_u64_rem. On a u64 it divides, as in the kernel; on the
 * shim task's shim_nstime_t (see linux/shim_time.h) it returns the seconds
 * and stores the nanoseconds into *rem (narrowed to u32, as the port's
 * `u32 rem` does).
 */
#ifndef _SHIM_LINUX_MATH64_H
#define _SHIM_LINUX_MATH64_H
#include <linux/types.h>
#include <linux/shim_time.h>
static inline u64 shim_div_u64_rem(u64 dividend, u32 divisor, u32 *remainder)
{
	*remainder = (u32)(dividend % divisor);
	return dividend / divisor;
}
static inline u64 shim_split_rem(shim_nstime_t t, u32 divisor, u32 *remainder)
{
	(void)divisor; /* always NSEC_PER_SEC in the port */
	*remainder = (u32)t.nsec;
	return t.sec;
}
#define div_u64_rem(dividend, divisor, remainder)                     \
	_Generic((dividend), shim_nstime_t: shim_split_rem, default: shim_div_u64_rem)( \
		dividend, divisor, remainder)
#endif
