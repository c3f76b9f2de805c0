/*
 * LWKT messages and message ports: the one message-passing API of Damselfly, shared by the
 * kernel and libcr (kernel/kern/lwkt_msgport.c compiles for both). A system call is a
 * `struct lwkt_msg` followed by its arguments, in user memory, sent to the syscall port.
 *
 * The message contract (DragonFly's):
 *  - lwkt_initmsg() marks a message DONE: it is DONE until it is sent, and DONE again once
 *    replied. A message is in flight exactly while DONE is clear.
 *  - A put (mp_putport) that returns anything but EASYNC completed synchronously; the answer is
 *    already in ms_error/ms_result. EASYNC means the message was queued and will be replied.
 *  - lwkt_domsg() sends and waits, but blocks only when the put answered EASYNC.
 *  - lwkt_sendmsg() never waits: a synchronous answer is replied to the reply port at once, so
 *    the sender always collects the result from its reply port (lwkt_waitmsg, lwkt_waitport).
 *  - A message completes exactly once; lwkt_abortmsg() asks the target to finish early, and the
 *    message is still replied (with the target's error) through the normal path.
 *
 * The layout of struct lwkt_msg is part of the system-call ABI and lives with the ABI's other
 * headers: <sys/lwkt_msg.h> (kernel/include/uapi/sys/lwkt_msg.h).
 */
#ifndef _SYS_MSGPORT_H_
#define _SYS_MSGPORT_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/lwkt_msg.h>	/* struct lwkt_msg and its flags: the ABI */

struct thread;

/*
 * A port: where messages are sent. Its kind is its mp_ vector:
 *  thread port	(lwkt_initport_thread) messages queue on the port; its owner thread waits
 *  spin port	(lwkt_initport_spin) messages queue; any number of threads may wait on it
 *  reply-only	(lwkt_initport_replyonly) a reply just marks the message DONE; nothing is queued
 *  put-only	(lwkt_initport_putonly) a put calls a function (the syscall port, the timer port)
 *  panic port	(lwkt_initport_panic) any use is a bug: it panics
 *  serializer	(lwkt_initport_serialize, kernel only: sys/serialize.h) a put runs a handler, one
 *		at a time across CPUs, in order of arrival
 *  remote reply	(lwkt_initport_remote, libcr only) replies of messages a remote agent (the
 *		kernel) may hold; waiting may collect them from the agent (see lwkt_msgport.c)
 */
/* A thread blocked on a port, for a message to arrive (wchan = the port) or to complete. */
struct msgport_waiter {
	TAILQ_ENTRY(msgport_waiter) w_link;
	struct thread	*w_td;
	const void	*w_chan;		/* the port, or the message waited for */
	int		w_woken;
};

struct lwkt_port {
	TAILQ_HEAD(, lwkt_msg) mp_msgq;		/* messages received or replied, not yet taken */
	TAILQ_HEAD(, msgport_waiter) mp_waitq;	/* threads blocked on this port or its messages */
	int		mp_flags;		/* MSGPORTF_ */
	struct thread	*mp_td;			/* thread port: the owner (only it may wait); else NULL */
	lwkt_msg_t	mp_handoff;		/* thread port: a message handed straight to the owner */
	int		(*mp_putport)(lwkt_port_t, lwkt_msg_t);	/* deliver: an errno, 0, or EASYNC */
	void		*(*mp_waitport)(lwkt_port_t, int flags);/* next message, blocking */
	int		(*mp_waitmsg)(lwkt_msg_t, int flags);	/* until this message is DONE */
	void		(*mp_replyport)(lwkt_port_t, lwkt_msg_t); /* take a reply (called inside
							   lwkt_replymsg's critical section) */
	int		(*mp_dropmsg)(lwkt_port_t, lwkt_msg_t);	/* unqueue without replying */
	void		*mp_arg;			/* the port kind's own data (put-only: anything) */
};

/* mp_flags (an enum, for the host's DWARF reader) */
enum lwkt_port_flags {
	MSGPORTF_THREAD = 0x0001,	/* a thread port: only mp_td waits on it */
	MSGPORTF_WAITING = 0x0002,	/* thread port: the owner is blocked on it */
	MSGPORTF_RECEIVING = 0x0004,	/* ... in waitport, for the next message: a domsg may hand
					   it one directly (mp_handoff) and run it at once */
};

/* Sending and receiving. */
void	lwkt_initmsg(lwkt_msg_t msg, lwkt_port_t rport, uint32_t flags);
void	lwkt_initmsg_abortable(lwkt_msg_t msg, lwkt_port_t rport, uint32_t flags,
	    void (*abortfn)(lwkt_msg_t));
void	lwkt_sendmsg(lwkt_port_t port, lwkt_msg_t msg);
int	lwkt_domsg(lwkt_port_t port, lwkt_msg_t msg, int flags);
int	lwkt_forwardmsg(lwkt_port_t port, lwkt_msg_t msg);
void	lwkt_replymsg(lwkt_msg_t msg, int error);
/* mp_waitmsg flag: lwkt_checkmsg's call, which must not block (a port whose reply is still
 * on its way may then leave the message not DONE: still in flight, as far as the caller sees). */
#define MSGWAITF_POLL	0x1
void	*lwkt_waitport(lwkt_port_t port, int flags);
void	*lwkt_replywait(lwkt_msg_t msg, int error, lwkt_port_t port);	/* reply, then wait */

/*
 * lwkt_waitmsg: wait for msg to complete and return its error, taking it off its reply port.
 * Inline, since the common case — a message completed at once, or collected already — is one
 * test of its flags; anything else is its reply port's wait (mp_waitmsg).
 */
static inline int
lwkt_waitmsg(lwkt_msg_t msg, int flags)
{
	if ((msg->ms_flags & (MSGF_DONE | MSGF_QUEUED)) == MSGF_DONE)
		return msg->ms_error;
	return msg->ms_reply_port->mp_waitmsg(msg, flags);
}
void	*lwkt_getport(lwkt_port_t port);
int	lwkt_checkmsg(lwkt_msg_t msg);
void	lwkt_abortmsg(lwkt_msg_t msg);
int	lwkt_dropmsg(lwkt_msg_t msg);

/* Port kinds. */
void	lwkt_initport_thread(lwkt_port_t port, struct thread *td);
void	lwkt_initport_spin(lwkt_port_t port);
void	lwkt_initport_replyonly(lwkt_port_t port);
void	lwkt_initport_putonly(lwkt_port_t port, int (*putfn)(lwkt_port_t, lwkt_msg_t));
void	lwkt_initport_panic(lwkt_port_t port);
void	lwkt_initport_remote(lwkt_port_t port);

/* Counters, for tests and the inspector: each operation once per call. */
struct lwkt_msgstats {
	uint64_t	sends;		/* sendmsg, domsg, forwardmsg */
	uint64_t	replies;	/* replymsg that completed a message */
	uint64_t	double_replies;	/* replymsg on a message already DONE: a bug, refused */
	uint64_t	aborts;		/* abortmsg on a message in flight */
	uint64_t	drops;		/* dropmsg that removed a message */
};
extern struct lwkt_msgstats lwkt_msgstats;

#endif
