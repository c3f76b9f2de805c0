/*
 * The syscall port (an LWKT put-only port whose put is the trap) and cr_reply_port, where
 * asynchronous system calls complete. Both use kernel/kern/lwkt_msgport.c, compiled into libcr.
 *
 * The kernel writes its answer into the message itself: at once (DONE|REPLY), or later, when a
 * call answered EASYNC completes (DONE|REPLY|QUEUED: it waits on the process's reply port in the
 * kernel until waitmsg or waitport collects it, which clears QUEUED).
 */
#include <errno.h>
#include <sys/errno.h>
#include <sys/syscalls.h>
#include <stdio.h>
#include <unistd.h>
#include <cr/sysport.h>
#include <cr/msgport_sys.h>
#include <cr/thread.h>

void	cr_sched_init(void);

struct lwkt_port cr_kernel_port;
/* Calls the kernel answered EASYNC and nobody has collected yet: a yield polls while any are. */
volatile int cr_inflight;
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
 * kernel_putport: a sendmsg goes to the kernel as MSGF_ASYNC, and so does a domsg once the
 * program has more than one thread: a call that must wait then answers EASYNC and parks only
 * its thread (in lwkt_waitmsg) instead of the whole vCPU. An answer given at once is returned
 * with DONE cleared, so that lwkt_sendmsg replies it to the reply port as the contract says
 * (lwkt_domsg marks it DONE itself).
 */
/* kernel_abort: lwkt_abortmsg on a call in the kernel's hands asks the kernel to end it. */
static void
kernel_abort(lwkt_msg_t msg)
{
	__sys_abortmsg(msg);
}

static int
kernel_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	int error;

	(void)port;
	msg->ms_flags &= ~MSGF_ABORTABLE;		/* ours, not the kernel's to see */
	if ((msg->ms_flags & MSGF_SYNC) == 0 || cr_threaded) {
		msg->ms_flags |= MSGF_ASYNC;
		if (msg->ms_reply_port == NULL)
			msg->ms_reply_port = &cr_reply_port;	/* completions are delivered there */
	}
	error = cr_trap(msg);
	if (error != EASYNC) {
		msg->ms_flags &= ~(MSGF_DONE | MSGF_REPLY);
	} else {
		msg->ms_abortfn = kernel_abort;		/* lwkt_abortmsg reaches the kernel */
		msg->ms_flags |= MSGF_ABORTABLE;
		__atomic_add_fetch(&cr_inflight, 1, __ATOMIC_RELAXED);
	}
	return error;
}

/*
 * reply_waitmsg: cr_reply_port is a spin port (several user threads may wait on it). A message
 * the kernel completed (DONE|QUEUED) but that is not on this port's own queue is in one of two
 * places. Still in the kernel: one synchronous waitmsg collects it. Or taken by another vCPU's
 * waitport (the kernel answers EALREADY): that vCPU's idle thread is about to reply it here, so
 * it is still in flight as far as this thread can tell: DONE comes off and the thread waits for
 * the reply like any other (MSGWAITF_POLL, from lwkt_checkmsg: it does not wait).
 */
static int (*spin_waitmsg)(lwkt_msg_t, int);

static bool
on_reply_port(lwkt_port_t port, lwkt_msg_t msg)
{
	lwkt_msg_t m;

	TAILQ_FOREACH(m, &port->mp_msgq, ms_node)
		if (m == msg)
			return true;
	return false;
}

static int
reply_waitmsg(lwkt_msg_t msg, int flags)
{
	lwkt_port_t port = msg->ms_reply_port;
	bool local;

	if ((msg->ms_flags & (MSGF_DONE | MSGF_QUEUED)) == (MSGF_DONE | MSGF_QUEUED)) {
		cr_crit_enter();
		local = on_reply_port(port, msg);
		cr_crit_exit();
		if (!local) {
			struct waitmsg_msg w;
			w.hdr.ms_cmd = SYS_waitmsg;
			w.umsg = msg;
			int error = cr_trap_sync(&w.hdr);
			if (error != EALREADY) {
				__atomic_sub_fetch(&cr_inflight, 1, __ATOMIC_RELAXED);	/* collected */
				return error == 0 ? msg->ms_error : error;
			}
			cr_crit_enter();
			if (!on_reply_port(port, msg))
				msg->ms_flags &= ~MSGF_DONE;	/* the delivery is still to come */
			cr_crit_exit();
			if ((flags & MSGWAITF_POLL) && (msg->ms_flags & MSGF_DONE) == 0)
				return 0;
		}
	}
	return spin_waitmsg(msg, flags);
}

/* cr_sysport_init: make the ports and the scheduler; called once, before main. */
void
cr_sysport_init(void)
{
	cr_sched_init();
	lwkt_initport_putonly(&cr_kernel_port, kernel_putport);
	lwkt_initport_spin(&cr_reply_port);
	spin_waitmsg = cr_reply_port.mp_waitmsg;
	cr_reply_port.mp_waitmsg = reply_waitmsg;
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
		} else {
			__atomic_add_fetch(&cr_inflight, 1, __ATOMIC_RELAXED);
		}
	}
	return taken;
}

/* cr_sbrk_sync: sbrk as one raw synchronous trap, for malloc (see heap_lock there). */
void *
cr_sbrk_sync(intptr_t incr)
{
	struct sbrk_msg m;

	m.hdr.ms_cmd = SYS_sbrk;
	m.incr = incr;
	if (cr_trap_sync(&m.hdr) != 0) {
		errno = ENOMEM;
		return (void *)-1;
	}
	return (void *)(uint32_t)m.hdr.ms_result;
}

void
cr_msgport_fatal(const char *what, const void *obj)
{
	cr_threaded = 0;	/* the report goes out synchronously: the scheduler may be broken */
	dprintf(STDERR_FILENO, "libcr: lwkt message ports: %s (%p)\n", what, obj);
	_exit(134);
}

void
cr_msgport_warn(const char *what, const void *obj)
{
	dprintf(STDERR_FILENO, "libcr: warning: %s (%p)\n", what, obj);
}
