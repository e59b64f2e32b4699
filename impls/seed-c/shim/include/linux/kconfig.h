/* seed-c shim: force-included (-include) like the kernel's linux/kconfig.h + autoconf.h. */
#ifndef _SHIM_LINUX_KCONFIG_H
#define _SHIM_LINUX_KCONFIG_H
/*
 * The ABI is the compiler's: gcc (x86_64) or gcc -m32 (i386). On another
 * LP64 target, -DSEED_C_X86_64_LAYOUT builds the x86_64 layout (aarch64: a
 * u64 aligns to 8 there too; the port's static_asserts check it), to run the
 * port where char is unsigned (tools/cross/arm64.sh).
 */
#if defined(__x86_64__) || (defined(SEED_C_X86_64_LAYOUT) && defined(__LP64__))
#define CONFIG_X86_64 1
#define CONFIG_64BIT 1
#elif defined(__i386__)
#define CONFIG_X86_32 1
#else
#error "seed-c: x86_64 or i386 only"
#endif
#define CONFIG_HZ 100
/* CONFIG_VIRT_CPU_ACCOUNTING_NATIVE is not set (as in the golden kernels). */
#endif
