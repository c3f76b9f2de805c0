/*
 * The syscall port and the minimal message functions libcr needs today. The kernel port's put
 * is the trap: the kernel answers in the message and returns the error in %eax. A put that
 * returns EASYNC would complete later; nothing answers EASYNC yet, so lwkt_domsg reports it.
 */
#include <sys/errno.h>
#include <cr/sysport.h>

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
	msg->ms_flags &= ~(MSGF_DONE | MSGF_REPLY);
	msg->ms_flags |= MSGF_SYNC;
	return cr_trap(msg);
}

struct lwkt_port cr_kernel_port = { .mp_putport = kernel_putport };
lwkt_port_t cr_syscall_port = &cr_kernel_port;

/* lwkt_initmsg: a message is DONE until it is sent. */
void
lwkt_initmsg(lwkt_msg_t msg, lwkt_port_t rport, uint32_t flags)
{
	msg->ms_reply_port = rport;
	msg->ms_target_port = NULL;
	msg->ms_abortfn = NULL;
	msg->ms_flags = flags | MSGF_DONE;
	msg->ms_error = 0;
	msg->ms_result = 0;
}

/* lwkt_domsg: send and wait; the answer is in the message when it returns. */
int
lwkt_domsg(lwkt_port_t port, lwkt_msg_t msg, int flags)
{
	(void)flags;
	msg->ms_target_port = port;
	int error = port->mp_putport(port, msg);
	if (error == EASYNC)
		return ENOSYS;	/* no asynchronous completion yet: see the syscall-messaging issue */
	return error;
}
