/* seed-c shim */
#ifndef _SHIM_LINUX_TIME64_H
#define _SHIM_LINUX_TIME64_H
#define MSEC_PER_SEC 1000L
#define NSEC_PER_SEC 1000000000L
#endif
