/*
 * The syscall port: an ordinary LWKT port whose put traps into the kernel. Every stub sends
 * through cr_syscall_port, so a program may put a port of its own in front of it (a shim that
 * traces, batches or emulates calls) by pointing cr_syscall_port elsewhere and forwarding to
 * cr_kernel_port.
 */
#ifndef _CR_SYSPORT_H_
#define _CR_SYSPORT_H_
#include <sys/msgport.h>

extern lwkt_port_t cr_syscall_port;	/* where stubs send; initially &cr_kernel_port */
extern struct lwkt_port cr_kernel_port;	/* the port whose put is the trap */

/* cr_trap: hand one message to the kernel (int $0x80); returns the kernel's answer. */
int	cr_trap(lwkt_msg_t msg);

#endif
