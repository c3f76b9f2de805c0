/*
 * LWKT messages and ports (sys/msgport.h), compiled into the kernel and into libcr alike.
 * Everything that differs between the two sides (who is running, how a thread blocks and is
 * woken, critical sections) goes through the seam in sys/msgport_sys.h.
 *
 * Waiting happens inside a critical section, so no wakeup falls between publishing the wait and
 * blocking. On a thread port only the owner ever waits, so one flag (MSGPORTF_WAITING) says
 * "wake the owner", and the owner re-checks what it waits for: the fast path, used by every
 * thread's own port. On a spin port any number of threads wait: each puts a msgport_waiter
 * record, on its own stack, on the port's mp_waitq, and a put or reply wakes the right one.
 *
 * Direct hand-off: a thread port's owner waits in waitport as RECEIVING. A domsg to it then
 * (when the seam allows: msgport_handoff_ok) hands the message over in mp_handoff, not through
 * the queue, and the CPU switches straight to the receiver (msgport_handoff); the sender, still
 * runnable, waits for its reply when its turn comes. No queueing, no wakeup, no scheduler pick.
 */
#include <sys/errno.h>
#include <sys/msgport.h>
#include <sys/msgport_sys.h>

struct lwkt_msgstats lwkt_msgstats;

/* -- waiting and waking -------------------------------------------------------------------- */

/*
 * wake: someone may wait for chan (the port, or a message) on port. A thread port's owner
 * re-checks whatever it waits for; on a spin port, the first waiter for chan (every one, if
 * all is set) is woken. Inside a critical section.
 */
static inline __attribute__((always_inline)) void
wake(lwkt_port_t port, const void *chan, bool all)
{
	struct msgport_waiter *w;

	if (port->mp_flags & MSGPORTF_THREAD) {
		if (port->mp_flags & MSGPORTF_WAITING) {
			port->mp_flags &= ~(MSGPORTF_WAITING | MSGPORTF_RECEIVING);
			msgport_wakeup(port->mp_td);
		}
		return;
	}
	TAILQ_FOREACH(w, &port->mp_waitq, w_link) {
		if (w->w_chan != chan || w->w_woken)
			continue;
		w->w_woken = 1;
		msgport_wakeup(w->w_td);
		if (!all)
			return;
	}
}

/*
 * sleep_on: block the caller once, until a wake for chan (it re-checks in a loop). On a thread
 * port only the owner may wait: one flag says so. On a spin port the waiter record lives on the
 * caller's stack and leaves the queue before this returns (gcc cannot see that). Inside a
 * critical section.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
static void
spin_sleep_on(lwkt_port_t port, const void *chan, const char *wmesg)
{
	struct msgport_waiter w = { .w_td = msgport_curthread(), .w_chan = chan, .w_woken = 0 };

	TAILQ_INSERT_TAIL(&port->mp_waitq, &w, w_link);
	while (!w.w_woken)
		msgport_block(wmesg, chan);
	TAILQ_REMOVE(&port->mp_waitq, &w, w_link);
}
#pragma GCC diagnostic pop

/* thread_sleep_on: the owner of a thread port blocks once; flags say why (MSGPORTF_). */
static inline __attribute__((always_inline)) void
thread_sleep_on(lwkt_port_t port, const void *chan, const char *wmesg, int flags)
{
	if (port->mp_td != msgport_curthread())
		msgport_panic("only its owner may wait on a thread port", port);
	port->mp_flags |= flags;
	msgport_block(wmesg, chan);
}

static inline __attribute__((always_inline)) void
sleep_on(lwkt_port_t port, const void *chan, const char *wmesg)
{
	if ((port->mp_flags & MSGPORTF_THREAD) == 0)
		spin_sleep_on(port, chan, wmesg);
	else
		thread_sleep_on(port, chan, wmesg, MSGPORTF_WAITING);
}

/* -- queueing ports: thread ports and spin ports ------------------------------------------ */

