/* seed-c shim: atomic_t (single-threaded: plain int arithmetic, wrapping like the kernel's). */
#ifndef _SHIM_LINUX_ATOMIC_H
#define _SHIM_LINUX_ATOMIC_H
#include <linux/types.h>
#include <linux/compiler.h>
/*
 * The port's counter is `static atomic_t cr_ctx_count` in sys.c, out of
 * reach of the front-end; the shim's atomic_inc_return loads the request's
 * `counter` into it on the first increment of a call (see shim.c).
 */
int shim_atomic_inc_return(atomic_t *v);
#define atomic_inc_return(v) shim_atomic_inc_return(v)
#define atomic_read(v) READ_ONCE((v)->counter)
#define atomic_set(v, i) WRITE_ONCE((v)->counter, (i))
#endif
