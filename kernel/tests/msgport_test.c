/* Kernel tests of LWKT messages and ports: every function, flag and port kind. */
#include "testutil.h"
#include <sys/errno.h>
#include <sys/msgport.h>

/* A worker thread: replies to `count` messages on its port with error `reply_error` and a
 * result of ms_cmd + 1, recording the flags it saw, the first messages, and (with a log) its id
 * for each. */
struct worker {
	int		count;
	int		reply_error;
	uint32_t	seen_flags;
	int		handled;
	lwkt_port_t	forward_to;	/* forward instead of replying */
	struct evlog	*log;		/* or NULL */
	int		id;
	lwkt_msg_t	got[8];
	thread_t	td;
};

static void
worker_main(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < w->count; i++) {
		lwkt_msg_t msg = lwkt_waitport(&curthread->td_msgport, 0);
		w->seen_flags = msg->ms_flags;
		if (w->handled < 8)
			w->got[w->handled] = msg;
		w->handled++;
		if (w->log != NULL)
			evlog_add(w->log, w->id);
		if (w->forward_to != NULL) {
			lwkt_forwardmsg(w->forward_to, msg);
			continue;
		}
		msg->ms_result = msg->ms_cmd + 1;
		lwkt_replymsg(msg, w->reply_error);
	}
}

static thread_t
start_worker(struct worker *w, int flags)
{
	if (lwkt_create(worker_main, w, &w->td, TDPRI_KERN, flags, "t-worker") != 0)
		return NULL;
	return w->td;
}

static int sync_answer;
static int
putonly_sync(lwkt_port_t port, lwkt_msg_t msg)
{
	(void)port;
	msg->ms_result = 99;
	return sync_answer;
}

KTEST(msgport, initmsg_marks_done_until_sent)
{
	struct lwkt_msg msg;

	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	KT_EXPECT_EQ(msg.ms_flags, MSGF_DONE);
	KT_EXPECT(msg.ms_reply_port == &curthread->td_msgport);
	KT_EXPECT_EQ(lwkt_checkmsg(&msg), 1);
	KT_EXPECT_EQ(lwkt_waitmsg(&msg, 0), 0);		/* never sent: nothing to wait for */
}

KTEST(msgport, domsg_completes_synchronously_without_blocking)
{
	struct lwkt_port port;
	struct lwkt_msg msg;
	uint64_t switches = curthread->td_switches;

	lwkt_initport_putonly(&port, putonly_sync);
	sync_answer = 0;
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	KT_EXPECT_EQ(lwkt_domsg(&port, &msg, 0), 0);
	KT_EXPECT_EQ(msg.ms_result, 99);
	KT_EXPECT_EQ(msg.ms_flags & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED), MSGF_DONE | MSGF_REPLY);
	KT_EXPECT_EQ(curthread->td_switches, switches);	/* a put that answers never switches */
	sync_answer = EINVAL;
	KT_EXPECT_EQ(lwkt_domsg(&port, &msg, 0), EINVAL);
	KT_EXPECT_EQ(msg.ms_error, EINVAL);
}

KTEST(msgport, domsg_to_a_thread_waits_for_the_reply)
{
	struct worker w = { .count = 1 };
	struct lwkt_msg msg;
	uint32_t before = lwkt_stats.threads;

	KT_EXPECT(start_worker(&w, 0) != NULL);
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	msg.ms_cmd = 41;
	KT_EXPECT_EQ(lwkt_domsg(&w.td->td_msgport, &msg, 0), 0);
	KT_EXPECT_EQ(msg.ms_result, 42);
	KT_EXPECT((w.seen_flags & MSGF_SYNC) != 0);		/* the receiver knows it is a domsg */
	KT_EXPECT_EQ(msg.ms_flags & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED), MSGF_DONE | MSGF_REPLY);
	KT_EXPECT(lwkt_getport(&curthread->td_msgport) == NULL);	/* nothing left queued */
	KT_EXPECT(settle(before));
}