static void put_there(void *port, int msg);

static int
queue_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	if (msgport_elsewhere(port)) {
		msgport_send_elsewhere(port, put_there, msg);
		return EASYNC;
	}
	msgport_crit_enter();
	msg->ms_flags |= MSGF_QUEUED;
	TAILQ_INSERT_TAIL(&port->mp_msgq, msg, ms_node);
	wake(port, port, false);
	msgport_crit_exit();
	return EASYNC;
}

/* put_there: queue_putport on the CPU of the port's owner (an IPI message). */
static void
put_there(void *port, int msg)
{
	queue_putport(port, (lwkt_msg_t)(uintptr_t)msg);
}

/* unqueue_reply: a completed msg that waits on its reply port's queue leaves it. In a section. */
static inline void
unqueue_reply(lwkt_port_t port, lwkt_msg_t msg)
{
	if ((msg->ms_flags & (MSGF_DONE | MSGF_QUEUED)) == (MSGF_DONE | MSGF_QUEUED)) {
		TAILQ_REMOVE(&port->mp_msgq, msg, ms_node);
		msg->ms_flags &= ~MSGF_QUEUED;
	}
}

/* take: dequeue the first message of a non-empty port. Inside a critical section. */
static lwkt_msg_t
take(lwkt_port_t port)
{
	lwkt_msg_t msg = TAILQ_FIRST(&port->mp_msgq);

	TAILQ_REMOVE(&port->mp_msgq, msg, ms_node);
	msg->ms_flags &= ~MSGF_QUEUED;
	return msg;
}

/*
 * queue_wait: the next message on port, waiting for one (a queueing port's mp_waitport, which
 * lwkt_waitport calls directly). A thread port's owner waits as RECEIVING, so a domsg may hand
 * it its message directly (mp_handoff) instead of queueing it. queue_wait_in is the same from
 * inside a critical section, which it leaves.
 */
static inline __attribute__((always_inline)) void *
queue_wait_in(lwkt_port_t port)
{
	lwkt_msg_t msg;

	while (TAILQ_EMPTY(&port->mp_msgq)) {
		if ((port->mp_flags & MSGPORTF_THREAD) == 0) {
			spin_sleep_on(port, port, "waitport");
			continue;
		}
		thread_sleep_on(port, port, "waitport", MSGPORTF_WAITING | MSGPORTF_RECEIVING);
		if ((msg = port->mp_handoff) != NULL) {
			port->mp_handoff = NULL;
			msgport_crit_exit();
			return msg;
		}
	}
	msg = take(port);
	msgport_crit_exit();
	return msg;
}

static inline __attribute__((always_inline)) void *
queue_wait(lwkt_port_t port)
{
	msgport_crit_enter();
	return queue_wait_in(port);
}

static void *
queue_waitport(lwkt_port_t port, int flags)
{
	(void)flags;
	return queue_wait(port);
}

/*
 * queue_reply: a synchronous sender is waiting on the message itself: mark it done and wake it.
 * Otherwise the reply is queued on the port, for lwkt_waitmsg or lwkt_waitport to take. Inside a
 * critical section.
 */
static inline __attribute__((always_inline)) void
queue_reply(lwkt_port_t port, lwkt_msg_t msg)
{
	if (msg->ms_flags & MSGF_SYNC) {
		msg->ms_flags |= MSGF_DONE | MSGF_REPLY;
	} else {
		msg->ms_flags |= MSGF_DONE | MSGF_REPLY | MSGF_QUEUED;
		TAILQ_INSERT_TAIL(&port->mp_msgq, msg, ms_node);
		wake(port, port, false);
	}
	wake(port, msg, true);
}

static void
queue_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	queue_reply(port, msg);
}

/* reply_there: queue_reply on the CPU of the reply port's owner (an IPI message). */
static void
reply_there(void *port, int msg)
{
	msgport_crit_enter();
	queue_reply(port, (lwkt_msg_t)(uintptr_t)msg);
	msgport_crit_exit();
}

