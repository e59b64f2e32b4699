/* seed-c shim: BUG_ON aborts the testee (the harness reports a crash). */
#ifndef _SHIM_LINUX_BUG_H
#define _SHIM_LINUX_BUG_H
#include <linux/compiler.h>
void shim_bug(const char *file, int line) __noreturn;
#define BUG() shim_bug(__FILE__, __LINE__)
#define BUG_ON(cond)                          \
	do {                                  \
		if (unlikely(cond))           \
			shim_bug(__FILE__, __LINE__); \
	} while (0)
#endif
