/*
 * Serializer ports (sys/serialize.h; docs/smp.md, "Serializer ports"): messages handled one at a
 * time, from any CPU, in order of arrival, by whichever thread holds the port.
 *
 * The port's state is sp_busy and its queue. The rule that keeps a message from being stranded:
 * a message is queued only while sp_busy is 1, and sp_busy goes back to 0 only when the queue is
 * empty, both under sp_lock. So sp_busy 0 means the queue is empty, and a put that takes the port
 * with its compare-and-swap (no lock) has nobody ahead of it. A put that finds the port taken
 * takes the lock and tries once more (the holder may have let it go meanwhile) before it queues.
 * The holder, after each handler, takes the next queued message under the lock, or, finding
 * none, lets the port go under the lock. The compare-and-swap acquires and the release store
 * releases, so whatever one handler wrote is seen by the next, on any CPU.
 *
 * Order: a queued message is run by the holder in queue order; a sender's next put comes after
 * its previous one returned, when that message was either handled or queued, and a later put
 * can take the port only once the queue is empty, so a sender's messages are handled in the
 * order it sent them.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/msgport.h>
#include <sys/serialize.h>

/* serialize_try: take the port if it is free (one compare-and-swap); true if taken. */
static inline bool
serialize_try(struct lwkt_serport *sp)
{
	uint32_t free = 0;

	return __atomic_compare_exchange_n(&sp->sp_busy, &free, 1, false, __ATOMIC_ACQUIRE,
	    __ATOMIC_RELAXED);
}

/*
 * serialize_drain: the holder runs the queued messages, one at a time in queue order, replying
 * each the handler answers, then lets the port go when the queue is empty.
 */
static void
serialize_drain(struct lwkt_serport *sp)
{
	lwkt_port_t port = &sp->sp_port;
	lwkt_msg_t msg;
	int error;

	for (;;) {
		spin_lock(&sp->sp_lock);
		if ((msg = TAILQ_FIRST(&port->mp_msgq)) == NULL) {
			__atomic_store_n(&sp->sp_busy, 0, __ATOMIC_RELEASE);
			spin_unlock(&sp->sp_lock);
			return;
		}
		TAILQ_REMOVE(&port->mp_msgq, msg, ms_node);
		msg->ms_flags &= ~MSGF_QUEUED;
		spin_unlock(&sp->sp_lock);
		sp->sp_by_holder++;
		error = sp->sp_handler(port, msg);
		if (error != EASYNC)
			lwkt_replymsg(msg, error);
	}
}

/*
 * serialize_putport: the port's put. Free: the caller takes it, runs the handler on msg and
 * returns its answer, after running whatever others queued meanwhile. Taken: msg is queued for
 * the holder and the put answers EASYNC (the holder replies it).
 */
static int
serialize_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	struct lwkt_serport *sp = (struct lwkt_serport *)port;
	int error;

	if (!serialize_try(sp)) {
		spin_lock(&sp->sp_lock);
		if (!serialize_try(sp)) {	/* still taken: its holder will see the queue */
			msg->ms_flags |= MSGF_QUEUED;
			TAILQ_INSERT_TAIL(&port->mp_msgq, msg, ms_node);
			sp->sp_queued++;
			spin_unlock(&sp->sp_lock);
			return EASYNC;
		}
		spin_unlock(&sp->sp_lock);
	}
	sp->sp_direct++;
	error = sp->sp_handler(port, msg);
	serialize_drain(sp);
	return error;
}

/* serialize_dropmsg: a message still queued (not yet handled) leaves the queue; else ENOENT. */
static int
serialize_dropmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	struct lwkt_serport *sp = (struct lwkt_serport *)port;
	int error = ENOENT;

	spin_lock(&sp->sp_lock);
	if ((msg->ms_flags & (MSGF_QUEUED | MSGF_DONE)) == MSGF_QUEUED && msg->ms_target_port == port) {
		TAILQ_REMOVE(&port->mp_msgq, msg, ms_node);
		msg->ms_flags &= ~MSGF_QUEUED;
		error = 0;
	}
	spin_unlock(&sp->sp_lock);
	return error;
}

/* serialize_replyport: a serializer port takes no replies (its queue holds requests only). */
static void
serialize_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	(void)msg;
	panic("a reply sent to a serializer port (%p)", port);
}

/* lwkt_initport_serialize: sp becomes a free serializer port whose messages go to handler. */
void
lwkt_initport_serialize(struct lwkt_serport *sp, int (*handler)(lwkt_port_t, lwkt_msg_t))
{
	lwkt_initport_putonly(&sp->sp_port, serialize_putport);	/* nobody waits on it */
	sp->sp_port.mp_replyport = serialize_replyport;
	sp->sp_port.mp_dropmsg = serialize_dropmsg;
	sp->sp_lock = (struct spinlock)SPINLOCK_INITIALIZER;
	sp->sp_busy = 0;
	sp->sp_handler = handler;
	sp->sp_direct = sp->sp_queued = sp->sp_by_holder = 0;
}