/*
 * queue_waitmsg: wait until msg is DONE (with MSGWAITF_POLL, not at all); an asynchronous reply
 * is taken off the port.
 */
static int
queue_waitmsg(lwkt_msg_t msg, int flags)
{
	lwkt_port_t port = msg->ms_reply_port;

	msgport_crit_enter();
	while ((msg->ms_flags & MSGF_DONE) == 0 && (flags & MSGWAITF_POLL) == 0)
		sleep_on(port, msg, "waitmsg");
	unqueue_reply(port, msg);
	msgport_crit_exit();
	return msg->ms_error;
}

static int
queue_dropmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	int error = ENOENT;

	msgport_crit_enter();
	if ((msg->ms_flags & (MSGF_QUEUED | MSGF_DONE)) == MSGF_QUEUED && msg->ms_target_port == port) {
		TAILQ_REMOVE(&port->mp_msgq, msg, ms_node);
		msg->ms_flags &= ~MSGF_QUEUED;
		error = 0;
	}
	msgport_crit_exit();
	return error;
}

static void
port_init(lwkt_port_t port)
{
	TAILQ_INIT(&port->mp_msgq);
	TAILQ_INIT(&port->mp_waitq);
	port->mp_flags = 0;
	port->mp_td = NULL;
	port->mp_handoff = NULL;
	port->mp_putport = queue_putport;
	port->mp_waitport = queue_waitport;
	port->mp_waitmsg = queue_waitmsg;
	port->mp_replyport = queue_replyport;
	port->mp_dropmsg = queue_dropmsg;
	port->mp_arg = NULL;
}

/* lwkt_initport_thread: a thread's own port; only td may wait on it. */
void
lwkt_initport_thread(lwkt_port_t port, struct thread *td)
{
	port_init(port);
	port->mp_flags = MSGPORTF_THREAD;
	port->mp_td = td;
}

/* lwkt_initport_spin: a port any number of threads may wait on; each message goes to one. */
void
lwkt_initport_spin(lwkt_port_t port)
{
	port_init(port);
}

/* -- reply-only, put-only and panic ports ---------------------------------------------------- */

static void
replyonly_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	msg->ms_flags |= MSGF_DONE | MSGF_REPLY;
	wake(port, msg, true);
}

static void *
no_waitport(lwkt_port_t port, int flags)
{
	(void)flags;
	msgport_panic("lwkt_waitport on a port that never queues", port);
}

static int
no_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	(void)msg;
	msgport_panic("a message sent to a port that takes none", port);
}

/* lwkt_initport_replyonly: replies mark the message DONE and nothing is queued (poll or waitmsg). */
void
lwkt_initport_replyonly(lwkt_port_t port)
{
	port_init(port);
	port->mp_putport = no_putport;
	port->mp_waitport = no_waitport;
	port->mp_replyport = replyonly_replyport;
}

/* lwkt_initport_putonly: a put calls putfn, which answers or returns EASYNC and replies later. */
void
lwkt_initport_putonly(lwkt_port_t port, int (*putfn)(lwkt_port_t, lwkt_msg_t))
{
	port_init(port);
	port->mp_putport = putfn;
	port->mp_waitport = no_waitport;
}

static void
panic_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	(void)msg;
	msgport_panic("a reply sent to a panic port", port);
}

/* lwkt_initport_panic: a port nothing may use; for messages that must never be replied. */
void
lwkt_initport_panic(lwkt_port_t port)
{
	port_init(port);
	port->mp_putport = no_putport;
	port->mp_waitport = no_waitport;
	port->mp_replyport = panic_replyport;
}

/* -- the message API --------------------------------------------------------------------------- */

/* lwkt_initmsg: a message is DONE until it is sent; replies go to rport. */
void
lwkt_initmsg(lwkt_msg_t msg, lwkt_port_t rport, uint32_t flags)
{
	msg->ms_target_port = NULL;
	msg->ms_reply_port = rport;
	msg->ms_abortfn = NULL;
	msg->ms_flags = flags | MSGF_DONE;
	msg->ms_error = 0;
	msg->ms_result = 0;
}

