/*
 * The syscall port (an LWKT put-only port whose put is the trap) and cr_reply_port, where
 * asynchronous system calls complete (a remote reply port: kernel/kern/lwkt_msgport.c).
 *
 * The completion protocol (docs/syscall-abi.md): the kernel writes only ms_error and ms_result
 * of a message. A call answered at once has its answer there when the trap returns. A call the
 * kernel answered EASYNC stays the kernel's (ms_error reads EASYNC; libcr marks it MSGF_REMOTE)
 * until libcr collects its completion with waitmsg or waitport, which write its answer; libcr
 * then completes it in userland. Every flag of the message is libcr's alone.
 */
#include <errno.h>
#include <sys/errno.h>
#include <sys/syscalls.h>
#include <stdio.h>
#include <unistd.h>
#include <cr/sysport.h>
#include <cr/msgport_sys.h>
#include <cr/thread.h>
#include <cr/park.h>
#include <cr/sched.h>

void	cr_sched_init(void);

struct lwkt_port cr_kernel_port;
/* Calls the kernel holds (answered EASYNC) and nobody has collected yet: a yield polls while
 * any are. */
volatile int cr_inflight;
struct lwkt_port cr_reply_port;
lwkt_port_t cr_syscall_port = &cr_kernel_port;
/* The flags a stub sends with: MSGF_SYNC, and MSGF_ASYNC once threads exist (cr/sysport.h). */
uint32_t cr_trap_flags = MSGF_SYNC;

int
cr_trap(lwkt_msg_t msg)
{
	int error;

	__asm__ volatile("int $0x80" : "=a"(error) : "a"(msg) : "memory", "cc");
	return error;
}

/* kernel_abort: lwkt_abortmsg on a call in the kernel's hands asks the kernel to end it. */
static void
kernel_abort(lwkt_msg_t msg)
{
	__sys_abortmsg(msg);
}

/* sys/shim.S (cr_domsg_shim) hard-codes these (cr/sched.h). */
#define OFFSET(type, field)	__builtin_offsetof(struct type, field)
_Static_assert(OFFSET(lwkt_msg, ms_target_port) == CR_MS_TARGET_PORT, "CR_MS_TARGET_PORT");
_Static_assert(OFFSET(lwkt_msg, ms_reply_port) == CR_MS_REPLY_PORT, "CR_MS_REPLY_PORT");
_Static_assert(OFFSET(lwkt_msg, ms_flags) == CR_MS_FLAGS, "CR_MS_FLAGS");
_Static_assert(OFFSET(lwkt_port, mp_putport) == CR_MP_PUTPORT, "CR_MP_PUTPORT");
#undef OFFSET
_Static_assert(MSGF_SYNC == CR_MSGF_SYNC, "CR_MSGF_SYNC");
_Static_assert(EASYNC == CR_EASYNC, "CR_EASYNC");

/*
 * cr_domsg_shim_wait: the shim answered the stub's message EASYNC (sys/shim.S: cr_domsg_shim):
 * it is held, and replied to cr_reply_port later; wait for it like lwkt_domsg.
 */
__attribute__((regparm(1))) int
cr_domsg_shim_wait(lwkt_msg_t msg)
{
	return lwkt_waitmsg(msg, 0);
}

/*
 * held: the kernel answered msg EASYNC: it is the kernel's until libcr collects it. Returns true
 * when it is now marked so (MSGF_REMOTE), or false when another vCPU already collected it: its
 * completion can come before this runs (a pipe written at once, a vCPU idle in waitport), and
 * the collector, finding no MSGF_REMOTE, left it to us with MSGF_EARLY (cr_collected). Then
 * the answer is in place and the message is complete for the caller. The flags change in one
 * atomic step, clearing `clear` as well, because the collector's claim may come at any moment.
 */
