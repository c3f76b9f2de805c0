/*
 * The system-call message header: a `struct lwkt_msg`, in user memory, followed by the call's
 * arguments (the generated <sys/sysmsg.h>). Its layout and its flags are ABI, shared by the
 * kernel, libcr and the host's decoders (toolchain/spec.py's HEADER_SIZE, asserted by
 * <sys/sysmsg.h>; the host reads the fields and the flags from the kernel's DWARF). The port
 * API that sends and replies such messages is <sys/msgport.h>.
 */
#ifndef _SYS_LWKT_MSG_H_
#define _SYS_LWKT_MSG_H_

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
 *  DONE	not in flight: never sent, or completed (set by initmsg and by every reply)
 *  REPLY	the message was replied (as opposed to never sent)
 *  QUEUED	the message sits on a port's queue (target port, or reply port after a reply)
 *  SYNC	the sender waits for it (domsg); the reply wakes the sender instead of queueing
 *  ABORTABLE	the target supports lwkt_abortmsg on it (it set ms_abortfn)
 *  ASYNC	system calls: the sender will collect the reply later (sendmsg + waitmsg)
 *  ABORTED	lwkt_abortmsg was called while it was in flight
 *  REMOTE	a remote agent holds it (libcr: the kernel answered EASYNC and the completion
 *		is not collected yet); see lwkt_initport_remote
 *  EARLY	its completion was collected before its sender marked it REMOTE: the sender,
 *		not the collector, completes it (libcr's sysport.c: held, cr_collected)
 * Every flag belongs to the sender's side (for a system call, libcr's): the kernel reads only
 * MSGF_ASYNC, accepts only MSGF_USER_SUBMIT bits in a syscall message (any other bit is
 * EINVAL), and never writes ms_flags at all; it answers through ms_error and ms_result only.
 * An enum: the host's decoders and inspector read the flags from DWARF (docs/layout.md).
 */
enum lwkt_msg_flags {
	MSGF_DONE = 0x0001,
	MSGF_REPLY = 0x0002,
	MSGF_QUEUED = 0x0004,
	MSGF_SYNC = 0x0008,
	MSGF_ABORTABLE = 0x0010,
	MSGF_ASYNC = 0x0020,
	MSGF_ABORTED = 0x0040,
	MSGF_REMOTE = 0x0080,
	MSGF_EARLY = 0x0100,
	MSGF_USER_SUBMIT = MSGF_DONE | MSGF_REPLY | MSGF_SYNC | MSGF_ASYNC,
};

#endif