/* lwkt_initmsg_abortable: the same, for a target that can finish early through abortfn. */
void
lwkt_initmsg_abortable(lwkt_msg_t msg, lwkt_port_t rport, uint32_t flags,
    void (*abortfn)(lwkt_msg_t))
{
	lwkt_initmsg(msg, rport, flags | MSGF_ABORTABLE);
	msg->ms_abortfn = abortfn;
}

/* start: mark msg in flight to port (set: MSGF_SYNC for domsg). */
static inline __attribute__((always_inline)) void
start(lwkt_port_t port, lwkt_msg_t msg, uint32_t set)
{
	if ((msg->ms_flags & (MSGF_DONE | MSGF_QUEUED)) != MSGF_DONE)
		msgport_panic("sending a message that is already in flight", msg);
	msg->ms_flags &= ~(MSGF_DONE | MSGF_REPLY | MSGF_SYNC | MSGF_ABORTED);
	msg->ms_flags |= set;
	msg->ms_target_port = port;
	lwkt_msgstats.sends++;
	msgport_trace_send(msg, port);
}

/* begin: mark msg in flight and hand it to port; returns the put's answer. */
static int
begin(lwkt_port_t port, lwkt_msg_t msg, uint32_t set)
{
	start(port, msg, set);
	return port->mp_putport(port, msg);
}

static inline __attribute__((always_inline)) void replymsg(lwkt_msg_t msg, int error);

/*
 * lwkt_sendmsg: send without waiting. An answer the target gave at once is replied to the reply
 * port right away, so the sender always collects results the same way.
 */
void
lwkt_sendmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	int error;

	start(port, msg, 0);				/* begin(), written out */
	error = port->mp_putport(port, msg);
	if (error != EASYNC)
		replymsg(msg, error);		/* lwkt_replymsg's body, without its call */
}

/*
 * lwkt_domsg: send and wait; blocks only when the target queued the message (EASYNC).
 * Direct hand-off: when port is a thread port whose owner waits in waitport for its next
 * message, and the seam allows it (msgport_handoff_ok: same CPU, same priority, nothing higher
 * runnable), the message goes to the owner in mp_handoff and the CPU switches straight to it; the
 * sender stays runnable and collects its reply when its turn comes (often: already there).
 */
static __attribute__((noinline)) int
domsg_put(lwkt_port_t port, lwkt_msg_t msg, int flags)
{
	int error = begin(port, msg, MSGF_SYNC);

	if (error == EASYNC)
		return lwkt_waitmsg(msg, flags);
	msg->ms_error = error;
	msg->ms_flags |= MSGF_DONE | MSGF_REPLY;
	msgport_trace_reply(msg, NULL, error);		/* answered by the put itself */
	return error;
}

static inline __attribute__((always_inline)) int
domsg(lwkt_port_t port, lwkt_msg_t msg, int flags)
{
	if (port->mp_flags & MSGPORTF_RECEIVING) {
		struct thread *cur = msgport_curthread();
		msgport_crit_enter_td(cur);
		if ((port->mp_flags & MSGPORTF_RECEIVING) && msgport_handoff_ok(cur, port->mp_td)) {
			start(port, msg, MSGF_SYNC);
			port->mp_flags &= ~(MSGPORTF_WAITING | MSGPORTF_RECEIVING);
			port->mp_handoff = msg;
			msgport_handoff(cur, port->mp_td);
			msgport_crit_exit_td(cur);
			return lwkt_waitmsg(msg, flags);
		}
		msgport_crit_exit_td(cur);
	}
	return domsg_put(port, msg, flags);
}