KTEST(msgport, sendmsg_reply_arrives_on_the_reply_port)
{
	struct worker w = { .count = 1 };
	struct lwkt_msg msg;
	uint32_t before = lwkt_stats.threads;

	KT_EXPECT(start_worker(&w, 0) != NULL);
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	msg.ms_cmd = 1;
	lwkt_sendmsg(&w.td->td_msgport, &msg);
	KT_EXPECT_EQ(msg.ms_flags & MSGF_DONE, 0);		/* in flight */
	lwkt_msg_t got = lwkt_waitport(&curthread->td_msgport, 0);
	KT_EXPECT(got == &msg);
	KT_EXPECT_EQ(w.seen_flags & MSGF_SYNC, 0);
	KT_EXPECT_EQ(msg.ms_flags & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED), MSGF_DONE | MSGF_REPLY);
	KT_EXPECT_EQ(msg.ms_result, 2);
	KT_EXPECT(settle(before));
}

KTEST(msgport, sendmsg_sync_answer_is_still_replied)
{
	struct lwkt_port port;
	struct lwkt_msg msg;

	lwkt_initport_putonly(&port, putonly_sync);
	sync_answer = ENOSPC;
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	lwkt_sendmsg(&port, &msg);
	/* The sender collects it like any asynchronous reply. */
	KT_EXPECT(lwkt_getport(&curthread->td_msgport) == &msg);
	KT_EXPECT_EQ(msg.ms_error, ENOSPC);
	KT_EXPECT((msg.ms_flags & MSGF_DONE) != 0);
}

KTEST(msgport, waitmsg_returns_the_error_and_dequeues)
{
	struct worker w = { .count = 1, .reply_error = EPIPE };
	struct lwkt_msg msg;
	uint32_t before = lwkt_stats.threads;

	KT_EXPECT(start_worker(&w, 0) != NULL);
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	lwkt_sendmsg(&w.td->td_msgport, &msg);
	KT_EXPECT_EQ(lwkt_waitmsg(&msg, 0), EPIPE);
	KT_EXPECT_EQ(msg.ms_flags & MSGF_QUEUED, 0);
	KT_EXPECT(lwkt_getport(&curthread->td_msgport) == NULL);
	KT_EXPECT(settle(before));
}

KTEST(msgport, getport_on_empty_port_returns_null_at_once)
{
	uint64_t switches = curthread->td_switches;

	KT_EXPECT(lwkt_getport(&curthread->td_msgport) == NULL);
	KT_EXPECT_EQ(curthread->td_switches, switches);
}

KTEST(msgport, checkmsg_in_flight_then_done)
{
	struct worker w = { .count = 1 };
	struct lwkt_msg msg;
	uint32_t before = lwkt_stats.threads;

	KT_EXPECT(start_worker(&w, TDF_NOSTART) != NULL);
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	lwkt_sendmsg(&w.td->td_msgport, &msg);
	KT_EXPECT_EQ(lwkt_checkmsg(&msg), 0);
	lwkt_schedule(w.td);
	lwkt_yield();
	KT_EXPECT_EQ(lwkt_checkmsg(&msg), 1);
	KT_EXPECT_EQ(msg.ms_flags & MSGF_QUEUED, 0);		/* checkmsg took it off our port */
	KT_EXPECT(lwkt_getport(&curthread->td_msgport) == NULL);
	KT_EXPECT(settle(before));
}

KTEST(msgport, forwardmsg_keeps_the_reply_port)
{
	struct worker last = { .count = 1 };
	struct worker relay = { .count = 1 };
	struct lwkt_msg msg;
	uint32_t before = lwkt_stats.threads;

	KT_EXPECT(start_worker(&last, 0) != NULL);
	relay.forward_to = &last.td->td_msgport;
	KT_EXPECT(start_worker(&relay, 0) != NULL);
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	msg.ms_cmd = 6;
	KT_EXPECT_EQ(lwkt_domsg(&relay.td->td_msgport, &msg, 0), 0);
	KT_EXPECT_EQ(relay.handled, 1);
	KT_EXPECT_EQ(last.handled, 1);
	KT_EXPECT_EQ(msg.ms_result, 7);				/* answered by the last one */
	KT_EXPECT(msg.ms_target_port == &last.td->td_msgport);
	KT_EXPECT(settle(before));
}

