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
 * would block with EASYNC and completes it later; only then does a wait enter the kernel.
 */
#ifndef _CR_SYSPORT_H_
#define _CR_SYSPORT_H_
#include <sys/msgport.h>

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

/*
 * cr_domsg_kernel: a synchronous call as the generated stubs make it. With no shim installed
 * and one thread, what lwkt_domsg would do through the kernel port, inline: the message (its
 * ms_cmd and arguments already set) goes SYNC to the kernel in one trap, and comes back
 * DONE|REPLY with the answer. With a shim, or user threads (a call that must wait parks only
 * its thread), the message goes through cr_syscall_port like any other.
 */
static inline int
cr_domsg_kernel(lwkt_msg_t msg)
{
	int error;

	extern int cr_threaded;

	if (__builtin_expect(cr_syscall_port != &cr_kernel_port || cr_threaded, 0)) {
		uint32_t cmd = msg->ms_cmd;
		lwkt_initmsg(msg, NULL, 0);
		msg->ms_cmd = cmd;
		return lwkt_domsg(cr_syscall_port, msg, 0);
	}
	msg->ms_flags = MSGF_SYNC;
	__asm__ volatile("int $0x80" : "=a"(error) : "a"(msg) : "memory", "cc");
	return error;
}

/*
 * cr_submit: send n messages in one trap (each built with cr_NAME_msg). Answers how many the
 * kernel took; those answered at once are replied to their reply port right away, the rest
 * complete later, as with lwkt_sendmsg.
 */
int	cr_submit(lwkt_msg_t *msgs, int n);
/* cr_inflight: calls the kernel answered EASYNC that are not collected yet (a yield polls). */
extern volatile int cr_inflight;

#endif