/*
 * A side may put fast paths in front of lwkt_domsg and lwkt_replywait (libcr: lwkt/switch.S,
 * MSGPORT_FAST_PATHS). The C below is then their slow path, lwkt_domsg_slow and
 * lwkt_replywait_slow, which arms the fast ones again on its way out (msgport_fast_rearm).
 */
#ifdef MSGPORT_FAST_PATHS
#define DOMSG_FN	lwkt_domsg_slow
#define REPLYWAIT_FN	lwkt_replywait_slow
#else
#define DOMSG_FN	lwkt_domsg
#define REPLYWAIT_FN	lwkt_replywait
#define msgport_fast_rearm()	do { } while (0)
#endif

int
DOMSG_FN(lwkt_port_t port, lwkt_msg_t msg, int flags)
{
	int error = domsg(port, msg, flags);

	msgport_fast_rearm();
	return error;
}

/* lwkt_forwardmsg: pass a received message on to another port; its reply port is unchanged. */
int
lwkt_forwardmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	int error;

	if (msg->ms_flags & (MSGF_DONE | MSGF_QUEUED))
		msgport_panic("forwarding a message that is not held by its receiver", msg);
	msg->ms_target_port = port;
	lwkt_msgstats.sends++;
	msgport_trace_send(msg, port);
	error = port->mp_putport(port, msg);
	if (error != EASYNC)
		lwkt_replymsg(msg, error);
	return error;
}

/*
 * replymsg, lwkt_replymsg: complete a message with error. A message completes exactly once: a
 * second reply is refused, counted and reported, and the first answer stands. replymsg is the
 * body, which lwkt_sendmsg runs for an answer given at once without lwkt_replymsg's call.
 */
static inline __attribute__((always_inline)) void
replymsg(lwkt_msg_t msg, int error)
{
	lwkt_port_t port = msg->ms_reply_port;

	msgport_crit_enter();
	if (msg->ms_flags & MSGF_DONE) {
		lwkt_msgstats.double_replies++;
		msgport_crit_exit();
		msgport_warn("lwkt_replymsg: message already completed; second reply refused", msg);
		return;
	}
	msg->ms_error = error;
	lwkt_msgstats.replies++;
	msgport_trace_reply(msg, port, error);
	if (port == NULL)
		msg->ms_flags |= MSGF_DONE | MSGF_REPLY;	/* nobody to tell: just complete */
	else if (port->mp_replyport == queue_replyport && msgport_elsewhere(port))
		msgport_send_elsewhere(port, reply_there, msg);	/* completes on its owner's CPU */
	else if (port->mp_replyport == queue_replyport)
		queue_reply(port, msg);			/* thread and spin ports: no call */
	else
		port->mp_replyport(port, msg);
	msgport_crit_exit();
}

/* lwkt_replymsg: see replymsg above. */
void
lwkt_replymsg(lwkt_msg_t msg, int error)
{
	replymsg(msg, error);
}

/*
 * lwkt_replywait: lwkt_replymsg(msg, error), then lwkt_waitport(port, 0): a server's "answer
 * this one, give me the next". When msg's reply port and port are both queueing ports (thread
 * and spin ports), the two run in one critical section, with one call: the reply exactly as
 * lwkt_replymsg makes it, the wait exactly as lwkt_waitport's. Anything else (another port kind,
 * no reply port, a second reply) is the two calls.
 */
static inline __attribute__((always_inline)) void *
replywait(lwkt_msg_t msg, int error, lwkt_port_t port)
{
	lwkt_port_t rport = msg->ms_reply_port;

	if (__builtin_expect(port->mp_waitport == queue_waitport && rport != NULL &&
	    rport->mp_replyport == queue_replyport, 1)) {
		msgport_crit_enter();
		if (__builtin_expect((msg->ms_flags & MSGF_DONE) == 0, 1)) {
			msg->ms_error = error;
			lwkt_msgstats.replies++;
			msgport_trace_reply(msg, rport, error);
			queue_reply(rport, msg);
			return queue_wait_in(port);
		}
		msgport_crit_exit();
	}
	lwkt_replymsg(msg, error);		/* (a second reply: refused and reported there) */
	return lwkt_waitport(port, 0);
}

