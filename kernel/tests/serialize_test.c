/*
 * Kernel tests of serializer ports (sys/serialize.h) on one CPU: a put runs the handler at once
 * on the putting thread, a put while the port is taken is queued and run next by the holder, in
 * order, the handler may keep a message (EASYNC) and reply it later, and a queued message can be
 * aborted. Across CPUs: the smp group (smp_test.c, serializer_port_*).
 */
#include "testutil.h"
#include <sys/errno.h>
#include <sys/msgport.h>
#include <sys/serialize.h>

/* A port and what its handler saw: one event per handled message (its ms_cmd), and the thread. */
struct ser_one {
	struct lwkt_serport sp;		/* first: the handler finds the rest from its port */
	struct evlog	log;
	thread_t	td[8];		/* the thread each handler ran on */
	lwkt_msg_t	inner[2];	/* sent by the handler of message 1 while it holds the port */
	bool		inner_queued[2];/* ... each queued (in flight) when its send returned */
	bool		abort_inner;	/* the handler aborts inner[0] right after sending it */
	lwkt_msg_t	kept;		/* a message the handler answered EASYNC for */
	int		inside;		/* handlers running now */
	int		overlaps;
};

/*
 * one_handler: records each message; ms_cmd 1 sends inner[0] and inner[1] to its own port (taken
 * by this very handler: both are queued); ms_cmd 9 is kept (EASYNC); the others are answered
 * ms_cmd * 10.
 */
static int
one_handler(lwkt_port_t port, lwkt_msg_t msg)
{
	struct ser_one *s = (struct ser_one *)port;

	if (++s->inside != 1)
		s->overlaps++;
	if (s->log.n < 8)
		s->td[s->log.n] = curthread;
	evlog_add(&s->log, (int)msg->ms_cmd);
	if (msg->ms_cmd == 1) {
		for (int i = 0; i < 2; i++) {
			lwkt_sendmsg(port, s->inner[i]);
			s->inner_queued[i] = (s->inner[i]->ms_flags & (MSGF_DONE | MSGF_QUEUED)) ==
			    MSGF_QUEUED;
			if (i == 0 && s->abort_inner)
				lwkt_abortmsg(s->inner[0]);
		}
	}
	s->inside--;
	if (msg->ms_cmd == 9) {
		s->kept = msg;
		return EASYNC;
	}
	msg->ms_result = msg->ms_cmd * 10;
	return 0;
}

/* one_port: s, cleared, as a free serializer port for one_handler. */
static void
one_port(struct ser_one *s)
{
	memset(s, 0, sizeof(*s));
	lwkt_initport_serialize(&s->sp, one_handler);
}

/*
 * put_with_two_inside: domsg first (ms_cmd 1) to s's port; its handler sends a (2) and b (4) to
 * the port while it holds it. Returns the domsg's answer.
 */
static int
put_with_two_inside(struct ser_one *s, lwkt_msg_t first, lwkt_msg_t a, lwkt_msg_t b)
{
	lwkt_initmsg(first, &curthread->td_msgport, 0);
	lwkt_initmsg(a, &curthread->td_msgport, 0);
	lwkt_initmsg(b, &curthread->td_msgport, 0);
	first->ms_cmd = 1;
	a->ms_cmd = 2;
	b->ms_cmd = 4;
	s->inner[0] = a;
	s->inner[1] = b;
	return lwkt_domsg(&s->sp.sp_port, first, 0);
}

KTEST(serialize, a_put_to_a_free_port_runs_at_once_on_the_putting_thread)
{
	static struct ser_one s;
	struct lwkt_msg msg;

	one_port(&s);
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	msg.ms_cmd = 3;
	KT_EXPECT_EQ(lwkt_domsg(&s.sp.sp_port, &msg, 0), 0);
	KT_EXPECT_EQ(msg.ms_result, 30);
	KT_EXPECT_EQ(msg.ms_flags & (MSGF_DONE | MSGF_QUEUED), MSGF_DONE);
	KT_EXPECT_EQ(s.log.n, 1);
	KT_EXPECT(s.td[0] == curthread);
	KT_EXPECT_EQ(s.sp.sp_direct, 1);
	KT_EXPECT_EQ(s.sp.sp_queued, 0);
	KT_EXPECT_EQ(s.sp.sp_busy, 0);
}