KTEST(msgport, second_reply_is_caught)
{
	struct lwkt_msg msg;
	uint64_t doubles = lwkt_msgstats.double_replies;
	struct lwkt_port rport;

	lwkt_initport_replyonly(&rport);
	lwkt_initmsg(&msg, &rport, 0);
	msg.ms_flags &= ~MSGF_DONE;		/* as if received from a sender */
	lwkt_replymsg(&msg, 0);
	lwkt_replymsg(&msg, EIO);
	KT_EXPECT_EQ(lwkt_msgstats.double_replies, doubles + 1);
	KT_EXPECT_EQ(msg.ms_error, 0);		/* the first answer stands */
}

KTEST(msgport, abort_before_delivery_cancels)
{
	struct worker w = { .count = 1 };
	struct lwkt_msg msg;
	uint32_t before = lwkt_stats.threads;
	uint64_t aborts = lwkt_msgstats.aborts;

	KT_EXPECT(start_worker(&w, TDF_NOSTART) != NULL);	/* it will not receive yet */
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	lwkt_sendmsg(&w.td->td_msgport, &msg);
	lwkt_abortmsg(&msg);
	KT_EXPECT_EQ(lwkt_msgstats.aborts, aborts + 1);
	KT_EXPECT_EQ(lwkt_waitmsg(&msg, 0), ECANCELED);
	KT_EXPECT((msg.ms_flags & MSGF_ABORTED) != 0);
	KT_EXPECT(lwkt_getport(&w.td->td_msgport) == NULL);	/* gone from the target */
	/* Let the worker finish: it still expects one message. */
	struct lwkt_msg last;
	lwkt_initmsg(&last, &curthread->td_msgport, 0);
	lwkt_schedule(w.td);
	KT_EXPECT_EQ(lwkt_domsg(&w.td->td_msgport, &last, 0), 0);
	KT_EXPECT_EQ(w.handled, 1);		/* the aborted message never reached it */
	KT_EXPECT(settle(before));
}

static int abortfn_calls;
static void
abort_with_eintr(lwkt_msg_t msg)
{
	abortfn_calls++;
	lwkt_replymsg(msg, EINTR);
}

static void
hold_message(void *arg)
{
	lwkt_msg_t *slot = arg;

	*slot = lwkt_waitport(&curthread->td_msgport, 0);	/* received, kept, not replied */
}

KTEST(msgport, abort_after_delivery_calls_the_abort_function_once)
{
	lwkt_msg_t held = NULL;
	struct lwkt_msg msg;
	thread_t td;
	uint32_t before = lwkt_stats.threads;
	uint64_t doubles = lwkt_msgstats.double_replies;

	abortfn_calls = 0;
	KT_EXPECT_EQ(lwkt_create(hold_message, &held, &td, TDPRI_KERN, 0, "t-hold"), 0);
	lwkt_initmsg_abortable(&msg, &curthread->td_msgport, 0, abort_with_eintr);
	lwkt_sendmsg(&td->td_msgport, &msg);
	lwkt_yield();
	KT_EXPECT(held == &msg);
	lwkt_abortmsg(&msg);
	lwkt_abortmsg(&msg);				/* a second abort changes nothing */
	KT_EXPECT_EQ(abortfn_calls, 1);
	KT_EXPECT_EQ(lwkt_waitmsg(&msg, 0), EINTR);
	lwkt_replymsg(held, 0);				/* the target's own late reply ... */
	KT_EXPECT_EQ(lwkt_msgstats.double_replies, doubles + 1);	/* ... is refused */
	KT_EXPECT_EQ(msg.ms_error, EINTR);
	KT_EXPECT(settle(before));
}

KTEST(msgport, abort_of_a_completed_message_does_nothing)
{
	struct lwkt_msg msg;
	uint64_t aborts = lwkt_msgstats.aborts;

	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	lwkt_abortmsg(&msg);
	KT_EXPECT_EQ(lwkt_msgstats.aborts, aborts);
	KT_EXPECT_EQ(msg.ms_flags, MSGF_DONE);
}

