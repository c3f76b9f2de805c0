/*
 * LWKT messages and message ports: the one message-passing API of Damselfly, shared by the
 * kernel and libcr. A system call is a `struct lwkt_msg` followed by its arguments, in user
 * memory, sent to the syscall port.
 *
 * The message contract (DragonFly's):
 *  - lwkt_initmsg() marks a message DONE: it is DONE until it is sent.
 *  - A put (mp_putport) that returns anything but EASYNC completed synchronously; the answer is
 *    already in ms_error/ms_result. EASYNC means the message was queued and will be replied.
 *  - lwkt_domsg() sends and waits, but blocks only when the put answered EASYNC.
 *
 * The layout of struct lwkt_msg is part of the system-call ABI: toolchain/spec.py holds the same
 * offsets (HEADER_FIELDS), and the generated sys/sysmsg.h asserts that both agree.
 */
#ifndef _SYS_MSGPORT_H_
#define _SYS_MSGPORT_H_

#include <sys/types.h>
#include <sys/queue.h>

struct lwkt_msg;
struct lwkt_port;
typedef struct lwkt_msg *lwkt_msg_t;
typedef struct lwkt_port *lwkt_port_t;

struct lwkt_msg {
	TAILQ_ENTRY(lwkt_msg) ms_node;		/* link on a port's queue (sender's side) */
	lwkt_port_t	ms_target_port;		/* the port it was sent to */
	lwkt_port_t	ms_reply_port;		/* where the reply goes */
	void		(*ms_abortfn)(lwkt_msg_t); /* asks the target to finish early */
	uint32_t	ms_flags;		/* MSGF_ below */
	uint32_t	ms_cmd;			/* the operation: a syscall number for syscall messages */
	int32_t		ms_error;		/* 0 or a positive errno; valid once DONE */
	int64_t		ms_result;		/* the answer; valid once DONE */
	uint64_t	ms_tag;			/* the sender's own; no receiver touches it */
};

/*
 * Message flags.
 *  DONE	the message is not in flight: never sent, or completed (set by initmsg and reply)
 *  REPLY	the message was replied (as opposed to never sent)
 *  QUEUED	the message sits on a port's queue
 *  SYNC	the sender waits for it (domsg); the target may complete it in place
 *  ABORTABLE	the target supports lwkt_abortmsg on it
 *  ASYNC	system calls: the sender will collect the reply later (sendmsg + waitmsg)
 * The kernel accepts only MSGF_USER_SUBMIT bits in a syscall message; any other bit is EINVAL.
 */
#define MSGF_DONE	0x0001
#define MSGF_REPLY	0x0002
#define MSGF_QUEUED	0x0004
#define MSGF_SYNC	0x0008
#define MSGF_ABORTABLE	0x0010
#define MSGF_ASYNC	0x0020
#define MSGF_USER_SUBMIT (MSGF_DONE | MSGF_REPLY | MSGF_SYNC | MSGF_ASYNC)

/*
 * A port: where messages are sent. Behaviour comes from the mp_ vector, so a port may be a
 * thread's queue, a function called on put (the syscall port), or a shim in front of another.
 */
struct lwkt_port {
	TAILQ_HEAD(, lwkt_msg) mp_msgq;		/* messages received, not yet taken */
	int		(*mp_putport)(lwkt_port_t, lwkt_msg_t);	/* deliver; 0/errno = done, EASYNC = queued */
	int		(*mp_waitmsg)(lwkt_msg_t, int flags);	/* wait until the message is DONE */
	void		(*mp_replyport)(lwkt_port_t, lwkt_msg_t); /* take a reply */
	void		*mp_arg;			/* the port kind's own data */
};

void	lwkt_initmsg(lwkt_msg_t msg, lwkt_port_t rport, uint32_t flags);
int	lwkt_domsg(lwkt_port_t port, lwkt_msg_t msg, int flags);
void	lwkt_replymsg(lwkt_msg_t msg, int error);

#endif
