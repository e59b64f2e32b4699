/* seed-c shim: 4 KiB pages on x86_64 and i386; PAGE_SIZE is an unsigned long as in the kernel. */
#ifndef _SHIM_ASM_PAGE_H
#define _SHIM_ASM_PAGE_H
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#endif