KTEST(msgport, abort_of_an_unabortable_message_lets_it_finish)
{
	lwkt_msg_t held = NULL;
	struct lwkt_msg msg;
	thread_t td;
	uint32_t before = lwkt_stats.threads;

	KT_EXPECT_EQ(lwkt_create(hold_message, &held, &td, TDPRI_KERN, 0, "t-hold"), 0);
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	lwkt_sendmsg(&td->td_msgport, &msg);
	lwkt_yield();
	lwkt_abortmsg(&msg);
	KT_EXPECT_EQ(lwkt_checkmsg(&msg), 0);		/* still the target's */
	KT_EXPECT((held->ms_flags & MSGF_ABORTED) != 0);	/* which may see the request */
	lwkt_replymsg(held, 0);
	KT_EXPECT_EQ(lwkt_waitmsg(&msg, 0), 0);
	KT_EXPECT(settle(before));
}

KTEST(msgport, dropmsg_takes_back_an_undelivered_message)
{
	struct worker w = { .count = 1 };
	struct lwkt_msg msg, last;
	uint32_t before = lwkt_stats.threads;

	KT_EXPECT(start_worker(&w, TDF_NOSTART) != NULL);
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	lwkt_sendmsg(&w.td->td_msgport, &msg);
	KT_EXPECT_EQ(lwkt_dropmsg(&msg), 0);
	KT_EXPECT_EQ(msg.ms_flags & (MSGF_QUEUED | MSGF_DONE), 0);	/* not queued, not replied */
	KT_EXPECT_EQ(lwkt_dropmsg(&msg), ENOENT);
	lwkt_initmsg(&last, &curthread->td_msgport, 0);
	lwkt_schedule(w.td);
	KT_EXPECT_EQ(lwkt_domsg(&w.td->td_msgport, &last, 0), 0);
	KT_EXPECT(settle(before));
}

KTEST(msgport, thread_port_is_fifo)
{
	struct lwkt_msg msgs[5];
	thread_t td = curthread;

	for (int i = 0; i < 5; i++) {
		lwkt_initmsg(&msgs[i], &td->td_msgport, 0);
		lwkt_sendmsg(&td->td_msgport, &msgs[i]);	/* to ourselves */
	}
	for (int i = 0; i < 5; i++)
		KT_EXPECT(lwkt_waitport(&td->td_msgport, 0) == &msgs[i]);
	for (int i = 0; i < 5; i++)
		lwkt_replymsg(&msgs[i], 0);
	for (int i = 0; i < 5; i++)
		KT_EXPECT_EQ(lwkt_waitmsg(&msgs[i], 0), 0);
}

struct spinner {
	lwkt_port_t	port;
	int		got;
};

static void
spin_receiver(void *arg)
{
	struct spinner *s = arg;
	lwkt_msg_t msg = lwkt_waitport(s->port, 0);

	s->got++;
	lwkt_replymsg(msg, 0);
}

KTEST(msgport, spin_port_gives_each_waiter_one_message)
{
	struct lwkt_port port;
	struct spinner s[3];
	struct lwkt_msg msgs[3];
	uint32_t before = lwkt_stats.threads;

	lwkt_initport_spin(&port);
	for (int i = 0; i < 3; i++) {
		s[i] = (struct spinner){ .port = &port };
		KT_EXPECT_EQ(lwkt_create(spin_receiver, &s[i], NULL, TDPRI_KERN, 0, "t-spinport"), 0);
	}
	lwkt_yield();				/* all three now wait on the one port */
	for (int i = 0; i < 3; i++) {
		lwkt_initmsg(&msgs[i], &curthread->td_msgport, 0);
		lwkt_sendmsg(&port, &msgs[i]);
	}
	for (int i = 0; i < 3; i++)
		KT_EXPECT_EQ(lwkt_waitmsg(&msgs[i], 0), 0);
	for (int i = 0; i < 3; i++)
		KT_EXPECT_EQ(s[i].got, 1);
	KT_EXPECT(settle(before));
}

/* A server that answers with lwkt_replywait: each reply and the next wait in one call. */
struct rw_server {
	int		count;
	int		served;
	thread_t	td;
};

