/* QEMU's debug-exit and pvpanic devices: how the kernel gives the harness its verdict. */
#include <machine/cpufunc.h>
#include <dev/qemu.h>

#define DEBUG_EXIT_PORT	0xf4
#define PVPANIC_PORT	0x505
#define PVPANIC_PANICKED 0x1

/* debug_exit: QEMU exits at once with status (value << 1) | 1. */
void
debug_exit(uint32_t value)
{
	outl(DEBUG_EXIT_PORT, value);
}

/* pvpanic_signal: QEMU emits GUEST_PANICKED and applies its panic action. */
void
pvpanic_signal(void)
{
	outb(PVPANIC_PORT, PVPANIC_PANICKED);
}
