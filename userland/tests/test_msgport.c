/*
 * KTAP tests of LWKT message ports in userland: the same kernel/kern/lwkt_msgport.c the kernel
 * runs, compiled into libcr. One thread of control, so every case completes without blocking.
 */
#include <sys/ktest.h>
#include <sys/errno.h>
#include <sys/msgport.h>
#include <cr/sysport.h>
#include <cr/msgport_sys.h>

static int
answer_now(lwkt_port_t port, lwkt_msg_t msg)
{
	(void)port;
	msg->ms_result = msg->ms_cmd * 10;
	return msg->ms_cmd == 0 ? EINVAL : 0;
}

KTEST(umsgport, domsg_to_a_putonly_port)
{
	struct lwkt_port port;
	struct lwkt_msg msg;

	lwkt_initport_putonly(&port, answer_now);
	lwkt_initmsg(&msg, NULL, 0);
	msg.ms_cmd = 4;
	KT_EXPECT_EQ(lwkt_domsg(&port, &msg, 0), 0);
	KT_EXPECT_EQ(msg.ms_result, 40);
	KT_EXPECT_EQ(msg.ms_flags & (MSGF_DONE | MSGF_REPLY), MSGF_DONE | MSGF_REPLY);
	msg.ms_cmd = 0;
	KT_EXPECT_EQ(lwkt_domsg(&port, &msg, 0), EINVAL);
}

KTEST(umsgport, own_thread_port_queues_in_order)
{
	struct lwkt_port port;
	struct lwkt_msg a, b;

	lwkt_initport_thread(&port, msgport_curthread());
	lwkt_initmsg(&a, &port, 0);
	lwkt_initmsg(&b, &port, 0);
	lwkt_sendmsg(&port, &a);
	lwkt_sendmsg(&port, &b);
	KT_EXPECT(lwkt_waitport(&port, 0) == &a);	/* a message is there: no blocking */
	KT_EXPECT(lwkt_getport(&port) == &b);
	KT_EXPECT(lwkt_getport(&port) == NULL);
	lwkt_replymsg(&a, 0);
	lwkt_replymsg(&b, EIO);
	KT_EXPECT_EQ(lwkt_waitmsg(&a, 0), 0);
	KT_EXPECT_EQ(lwkt_waitmsg(&b, 0), EIO);
}

KTEST(umsgport, abort_before_delivery_and_drop)
{
	struct lwkt_port target, rport;
	struct lwkt_msg msg;

	lwkt_initport_spin(&target);
	lwkt_initport_replyonly(&rport);
	lwkt_initmsg(&msg, &rport, 0);
	lwkt_sendmsg(&target, &msg);
	lwkt_abortmsg(&msg);
	KT_EXPECT_EQ(lwkt_checkmsg(&msg), 1);
	KT_EXPECT_EQ(msg.ms_error, ECANCELED);
	KT_EXPECT(lwkt_getport(&target) == NULL);
	lwkt_sendmsg(&target, &msg);
	KT_EXPECT_EQ(lwkt_dropmsg(&msg), 0);
	KT_EXPECT_EQ(lwkt_dropmsg(&msg), ENOENT);
}

KTEST(umsgport, second_reply_refused)
{
	struct lwkt_port rport;
	struct lwkt_msg msg;
	uint64_t doubles = lwkt_msgstats.double_replies;

	lwkt_initport_replyonly(&rport);
	lwkt_initmsg(&msg, &rport, 0);
	msg.ms_flags = 0;			/* as if received */
	lwkt_replymsg(&msg, 0);
	lwkt_replymsg(&msg, EIO);
	KT_EXPECT_EQ(lwkt_msgstats.double_replies, doubles + 1);
	KT_EXPECT_EQ(msg.ms_error, 0);
}

KTEST(umsgport, syscall_port_is_an_lwkt_port)
{
	struct lwkt_msg msg;
	uint64_t sends = lwkt_msgstats.sends;

	lwkt_initmsg(&msg, NULL, 0);
	msg.ms_cmd = 0;				/* SYS_null */
	KT_EXPECT_EQ(lwkt_domsg(cr_syscall_port, &msg, 0), 0);
	KT_EXPECT_EQ(lwkt_msgstats.sends, sends + 1);	/* counted by the shared code */
	KT_EXPECT((msg.ms_flags & MSGF_DONE) != 0);
}

/*
 * lwkt_replywait in libcr, one thread: a reply queued on the caller's own port, then the next
 * message taken from it (already there, so nothing blocks).
 */
KTEST(umsgport, replywait_replies_then_takes_the_next)
{
	struct lwkt_port port, rport;
	struct lwkt_msg a, b;

	lwkt_initport_thread(&port, msgport_curthread());
	lwkt_initport_spin(&rport);
	lwkt_initmsg(&a, &rport, 0);
	lwkt_initmsg(&b, &rport, 0);
	lwkt_sendmsg(&port, &a);
	lwkt_sendmsg(&port, &b);
	KT_EXPECT(lwkt_waitport(&port, 0) == &a);
	KT_EXPECT(lwkt_replywait(&a, EIO, &port) == &b);	/* a replied, b taken */
	KT_EXPECT(lwkt_getport(&rport) == &a);
	KT_EXPECT_EQ(lwkt_waitmsg(&a, 0), EIO);
	lwkt_replymsg(&b, 0);
	KT_EXPECT_EQ(lwkt_waitmsg(&b, 0), 0);
	KT_EXPECT(lwkt_getport(&rport) == NULL);
}
