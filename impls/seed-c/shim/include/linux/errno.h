/* seed-c shim: the errno values the port returns (Linux numbering, same on x86_64 and i386). */
#ifndef _SHIM_LINUX_ERRNO_H
#define _SHIM_LINUX_ERRNO_H
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EINVAL 22
#endif
