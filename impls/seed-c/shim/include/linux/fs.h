/*
 * seed-c shim: struct file is an in-memory file with a position; its
 * f_mode says whether it is open for reading and/or writing.
 * kernel_read/kernel_write transfer at *pos (see shim.c).
 */
#ifndef _SHIM_LINUX_FS_H
#define _SHIM_LINUX_FS_H
#include <linux/types.h>
#include <linux/path.h>
#include <linux/errno.h>

#define FMODE_READ ((fmode_t)0x1)
#define FMODE_WRITE ((fmode_t)0x2)
#define FMODE_CAN_READ ((fmode_t)0x20000)
#define FMODE_CAN_WRITE ((fmode_t)0x40000)

struct file {
	fmode_t f_mode;
	loff_t f_pos;
	long f_count; /* references (the kernel's atomic_long_t f_count) */
	/* shim: the content */
	unsigned char *data;
	size_t size;
	size_t cap;
};

static inline struct file *get_file(struct file *f)
{
	f->f_count++;
	return f;
}

ssize_t kernel_read(struct file *file, void *buf, size_t count, loff_t *pos);
ssize_t kernel_write(struct file *file, const void *buf, size_t count, loff_t *pos);
#endif
