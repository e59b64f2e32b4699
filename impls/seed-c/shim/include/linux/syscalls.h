/*
 * seed-c shim: SYSCALL_DEFINE3(name, ...) defines `long sys_name(...)`, a
 * plain C function the front-end calls (the kernel's register-width entry
 * wrappers are not modelled: the caller passes the declared types).
 */
#ifndef _SHIM_LINUX_SYSCALLS_H
#define _SHIM_LINUX_SYSCALLS_H
#include <linux/types.h>
#define SYSCALL_DEFINE3(name, t1, a1, t2, a2, t3, a3) long sys_##name(t1 a1, t2 a2, t3 a3)
long sys_checkpoint(pid_t pid, int fd, unsigned long flags);
long sys_restart(int crid, int fd, unsigned long flags);
#endif
