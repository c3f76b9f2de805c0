/*
 * A program that faults on purpose: it writes through a NULL pointer. The kernel must report
 * it and end only this process (tests/integration/test_boot.py checks that).
 */
#include <stdio.h>

int
main(void)
{
	printf("fault: writing through a NULL pointer\n");
	*(volatile int *)0 = 42;
	printf("fault: still alive (this is a bug)\n");
	return 0;
}
