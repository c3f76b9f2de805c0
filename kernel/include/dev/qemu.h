/*
 * QEMU's signalling devices: isa-debug-exit (iobase 0xf4) turns a value v written by the guest
 * into QEMU's exit status (v << 1) | 1; pvpanic (ioport 0x505) tells QEMU the guest panicked,
 * which QEMU reports as a GUEST_PANICKED event and acts on with its -action panic= setting.
 */
#ifndef _DEV_QEMU_H_
#define _DEV_QEMU_H_
#include <sys/types.h>
void	debug_exit(uint32_t value);
void	pvpanic_signal(void);
#endif