static void
rw_server_main(void *arg)
{
	struct rw_server *sv = arg;
	lwkt_msg_t msg = lwkt_waitport(&curthread->td_msgport, 0);

	for (;;) {
		msg->ms_result = msg->ms_cmd * 2;
		if (++sv->served == sv->count)
			break;
		msg = lwkt_replywait(msg, msg->ms_cmd == 3 ? EIO : 0, &curthread->td_msgport);
	}
	lwkt_replymsg(msg, 0);
}

KTEST(msgport, replywait_replies_then_takes_the_next)
{
	struct rw_server sv = { .count = 6 };
	struct lwkt_msg a, b, c;
	uint32_t before = lwkt_stats.threads;
	uint64_t replies = lwkt_msgstats.replies;

	KT_EXPECT(lwkt_create(rw_server_main, &sv, &sv.td, TDPRI_KERN, 0, "t-rwserver") == 0);
	lwkt_initmsg(&a, &curthread->td_msgport, 0);
	/* domsg: the sender waits on the message itself (SYNC); each answer comes back. */
	for (uint32_t i = 1; i <= 3; i++) {
		a.ms_cmd = i;
		KT_EXPECT_EQ(lwkt_domsg(&sv.td->td_msgport, &a, 0), i == 3 ? EIO : 0);
		KT_EXPECT_EQ(a.ms_result, 2 * i);
	}
	/* sendmsg twice: the replies queue on the reply port, in order. */
	lwkt_initmsg(&b, &curthread->td_msgport, 0);
	lwkt_initmsg(&c, &curthread->td_msgport, 0);
	b.ms_cmd = 10;
	c.ms_cmd = 20;
	lwkt_sendmsg(&sv.td->td_msgport, &b);
	lwkt_sendmsg(&sv.td->td_msgport, &c);
	KT_EXPECT(lwkt_waitport(&curthread->td_msgport, 0) == &b);
	KT_EXPECT(lwkt_waitport(&curthread->td_msgport, 0) == &c);
	KT_EXPECT_EQ(b.ms_result, 20);
	KT_EXPECT_EQ(c.ms_result, 40);
	KT_EXPECT_EQ(b.ms_flags & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED), MSGF_DONE | MSGF_REPLY);
	/* The last one, answered with lwkt_replymsg. */
	a.ms_cmd = 5;
	KT_EXPECT_EQ(lwkt_domsg(&sv.td->td_msgport, &a, 0), 0);
	KT_EXPECT_EQ(sv.served, 6);
	KT_EXPECT_EQ(lwkt_msgstats.replies, replies + 6);
	KT_EXPECT(settle(before));
}

/* replywait with a reply port that is not a queueing one, and with a second reply: the two
 * calls, each as it would be alone. */
KTEST(msgport, replywait_other_ports_and_second_reply)
{
	struct lwkt_port rport, own;
	struct lwkt_msg msg, next;
	uint64_t doubles = lwkt_msgstats.double_replies;

	lwkt_initport_replyonly(&rport);
	lwkt_initport_thread(&own, curthread);
	lwkt_initmsg(&next, NULL, 0);
	lwkt_sendmsg(&own, &next);		/* the next message is waiting already */
	lwkt_initmsg(&msg, &rport, 0);
	msg.ms_flags &= ~MSGF_DONE;		/* as if received from a sender */
	KT_EXPECT(lwkt_replywait(&msg, EIO, &own) == &next);
	KT_EXPECT_EQ(msg.ms_error, EIO);
	KT_EXPECT_EQ(msg.ms_flags & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED), MSGF_DONE | MSGF_REPLY);
	/* A second reply through replywait: refused, counted, the first answer stands. */
	lwkt_replymsg(&next, 0);		/* (no reply port: it just completes) */
	lwkt_sendmsg(&own, &next);
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	msg.ms_flags &= ~MSGF_DONE;
	lwkt_replymsg(&msg, 0);
	KT_EXPECT(lwkt_waitport(&curthread->td_msgport, 0) == &msg);
	KT_EXPECT(lwkt_replywait(&msg, EIO, &own) == &next);
	KT_EXPECT_EQ(lwkt_msgstats.double_replies, doubles + 1);
	KT_EXPECT_EQ(msg.ms_error, 0);
	KT_EXPECT(lwkt_getport(&curthread->td_msgport) == NULL);
}