static bool
held(lwkt_msg_t msg, uint32_t clear)
{
	uint32_t old = msg->ms_flags, new;

	msg->ms_abortfn = kernel_abort;			/* lwkt_abortmsg reaches the kernel */
	__atomic_add_fetch(&cr_inflight, 1, __ATOMIC_RELAXED);	/* before a collector counts it */
	do {
		if (old & MSGF_EARLY) {
			/* The collector is done with it and will not touch it again. */
			msg->ms_flags = old & ~MSGF_EARLY;
			__atomic_sub_fetch(&cr_inflight, 1, __ATOMIC_RELAXED);
			return false;
		}
		new = (old & ~clear) | MSGF_REMOTE | MSGF_ABORTABLE;
	} while (!__atomic_compare_exchange_n(&msg->ms_flags, &old, new, false, __ATOMIC_ACQ_REL,
	    __ATOMIC_ACQUIRE));
	return true;
}

/*
 * kernel_putport: a sendmsg goes to the kernel as MSGF_ASYNC, and so does a domsg once the
 * program has more than one thread (in Dillon's model: cr_trap_flags says): a call that must wait then answers EASYNC and parks only
 * its thread (in lwkt_waitmsg) instead of the whole vCPU. An answer given at once is in the
 * message already; lwkt_sendmsg replies it to the reply port, lwkt_domsg completes it.
 */
static int
kernel_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	int error;

	(void)port;
	/* Ours, not the kernel's to see (a lost race with an abort can leave MSGF_REMOTE behind). */
	msg->ms_flags &= ~(MSGF_ABORTABLE | MSGF_REMOTE | MSGF_EARLY);
	if ((msg->ms_flags & MSGF_SYNC) == 0 || (cr_trap_flags & MSGF_ASYNC)) {
		msg->ms_flags |= MSGF_ASYNC;
		if (msg->ms_reply_port == NULL)
			msg->ms_reply_port = &cr_reply_port;	/* completions are delivered there */
	}
	error = cr_trap(msg);
	if (error == EASYNC && !held(msg, 0))
		error = msg->ms_error;		/* collected already: as if answered at once */
	return error;
}

/*
 * cr_park: a stub's call went asynchronous in the kernel (threads exist): the calling thread
 * waits for it like for any domsg, parked, while its vCPU runs other threads.
 */
int
cr_park(lwkt_msg_t msg)
{
	msg->ms_target_port = &cr_kernel_port;
	msg->ms_reply_port = &cr_reply_port;
	if (!held(msg, 0))
		return msg->ms_error;		/* collected already: its answer is in place */
	cr_thread_t td = cr_curthread;
	int error;
	if (__builtin_expect(cr_pthreads, 0)) {
		error = cr_waitmsg_cancellable(msg);	/* a cancellation point (<pthread.h>) */
	} else {
		td->td_parkmsg = msg;		/* a signal for it may abort the call (signal.c) */
		error = lwkt_waitmsg(msg, 0);
		td->td_parkmsg = NULL;
	}
	if (__builtin_expect(td->td_sigq != 0 ||
	    (cr_sig_held & ~td->td_vcpu->vc_upcall.ua_sigmask) != 0, 0))
		return cr_sig_after_park(msg, error);	/* its handlers; EINTR or a restart */
	return error;
}

/*
 * cr_kernel_collect: wait in the kernel for msg (waitmsg), which writes its answer; msg, or NULL
 * when the kernel does not hold it (another vCPU's waitport collected it: its delivery comes).
 */
lwkt_msg_t
cr_kernel_collect(lwkt_msg_t msg)
{
	struct waitmsg_msg w;

	w.hdr.ms_cmd = SYS_waitmsg;
	w.umsg = msg;
	if (cr_trap_sync(&w.hdr) == EINVAL)
		return NULL;
	return cr_collected(msg) ? msg : NULL;	/* (only its sender waits for it: held already) */
}

/*
 * cr_kernel_collect_any: one completed call from the kernel (waitport), its answer written, or
 * NULL when none is in flight (flags 0) or none has completed (MSGWAITF_POLL).
 */