void *
REPLYWAIT_FN(lwkt_msg_t msg, int error, lwkt_port_t port)
{
	void *next = replywait(msg, error, port);

	msgport_fast_rearm();
	return next;
}

/* lwkt_waitport: the next message on port (a request or a reply), waiting for one if need be. */
void *
lwkt_waitport(lwkt_port_t port, int flags)
{
	if (port->mp_waitport == queue_waitport)
		return queue_wait(port);		/* thread and spin ports: no call */
	return port->mp_waitport(port, flags);
}

/* lwkt_getport: the next message on port, or NULL at once when there is none. */
void *
lwkt_getport(lwkt_port_t port)
{
	lwkt_msg_t msg = NULL;

	msgport_crit_enter();
	if (!TAILQ_EMPTY(&port->mp_msgq))
		msg = take(port);
	msgport_crit_exit();
	return msg;
}

/*
 * lwkt_checkmsg: has msg completed? Asks its reply port without waiting (mp_waitmsg with
 * MSGWAITF_POLL): a reply that sits on the port is taken off, and a remote reply port looks for
 * a completion its agent holds. Returns 1 when complete and off its reply port's queue (the
 * caller may reuse it), 0 while in flight. A reply that lands after the poll (from another
 * vCPU) is DONE but still queued: that is 0 too, and the next check takes it off.
 */
int
lwkt_checkmsg(lwkt_msg_t msg)
{
	if ((msg->ms_flags & (MSGF_DONE | MSGF_QUEUED)) == MSGF_DONE)
		return 1;
	if (msg->ms_reply_port != NULL)
		msg->ms_reply_port->mp_waitmsg(msg, MSGWAITF_POLL);
	return (msg->ms_flags & (MSGF_DONE | MSGF_QUEUED)) == MSGF_DONE;
}

/*
 * lwkt_abortmsg: ask for msg to finish early. Still queued at its target (not yet received): it
 * is taken back and replied with ECANCELED. Received by an abortable target: its abort function
 * finishes it early (and replies). Otherwise the target completes it normally; MSGF_ABORTED
 * tells the target it may stop. Either way the message completes exactly once.
 */
void
lwkt_abortmsg(lwkt_msg_t msg)
{
	msgport_crit_enter();
	if ((msg->ms_flags & (MSGF_DONE | MSGF_ABORTED)) == 0) {
		msg->ms_flags |= MSGF_ABORTED;
		lwkt_msgstats.aborts++;
		msgport_trace_abort(msg);
		if ((msg->ms_flags & MSGF_QUEUED) && msg->ms_target_port != NULL &&
		    msg->ms_target_port->mp_dropmsg(msg->ms_target_port, msg) == 0)
			lwkt_replymsg(msg, ECANCELED);
		else if ((msg->ms_flags & MSGF_ABORTABLE) && msg->ms_abortfn != NULL)
			msg->ms_abortfn(msg);
	}
	msgport_crit_exit();
}

/* lwkt_dropmsg: take a message that was not yet received off its target port, without a reply. */
int
lwkt_dropmsg(lwkt_msg_t msg)
{
	lwkt_port_t port = msg->ms_target_port;
	int error;

	if (port == NULL)
		return ENOENT;
	error = port->mp_dropmsg(port, msg);
	if (error == 0)
		lwkt_msgstats.drops++;
	return error;
}

#ifdef MSGPORT_REMOTE
/* -- remote reply ports (libcr) --------------------------------------------------------------- */

