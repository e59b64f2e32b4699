/* Prints byte 3 of a local array never written: what -ftrivial-auto-var-init
 * fills it with (gcc 0xfe, clang 0xaa), or whatever the stack held. */
#include <stdio.h>

static void __attribute__((noinline)) show(const unsigned char *p)
{
	printf("%02x\n", p[3]);
}

int main(void)
{
	unsigned char b[8];
	show(b);
	return 0;
}