KTEST(msgport, reply_only_port_just_marks_done)
{
	struct worker w = { .count = 1 };
	struct lwkt_port rport;
	struct lwkt_msg msg;
	uint32_t before = lwkt_stats.threads;

	lwkt_initport_replyonly(&rport);
	KT_EXPECT(start_worker(&w, 0) != NULL);
	lwkt_initmsg(&msg, &rport, 0);
	lwkt_sendmsg(&w.td->td_msgport, &msg);
	while (!lwkt_checkmsg(&msg))		/* poll: nobody is woken, nothing is queued */
		lwkt_yield();
	KT_EXPECT(TAILQ_EMPTY(&rport.mp_msgq));
	KT_EXPECT_EQ(msg.ms_flags & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED), MSGF_DONE | MSGF_REPLY);
	KT_EXPECT(settle(before));
}

/* Many senders x many messages through one collector: every one counted, none lost. */
#define SENDERS		4
#define PER_SENDER	500

struct collector {
	int		received;
	int64_t		sum;
	thread_t	td;
};

static void
collector_main(void *arg)
{
	struct collector *c = arg;

	for (int i = 0; i < SENDERS * PER_SENDER; i++) {
		lwkt_msg_t msg = lwkt_waitport(&curthread->td_msgport, 0);
		c->received++;
		c->sum += msg->ms_cmd;
		msg->ms_result = msg->ms_cmd * 2;
		lwkt_replymsg(msg, 0);
	}
}

struct sender {
	struct collector *c;
	int		replies;
	int64_t		sum;
};

static void
sender_main(void *arg)
{
	struct sender *s = arg;
	struct lwkt_msg msgs[10];
	thread_t td = curthread;

	/* Keep ten messages in flight: send, and resend each as its reply comes back. */
	for (int i = 0; i < 10; i++) {
		lwkt_initmsg(&msgs[i], &td->td_msgport, 0);
		msgs[i].ms_cmd = i;
		lwkt_sendmsg(&s->c->td->td_msgport, &msgs[i]);
	}
	for (int sent = 10; s->replies < PER_SENDER; ) {
		lwkt_msg_t msg = lwkt_waitport(&td->td_msgport, 0);
		s->replies++;
		s->sum += msg->ms_result;
		if (sent < PER_SENDER) {
			msg->ms_cmd = sent++;
			lwkt_sendmsg(&s->c->td->td_msgport, msg);
		}
	}
}

KTEST(msgport, many_threads_many_messages_none_lost)
{
	struct collector c = { 0 };
	struct sender s[SENDERS];
	uint32_t before = lwkt_stats.threads;
	uint64_t sends = lwkt_msgstats.sends, replies = lwkt_msgstats.replies;
	int64_t per_sender = (int64_t)PER_SENDER * (PER_SENDER - 1) / 2;

	KT_EXPECT_EQ(lwkt_create(collector_main, &c, &c.td, TDPRI_KERN, 0, "t-collect"), 0);
	for (int i = 0; i < SENDERS; i++) {
		s[i] = (struct sender){ .c = &c };
		KT_EXPECT_EQ(lwkt_create(sender_main, &s[i], NULL, TDPRI_KERN, 0, "t-send"), 0);
	}
	KT_EXPECT(settle(before));
	KT_EXPECT_EQ(c.received, SENDERS * PER_SENDER);
	KT_EXPECT_EQ(c.sum, SENDERS * per_sender);
	for (int i = 0; i < SENDERS; i++) {
		KT_EXPECT_EQ(s[i].replies, PER_SENDER);
		KT_EXPECT_EQ(s[i].sum, 2 * per_sender);
	}
	/* Every send was replied (settle's own sleeps are messages too, hence >=). */
	KT_EXPECT(lwkt_msgstats.sends - sends >= SENDERS * PER_SENDER);
	KT_EXPECT_EQ(lwkt_msgstats.sends - sends, lwkt_msgstats.replies - replies);
}