/*
 * A remote reply port (libcr's cr_reply_port) takes the replies of messages sent to a remote
 * agent: for libcr, the kernel. The agent answers a message at once — it is then replied here
 * like on a spin port — or holds it (MSGF_REMOTE) until its completion is collected from the
 * agent through the seam (sys/msgport_sys.h): msgport_remote_collect(msg) waits for that one,
 * msgport_remote_collect_any(flags) for any, or with MSGWAITF_POLL takes one already complete.
 * Either answers the collected message with MSGF_REMOTE cleared and its answer in place, or NULL.
 *
 * Who collects: when the caller may hold up everything while it waits in the agent
 * (msgport_remote_may_wait(): a libcr program with one thread), lwkt_waitmsg and lwkt_waitport
 * collect directly, and the message completes in place — no queue is touched. Otherwise they
 * sleep as on a spin port, and whoever collects (libcr's idle vCPU) replies the message here.
 */

/* remote_done: a collected message completes for the caller in place. */
static void
remote_done(lwkt_msg_t msg)
{
	msg->ms_flags |= MSGF_DONE | MSGF_REPLY;
	lwkt_msgstats.replies++;
	msgport_trace_reply(msg, msg->ms_reply_port, msg->ms_error);
}

/* remote_deliver: a collected message that is not the caller's goes to its waiter or queue. */
static void
remote_deliver(lwkt_msg_t msg, lwkt_msg_t mine)
{
	if (msg == mine)
		remote_done(msg);
	else
		lwkt_replymsg(msg, msg->ms_error);
}

static int
remote_waitmsg(lwkt_msg_t msg, int flags)
{
	lwkt_port_t port = msg->ms_reply_port;
	lwkt_msg_t m;

	msgport_crit_enter();
	while ((msg->ms_flags & MSGF_DONE) == 0) {
		if (flags & MSGWAITF_POLL) {
			/* Take every completion there is; then msg is done, or still in flight. */
			msgport_crit_exit();
			while ((m = msgport_remote_collect_any(MSGWAITF_POLL)) != NULL)
				remote_deliver(m, msg);
			msgport_crit_enter();
			break;
		}
		if ((msg->ms_flags & MSGF_REMOTE) && msgport_remote_may_wait()) {
			msgport_crit_exit();
			m = msgport_remote_collect(msg);
			msgport_crit_enter();
			if (m != NULL) {
				remote_done(m);
				continue;
			}
		}
		sleep_on(port, msg, "waitmsg");
	}
	unqueue_reply(port, msg);
	msgport_crit_exit();
	return msg->ms_error;
}

/*
 * remote_waitport: the next message on a remote reply port. remote_waitport_slow waits for one
 * (entered in a critical section, which it leaves); remote_waitport takes one already queued (a
 * reply given at once, say) without its frame.
 */
static __attribute__((noinline)) void *
remote_waitport_slow(lwkt_port_t port)
{
	lwkt_msg_t msg;

	while (TAILQ_EMPTY(&port->mp_msgq)) {
		if (msgport_remote_may_wait()) {
			msgport_crit_exit();
			msg = msgport_remote_collect_any(0);
			msgport_crit_enter();
			if (msg != NULL && (msg->ms_flags & MSGF_SYNC) == 0) {
				remote_done(msg);	/* the caller's: straight back, unqueued */
				msgport_crit_exit();
				return msg;
			}
			if (msg != NULL) {
				lwkt_replymsg(msg, msg->ms_error);	/* a domsg's: to its waiter */
				continue;
			}
		}
		sleep_on(port, port, "waitport");
	}
	msg = take(port);
	msgport_crit_exit();
	return msg;
}

static void *
remote_waitport(lwkt_port_t port, int flags)
{
	lwkt_msg_t msg;

	(void)flags;
	msgport_crit_enter();
	if (TAILQ_EMPTY(&port->mp_msgq))
		return remote_waitport_slow(port);
	msg = take(port);
	msgport_crit_exit();
	return msg;
}

/* lwkt_initport_remote: a reply port for messages a remote agent may hold (see above). */
void
lwkt_initport_remote(lwkt_port_t port)
{
	port_init(port);
	port->mp_waitmsg = remote_waitmsg;
	port->mp_waitport = remote_waitport;
}
#endif
