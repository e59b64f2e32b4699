/* seed-c shim: what linux/kernel.h brings in for the port. */
#ifndef _SHIM_LINUX_KERNEL_H
#define _SHIM_LINUX_KERNEL_H
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/bug.h>
#include <linux/printk.h>
#include <linux/minmax.h>
#include <linux/build_bug.h>
#include <asm/page.h>
#endif
