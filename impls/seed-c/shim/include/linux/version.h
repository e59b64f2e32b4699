/*
 * seed-c shim: LINUX_VERSION_CODE is a run-time value here, set from each
 * request's major/minor/patch ((major << 16) | (minor << 8) | patch).
 */
#ifndef _SHIM_LINUX_VERSION_H
#define _SHIM_LINUX_VERSION_H
extern unsigned int shim_version_code;
#define LINUX_VERSION_CODE shim_version_code
#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))
#endif
