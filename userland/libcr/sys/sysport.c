/*
 * The syscall port: an LWKT put-only port (kernel/kern/lwkt_msgport.c, compiled into libcr)
 * whose put is the trap. The kernel answers in the message and returns the error in %eax; a
 * put that returns EASYNC would complete later (nothing answers EASYNC yet).
 */
#include <sys/errno.h>
#include <stdio.h>
#include <unistd.h>
#include <cr/sysport.h>
#include <cr/msgport_sys.h>

char cr_main_thread[1];
struct lwkt_port cr_kernel_port;
lwkt_port_t cr_syscall_port = &cr_kernel_port;

int
cr_trap(lwkt_msg_t msg)
{
	int error;

	__asm__ volatile("int $0x80" : "=a"(error) : "a"(msg) : "memory", "cc");
	return error;
}

static int
kernel_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	(void)port;
	return cr_trap(msg);
}

/* cr_sysport_init: make the kernel port; called once, before main. */
void
cr_sysport_init(void)
{
	lwkt_initport_putonly(&cr_kernel_port, kernel_putport);
}

void
cr_msgport_fatal(const char *what, const void *obj)
{
	dprintf(STDERR_FILENO, "libcr: lwkt message ports: %s (%p)\n", what, obj);
	_exit(134);
}

void
cr_msgport_warn(const char *what, const void *obj)
{
	dprintf(STDERR_FILENO, "libcr: warning: %s (%p)\n", what, obj);
}
