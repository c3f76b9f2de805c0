/*
 * The syscall port (an LWKT put-only port whose put is the trap) and cr_reply_port, where
 * asynchronous system calls complete. Both use kernel/kern/lwkt_msgport.c, compiled into libcr.
 *
 * The kernel writes its answer into the message itself: at once (DONE|REPLY), or later, when a
 * call answered EASYNC completes (DONE|REPLY|QUEUED: it waits on the process's reply port in the
 * kernel until waitmsg or waitport collects it, which clears QUEUED).
 */
#include <sys/errno.h>
#include <sys/syscalls.h>
#include <stdio.h>
#include <unistd.h>
#include <cr/sysport.h>
#include <cr/msgport_sys.h>

char cr_main_thread[1];
struct lwkt_port cr_kernel_port;
struct lwkt_port cr_reply_port;
lwkt_port_t cr_syscall_port = &cr_kernel_port;

int
cr_trap(lwkt_msg_t msg)
{
	int error;

	__asm__ volatile("int $0x80" : "=a"(error) : "a"(msg) : "memory", "cc");
	return error;
}

/*
 * kernel_putport: a domsg (SYNC) traps as is; a sendmsg goes as MSGF_ASYNC. An answer given at
 * once is returned with DONE cleared, so that lwkt_sendmsg replies it to the reply port as the
 * message contract says (lwkt_domsg marks it DONE itself).
 */
static int
kernel_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	int error;

	(void)port;
	if ((msg->ms_flags & MSGF_SYNC) == 0)
		msg->ms_flags |= MSGF_ASYNC;
	error = cr_trap(msg);
	if (error != EASYNC)
		msg->ms_flags &= ~(MSGF_DONE | MSGF_REPLY);
	return error;
}

/*
 * reply_replyport: an answer given at once to an async send is queued here, in userland.
 * ms_target_port = the reply port marks it as queued here rather than in the kernel.
 */
static void
reply_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	msg->ms_flags |= MSGF_DONE | MSGF_REPLY | MSGF_QUEUED;
	msg->ms_target_port = port;
	TAILQ_INSERT_TAIL(&port->mp_msgq, msg, ms_node);
}

/* local: is msg queued on the userland side of the reply port (not in the kernel)? */
static int
local(lwkt_port_t port, lwkt_msg_t msg)
{
	return msg->ms_target_port == port;
}

/* reply_waitmsg: wait for one message: taken from here, or collected from the kernel. */
static int
reply_waitmsg(lwkt_msg_t msg, int flags)
{
	lwkt_port_t port = msg->ms_reply_port;

	(void)flags;
	if ((msg->ms_flags & MSGF_QUEUED) && local(port, msg)) {
		TAILQ_REMOVE(&port->mp_msgq, msg, ms_node);
		msg->ms_flags &= ~MSGF_QUEUED;
		return msg->ms_error;
	}
	if ((msg->ms_flags & (MSGF_DONE | MSGF_QUEUED)) == MSGF_DONE)
		return msg->ms_error;
	__sys_waitmsg(msg);		/* blocks in the kernel only while it is in flight */
	return msg->ms_error;
}

/* reply_waitport: any completed message: local ones first, else the kernel's oldest. */
static void *
reply_waitport(lwkt_port_t port, int flags)
{
	lwkt_msg_t msg = TAILQ_FIRST(&port->mp_msgq);

	(void)flags;
	if (msg != NULL) {
		TAILQ_REMOVE(&port->mp_msgq, msg, ms_node);
		msg->ms_flags &= ~MSGF_QUEUED;
		return msg;
	}
	msg = __sys_waitport(0);
	return msg == (void *)-1 ? NULL : msg;
}

/* cr_sysport_init: make the ports; called once, before main. */
void
cr_sysport_init(void)
{
	lwkt_initport_putonly(&cr_kernel_port, kernel_putport);
	lwkt_initport_spin(&cr_reply_port);
	cr_reply_port.mp_replyport = reply_replyport;
	cr_reply_port.mp_waitmsg = reply_waitmsg;
	cr_reply_port.mp_waitport = reply_waitport;
}

int
cr_submit(lwkt_msg_t *msgs, int n)
{
	int taken;

	for (int i = 0; i < n; i++) {
		msgs[i]->ms_flags &= ~(MSGF_DONE | MSGF_REPLY | MSGF_SYNC | MSGF_ABORTED);
		msgs[i]->ms_flags |= MSGF_ASYNC;
		msgs[i]->ms_target_port = cr_syscall_port;
	}
	taken = __sys_submit(msgs, (size_t)n * sizeof(msgs[0]));
	if (taken < 0)
		taken = 0;
	for (int i = 0; i < taken; i++) {
		lwkt_msg_t m = msgs[i];
		if ((m->ms_flags & (MSGF_DONE | MSGF_QUEUED)) == MSGF_DONE) {
			m->ms_flags &= ~(MSGF_DONE | MSGF_REPLY);	/* answered at once */
			lwkt_replymsg(m, m->ms_error);
		}
	}
	return taken;
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