/*
 * Sent while the port is taken (here by the handler itself, as a sender on another CPU would
 * find it): queued, then run by the holder, in order, after the message it holds the port for,
 * and replied to their own reply port.
 */
KTEST(serialize, a_put_while_taken_is_queued_and_the_holder_runs_it_next)
{
	static struct ser_one s;
	struct lwkt_msg first, a, b;

	one_port(&s);
	KT_EXPECT_EQ(put_with_two_inside(&s, &first, &a, &b), 0);
	KT_EXPECT_EQ(first.ms_result, 10);
	KT_EXPECT(s.inner_queued[0]);			/* both queued: the port was taken */
	KT_EXPECT(s.inner_queued[1]);
	KT_ASSERT_EQ(s.log.n, 3);			/* first, then a and b, in order */
	KT_EXPECT_EQ(s.log.ev[0], 1);
	KT_EXPECT_EQ(s.log.ev[1], 2);
	KT_EXPECT_EQ(s.log.ev[2], 4);
	KT_EXPECT(s.td[1] == curthread && s.td[2] == curthread);	/* run by the holder */
	KT_EXPECT_EQ(lwkt_waitmsg(&a, 0), 0);		/* replied like any message */
	KT_EXPECT_EQ(a.ms_result, 20);
	KT_EXPECT_EQ(lwkt_waitmsg(&b, 0), 0);
	KT_EXPECT_EQ(b.ms_result, 40);
	KT_EXPECT(lwkt_getport(&curthread->td_msgport) == NULL);	/* each replied once */
	KT_EXPECT_EQ(s.overlaps, 0);
	KT_EXPECT_EQ(s.sp.sp_direct, 1);
	KT_EXPECT_EQ(s.sp.sp_queued, 2);
	KT_EXPECT_EQ(s.sp.sp_by_holder, 2);
	KT_EXPECT_EQ(s.sp.sp_busy, 0);
	KT_EXPECT(TAILQ_EMPTY(&s.sp.sp_port.mp_msgq));
}

KTEST(serialize, a_queued_message_aborted_is_replied_ecanceled_and_never_handled)
{
	static struct ser_one s;
	struct lwkt_msg first, a, b;

	one_port(&s);
	s.abort_inner = true;
	KT_EXPECT_EQ(put_with_two_inside(&s, &first, &a, &b), 0);
	KT_EXPECT_EQ(lwkt_waitmsg(&a, 0), ECANCELED);
	KT_EXPECT_EQ(lwkt_waitmsg(&b, 0), 0);
	KT_ASSERT_EQ(s.log.n, 2);			/* first and b: never a */
	KT_EXPECT_EQ(s.log.ev[0], 1);
	KT_EXPECT_EQ(s.log.ev[1], 4);
	KT_EXPECT_EQ(s.sp.sp_queued, 2);
	KT_EXPECT_EQ(s.sp.sp_by_holder, 1);
	KT_EXPECT_EQ(s.sp.sp_busy, 0);
}

KTEST(serialize, a_kept_message_is_replied_later_by_the_handlers_owner)
{
	static struct ser_one s;
	struct lwkt_msg msg, next;

	one_port(&s);
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	msg.ms_cmd = 9;
	lwkt_sendmsg(&s.sp.sp_port, &msg);
	KT_EXPECT(s.kept == &msg);
	KT_EXPECT_EQ(lwkt_checkmsg(&msg), 0);		/* in flight: the handler kept it */
	KT_EXPECT_EQ(s.sp.sp_busy, 0);			/* but the port is free again */
	lwkt_initmsg(&next, &curthread->td_msgport, 0);
	next.ms_cmd = 5;
	KT_EXPECT_EQ(lwkt_domsg(&s.sp.sp_port, &next, 0), 0);
	KT_EXPECT_EQ(next.ms_result, 50);
	msg.ms_result = 90;
	lwkt_replymsg(&msg, 0);
	KT_EXPECT_EQ(lwkt_waitmsg(&msg, 0), 0);
	KT_EXPECT_EQ(msg.ms_result, 90);
	KT_EXPECT_EQ(s.sp.sp_direct, 2);
}
