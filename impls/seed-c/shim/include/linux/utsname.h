/* seed-c shim: utsname() is the request's release/version/machine (64 bytes each, then a NUL). */
#ifndef _SHIM_LINUX_UTSNAME_H
#define _SHIM_LINUX_UTSNAME_H
#define __NEW_UTS_LEN 64
struct new_utsname {
	char sysname[__NEW_UTS_LEN + 1];
	char nodename[__NEW_UTS_LEN + 1];
	char release[__NEW_UTS_LEN + 1];
	char version[__NEW_UTS_LEN + 1];
	char machine[__NEW_UTS_LEN + 1];
	char domainname[__NEW_UTS_LEN + 1];
};
extern struct new_utsname shim_uts;
static inline struct new_utsname *utsname(void)
{
	return &shim_uts;
}
#endif
