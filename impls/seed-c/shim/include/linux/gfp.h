/* seed-c shim: page allocation; never-written bytes follow the shim's fill (see shim.c). */
#ifndef _SHIM_LINUX_GFP_H
#define _SHIM_LINUX_GFP_H
#include <linux/types.h>
#include <asm/page.h>
#define __GFP_ZERO ((gfp_t)0x100u)
#define GFP_KERNEL ((gfp_t)0xcc0u)
unsigned long __get_free_pages(gfp_t gfp_mask, unsigned int order);
void free_pages(unsigned long addr, unsigned int order);
#endif
