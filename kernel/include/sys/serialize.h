/*
 * Serializer ports (kern/lwkt_serialize.c; docs/smp.md, "Serializer ports"): a port whose
 * messages are handled one at a time, from any CPU, in the order they arrive, with no thread of
 * its own. A put runs the port's handler at once, on the putting thread, when the port is free
 * (taking it with one compare-and-swap); when another thread (of any CPU) holds it, the message
 * is queued and that holder runs it next, before it lets the port go. No two handlers of one
 * port ever run at once; a sender's messages are handled in the order it sent them.
 *
 * The handler answers like a put-only port's put: an errno or 0 (the message is answered: the
 * put returns it for a message it handled itself, the holder replies a queued one), or EASYNC
 * (the handler keeps the message and replies it later). A queued message may be aborted: it
 * leaves the queue and is replied ECANCELED. The port never takes replies and nobody waits on it.
 *
 * Kernel only: the queue is shared between CPUs under a spin lock and the port is taken with
 * an atomic, which libcr's one-CPU ports (lwkt_msgport.c, compiled for both) never need. The
 * handler runs outside the port's lock, so it may block (the port stays taken: puts meanwhile
 * queue), except when the port is put to from an interrupt's deferred work.
 */
#ifndef _SYS_SERIALIZE_H_
#define _SYS_SERIALIZE_H_

#include <sys/msgport.h>
#include <sys/spinlock.h>

struct lwkt_serport {
	struct lwkt_port sp_port;	/* first: what senders send to (&sp->sp_port) */
	struct spinlock	sp_lock;	/* the queue (sp_port.mp_msgq) and the release of sp_busy */
	volatile uint32_t sp_busy;	/* 1: a thread runs the handler (taken by compare-and-swap) */
	int		(*sp_handler)(lwkt_port_t, lwkt_msg_t);
	/* statistics (under sp_lock, or by the holder) */
	uint32_t	sp_direct;	/* messages the putting thread handled itself */
	uint32_t	sp_queued;	/* messages queued for the holder: the port was taken */
	uint32_t	sp_by_holder;	/* queued messages a holder handled */
};

void	lwkt_initport_serialize(struct lwkt_serport *sp, int (*handler)(lwkt_port_t, lwkt_msg_t));

#endif