lwkt_msg_t
cr_kernel_collect_any(int flags)
{
	struct waitport_msg w;

	for (;;) {
		w.hdr.ms_cmd = SYS_waitport;
		w.flags = (flags & MSGWAITF_POLL) ? WAITPORT_POLL : 0;
		if (cr_trap_sync(&w.hdr) != 0 || w.hdr.ms_result == 0)
			return NULL;
		lwkt_msg_t msg = (lwkt_msg_t)(uint32_t)w.hdr.ms_result;
		if (cr_collected(msg))
			return msg;
		/* Its sender completes it: look for another. */
	}
}

/* cr_sysport_init: make the ports and the scheduler; called once, before main. */
void
cr_sysport_init(void)
{
	cr_sched_init();
	lwkt_initport_putonly(&cr_kernel_port, kernel_putport);
	lwkt_initport_remote(&cr_reply_port);
}

/* The flags of a message cr_submit hands the kernel: DONE|REPLY kept, asynchronous. */
#define SUBMIT_FLAGS	(MSGF_DONE | MSGF_REPLY | MSGF_ASYNC)

/*
 * submit_flags: a message to submit whose flags are not SUBMIT_FLAGS already (a new message, or
 * one last collected from the kernel): it must not be in flight; it goes asynchronous, keeping
 * DONE|REPLY.
 */
static __attribute__((noinline)) void
submit_flags(lwkt_msg_t m)
{
	uint32_t f = m->ms_flags;

	if ((f & (MSGF_DONE | MSGF_QUEUED)) != MSGF_DONE)
		cr_msgport_fatal("cr_submit: a message that is already in flight", m);
	m->ms_flags = (f & ~(MSGF_SYNC | MSGF_ABORTED | MSGF_ABORTABLE | MSGF_REMOTE | MSGF_EARLY)) |
	    SUBMIT_FLAGS;
}

/*
 * cr_submit: n messages (each built with cr_NAME_msg) in one trap; answers how many the kernel
 * took. Each taken message either completed at once — DONE in place, never queued: read it
 * where it is — or is held by the kernel and completes later, replied to its reply port like
 * any asynchronous message; lwkt_waitmsg collects either kind.
 */
int
cr_submit(lwkt_msg_t *msgs, int n)
{
	struct submit_msg sm;
	uint32_t taken, nheld;
	int error;

	/* Each message goes asynchronous, keeping DONE|REPLY meanwhile: the messages are the
	 * caller's until this returns, and a message answered at once is then complete as it is
	 * (the kernel writes only its answer). A message submitted before and answered at once
	 * has these flags already: one compare. Only the ones the kernel holds change after. */
	for (int i = 0; i < n; i++)
		if (__builtin_expect(msgs[i]->ms_flags != SUBMIT_FLAGS, 0))
			submit_flags(msgs[i]);
	sm.hdr.ms_cmd = SYS_submit;
	sm.vec = msgs;
	sm.len = n < 0 ? 0 : (size_t)n * sizeof(msgs[0]);
	if ((error = cr_domsg_kernel(&sm.hdr)) != 0) {
		errno = error;
		return 0;
	}
	taken = (uint32_t)sm.hdr.ms_result;		/* and the ones held, above: sys_submit */
	nheld = (uint32_t)((uint64_t)sm.hdr.ms_result >> 32);
	for (uint32_t i = 0; nheld != 0 && i < taken; i++) {
		lwkt_msg_t m = msgs[i];
		if (m->ms_error == EASYNC) {
			nheld--;
			m->ms_target_port = &cr_kernel_port;
			held(m, MSGF_DONE | MSGF_REPLY);	/* false: collected, complete in place */
		}
	}
	return (int)taken;
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
	cr_trap_flags = MSGF_SYNC;
	dprintf(STDERR_FILENO, "libcr: lwkt message ports: %s (%p)\n", what, obj);
	_exit(134);
}

void
cr_msgport_warn(const char *what, const void *obj)
{
	dprintf(STDERR_FILENO, "libcr: warning: %s (%p)\n", what, obj);
}