/*
 * -- direct hand-off: a domsg to a thread blocked in waitport on its own port (same CPU, same
 * priority, nothing higher runnable) gives it the message without the queue and runs it at once,
 * ahead of the others of its priority; the sender waits its turn behind them.
 */
/* start_receiver: worker r's thread at priority pri, run until it waits in waitport. */
static bool
start_receiver(struct worker *r, int pri)
{
	if (lwkt_create(worker_main, r, &r->td, pri, 0, "t-receiver") != 0)
		return false;
	if (pri >= curthread->td_pri)
		lwkt_yield();
	else
		lwkt_sleep(1);			/* a lower priority runs only while we block */
	return (r->td->td_msgport.mp_flags & MSGPORTF_RECEIVING) != 0;
}

struct noter {
	struct evlog	*log;
	int		id;
};

static void
note_once(void *arg)
{
	struct noter *n = arg;

	evlog_add(n->log, n->id);
}

KTEST(msgport, handoff_runs_the_receiver_before_its_equals)
{
	struct evlog log = { 0 };
	struct worker r = { .log = &log, .id = 1, .count = 1 };
	struct noter other = { .log = &log, .id = 2 };
	struct lwkt_msg msg;
	uint32_t before = lwkt_stats.threads;
	uint64_t switches;

	KT_ASSERT(start_receiver(&r, curthread->td_pri));
	KT_ASSERT_EQ(lwkt_create(note_once, &other, NULL, curthread->td_pri, 0, "t-other"), 0);
	switches = r.td->td_switches;
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	KT_EXPECT_EQ(lwkt_domsg(&r.td->td_msgport, &msg, 0), 0);
	/* Queued, the message would have let t-other (ahead in the queue) run first. */
	KT_EXPECT_EQ(log.n, 2);
	KT_EXPECT_EQ(log.ev[0], 1);
	KT_EXPECT_EQ(log.ev[1], 2);
	KT_EXPECT(r.got[0] == &msg);
	KT_EXPECT_EQ(r.td->td_switches, switches + 1);	/* straight to it, once */
	KT_EXPECT_EQ(msg.ms_flags & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED), MSGF_DONE | MSGF_REPLY);
	KT_EXPECT(settle(before));
}

KTEST(msgport, handoff_keeps_message_order)
{
	struct evlog log = { 0 };
	struct worker r = { .log = &log, .id = 1, .count = 4 };
	struct lwkt_msg m[4];
	uint32_t before = lwkt_stats.threads;

	KT_ASSERT(start_receiver(&r, curthread->td_pri));
	for (int i = 0; i < 4; i++)
		lwkt_initmsg(&m[i], &curthread->td_msgport, 0);
	lwkt_sendmsg(&r.td->td_msgport, &m[0]);		/* queued: it wakes the receiver ... */
	lwkt_sendmsg(&r.td->td_msgport, &m[1]);
	KT_EXPECT_EQ(r.td->td_msgport.mp_flags & MSGPORTF_RECEIVING, 0);
	KT_EXPECT_EQ(lwkt_domsg(&r.td->td_msgport, &m[2], 0), 0);	/* ... so this one queues too */
	KT_EXPECT((r.td->td_msgport.mp_flags & MSGPORTF_RECEIVING) != 0);
	KT_EXPECT_EQ(lwkt_domsg(&r.td->td_msgport, &m[3], 0), 0);	/* handed over */
	for (int i = 0; i < 4; i++)
		KT_EXPECT(r.got[i] == &m[i]);
	KT_EXPECT_EQ(lwkt_waitmsg(&m[0], 0), 0);		/* the sendmsg replies wait on our port */
	KT_EXPECT_EQ(lwkt_waitmsg(&m[1], 0), 0);
	KT_EXPECT(lwkt_getport(&curthread->td_msgport) == NULL);
	KT_EXPECT(settle(before));
}

struct holder {
	lwkt_msg_t	held;		/* received, kept while it waits for the next one */
	uint32_t	flags;		/* held's flags as received */
	int		drop_error;	/* lwkt_dropmsg(held) by the aborter */
	thread_t	td;
};

