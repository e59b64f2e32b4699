/* seed-c shim: one descriptor table of the calling task (see shim.c). */
#ifndef _SHIM_LINUX_FILE_H
#define _SHIM_LINUX_FILE_H
#include <linux/fs.h>
struct file *fget(unsigned int fd);
void fput(struct file *file);
#endif
