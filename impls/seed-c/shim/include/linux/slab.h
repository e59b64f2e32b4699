/* seed-c shim: kmalloc (never-written bytes follow the shim's fill), kzalloc (zeroed), kfree. */
#ifndef _SHIM_LINUX_SLAB_H
#define _SHIM_LINUX_SLAB_H
#include <linux/types.h>
#include <linux/gfp.h>
#define ZERO_SIZE_PTR ((void *)16)
#define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)
#define KMALLOC_MAX_SIZE (PAGE_SIZE << 10)
void *kmalloc(size_t size, gfp_t flags);
void kfree(const void *p);
static inline void *kzalloc(size_t size, gfp_t flags)
{
	return kmalloc(size, flags | __GFP_ZERO);
}
#endif