static void
hold_then_wait(void *arg)
{
	struct holder *h = arg;
	lwkt_msg_t msg = lwkt_waitport(&curthread->td_msgport, 0), last;

	h->flags = msg->ms_flags;
	h->held = msg;
	last = lwkt_waitport(&curthread->td_msgport, 0);
	lwkt_replymsg(h->held, 0);		/* too late: the abort answered it */
	lwkt_replymsg(last, 0);
}

static void
abort_the_held(void *arg)
{
	struct holder *h = arg;

	while (h->held == NULL)
		lwkt_yield();
	h->drop_error = lwkt_dropmsg(h->held);
	lwkt_abortmsg(h->held);
}

KTEST(msgport, abort_of_a_handed_off_message)
{
	struct holder h = { 0 };
	struct lwkt_msg msg, last;
	uint32_t before = lwkt_stats.threads;
	uint64_t doubles = lwkt_msgstats.double_replies;

	abortfn_calls = 0;
	KT_ASSERT_EQ(lwkt_create(hold_then_wait, &h, &h.td, curthread->td_pri, 0, "t-hold"), 0);
	lwkt_yield();
	KT_ASSERT((h.td->td_msgport.mp_flags & MSGPORTF_RECEIVING) != 0);
	KT_ASSERT_EQ(lwkt_create(abort_the_held, &h, NULL, curthread->td_pri, 0, "t-abort"), 0);
	lwkt_initmsg_abortable(&msg, &curthread->td_msgport, 0, abort_with_eintr);
	KT_EXPECT_EQ(lwkt_domsg(&h.td->td_msgport, &msg, 0), EINTR);
	KT_EXPECT(h.held == &msg);
	KT_EXPECT_EQ(h.flags & (MSGF_SYNC | MSGF_QUEUED | MSGF_DONE), MSGF_SYNC);	/* received */
	KT_EXPECT_EQ(h.drop_error, ENOENT);		/* not on a queue: nothing to take back */
	KT_EXPECT_EQ(abortfn_calls, 1);			/* the target's way to end it early */
	KT_EXPECT((msg.ms_flags & MSGF_ABORTED) != 0);
	lwkt_initmsg(&last, &curthread->td_msgport, 0);
	KT_EXPECT_EQ(lwkt_domsg(&h.td->td_msgport, &last, 0), 0);
	KT_EXPECT_EQ(lwkt_msgstats.double_replies, doubles + 1);	/* its late reply refused */
	KT_EXPECT_EQ(msg.ms_error, EINTR);
	KT_EXPECT(settle(before));
}

/*
 * no_handoff: r waits in waitport; the thread `other` logs other_id when it runs. A domsg to r
 * must not hand the CPU straight to it: other, which outranks r's claim, runs first.
 */
static void
no_handoff(struct ktest_ctx *ktc, int rpri, int other_pri, int other_flags)
{
	struct evlog log = { 0 };
	struct worker r = { .log = &log, .id = 1, .count = 1 };
	struct noter other = { .log = &log, .id = 2 };
	struct lwkt_msg msg;
	thread_t td;
	uint32_t before = lwkt_stats.threads;

	KT_ASSERT(start_receiver(&r, rpri));
	KT_ASSERT_EQ(lwkt_create(note_once, &other, &td, other_pri, other_flags, "t-other"), 0);
	if (other_flags & TDF_NOSTART)
		lwkt_schedule(td);		/* runnable above us: it runs at our next switch */
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	KT_EXPECT_EQ(lwkt_domsg(&r.td->td_msgport, &msg, 0), 0);
	KT_EXPECT_EQ(log.n, 2);
	KT_EXPECT_EQ(log.ev[0], 2);
	KT_EXPECT_EQ(log.ev[1], 1);
	KT_EXPECT(settle(before));
}

KTEST(msgport, no_handoff_to_a_lower_priority)
{
	/* our equal runs first, as priorities say */
	no_handoff(ktc, curthread->td_pri - 1, curthread->td_pri, 0);
}

KTEST(msgport, no_handoff_past_a_higher_priority)
{
	no_handoff(ktc, curthread->td_pri, curthread->td_pri + 1, TDF_NOSTART);
}
