/*
 * The syscall port and asynchronous calls.
 *
 * cr_syscall_port is where every stub sends; it is &cr_kernel_port, an LWKT put-only port
 * whose put is the trap, unless a program installs a port of its own in front (a shim that
 * traces, batches or emulates calls), forwarding to cr_kernel_port.
 *
 * Synchronous: lwkt_domsg(cr_syscall_port, &m.hdr, 0), which is what the generated stubs do.
 * Asynchronous: build the message with cr_NAME_msg() (its reply port is cr_reply_port), send it
 * with lwkt_sendmsg(cr_syscall_port, &m.hdr), and collect it with lwkt_waitmsg(&m.hdr, 0) or
 * lwkt_waitport(&cr_reply_port, 0) (any completed message). The kernel answers a call that
 * would block with EASYNC and holds it until it is collected; only then does a wait enter the
 * kernel. The trap keeps every register but %eax, which is the answer.
 */
#ifndef _CR_SYSPORT_H_
#define _CR_SYSPORT_H_
#include <sys/msgport.h>
#include <sys/errno.h>

extern lwkt_port_t cr_syscall_port;	/* where stubs send; initially &cr_kernel_port */
extern struct lwkt_port cr_kernel_port;	/* the port whose put is the trap */
extern struct lwkt_port cr_reply_port;	/* asynchronous replies: kernel-backed waits */

/* cr_trap: hand one message to the kernel (int $0x80); returns the kernel's answer. */
int	cr_trap(lwkt_msg_t msg);

/*
 * cr_trap_sync: the message straight to the kernel as a synchronous call, whatever the threads
 * or shims: for the primitives the user-thread scheduler itself waits with (waitport, waitmsg).
 */
static inline int
cr_trap_sync(lwkt_msg_t msg)
{
	int error;

	msg->ms_flags = MSGF_SYNC;
	__asm__ volatile("int $0x80" : "=a"(error) : "a"(msg) : "memory", "cc");
	return error;
}

/* The flags a stub's message is sent with: MSGF_SYNC, or MSGF_SYNC|MSGF_ASYNC once threads exist. */
extern uint32_t cr_trap_flags;
int	cr_park(lwkt_msg_t msg);
__attribute__((regparm(1))) int cr_domsg_shim(lwkt_msg_t msg);	/* sys/shim.S */
__attribute__((regparm(1))) int cr_domsg_shim_wait(lwkt_msg_t msg);	/* (the EASYNC half) */

/*
 * cr_domsg_kernel: a synchronous call as the generated stubs make it: what lwkt_domsg would do
 * through the kernel port, inline. The message (its ms_cmd and arguments already set) goes to
 * the kernel in one trap and comes back answered. Once threads exist it goes MSGF_ASYNC: a call
 * answered at once costs the same, and one that must wait answers EASYNC and parks only its
 * thread (cr_park). With a shim installed in cr_syscall_port, the message goes through it.
 */
static inline __attribute__((always_inline)) int
cr_domsg_kernel(lwkt_msg_t msg)
{
	int error;

	if (__builtin_expect(cr_syscall_port != &cr_kernel_port, 0))
		return cr_domsg_shim(msg);
	msg->ms_flags = cr_trap_flags;
	__asm__ volatile("int $0x80" : "=a"(error) : "a"(msg) : "memory", "cc");
	if (__builtin_expect(error == EASYNC, 0))
		error = cr_park(msg);
	return error;
}

/*
 * cr_submit: send n messages in one trap (each built with cr_NAME_msg). Answers how many the
 * kernel took. Those answered at once are complete in place (DONE, not queued anywhere: read
 * them where they are); the rest complete later, replied to their reply port as with
 * lwkt_sendmsg. lwkt_waitmsg collects either kind.
 */
int	cr_submit(lwkt_msg_t *msgs, int n);
/* cr_inflight: calls the kernel answered EASYNC that are not collected yet (a yield polls). */
extern volatile int cr_inflight;

/*
 * cr_collected: msg's completion was collected from the kernel (its answer written): may the
 * collector deliver it? True when its sender had marked it held (MSGF_REMOTE): it is libcr's
 * again, MSGF_REMOTE cleared. False when the sender is still between its trap and held()
 * (sys/sysport.c): the collector leaves MSGF_EARLY, touches it no more, and the sender
 * completes it. One compare-and-swap either way: the sender's held() may run at any moment.
 */
static inline bool
cr_collected(lwkt_msg_t msg)
{
	uint32_t old = msg->ms_flags, new;

	do
		new = (old & MSGF_REMOTE) ? old & ~MSGF_REMOTE : old | MSGF_EARLY;
	while (!__atomic_compare_exchange_n(&msg->ms_flags, &old, new, false, __ATOMIC_ACQ_REL,
	    __ATOMIC_ACQUIRE));
	if ((old & MSGF_REMOTE) == 0)
		return false;
	__atomic_sub_fetch(&cr_inflight, 1, __ATOMIC_RELAXED);
	return true;
}

#endif
