/* seed-c shim: printk goes to the shim's log (stderr only when SEED_C_VERBOSE is set). */
#ifndef _SHIM_LINUX_PRINTK_H
#define _SHIM_LINUX_PRINTK_H
#include <linux/compiler.h>
int shim_printk(const char *level, const char *fmt, ...) __printf(2, 3);
#define pr_warn(fmt, ...) shim_printk("warn", fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...) shim_printk("err", fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) shim_printk("info", fmt, ##__VA_ARGS__)
#define pr_warning pr_warn
#endif
