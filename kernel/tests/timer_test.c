/* Kernel tests of the timer service: sleeps and timeouts as messages. */
#include "testutil.h"
#include <sys/errno.h>

KTEST(timer, sleep_is_replied_at_its_deadline)
{
	struct timer_msg tm;
	uint64_t t0 = ticks();

	timer_msg_init(&tm, &curthread->td_msgport, 3);
	KT_EXPECT_EQ(lwkt_domsg(&timer_port, &tm.tm_msg, 0), 0);
	/* The deadline is 3 ticks after the send (which may fall one tick after t0), and the reply
	 * carries the tick it was sent at: exactly the deadline, however late this thread runs. */
	KT_EXPECT(tm.tm_deadline >= t0 + 3 && tm.tm_deadline <= t0 + 4);
	KT_EXPECT_EQ(tm.tm_msg.ms_result, (int64_t)tm.tm_deadline);
	KT_EXPECT(ticks() >= tm.tm_deadline);
}

KTEST(timer, replies_come_in_deadline_order)
{
	static const uint32_t order[5] = { 5, 1, 3, 2, 4 };
	struct timer_msg tm[5];
	thread_t td = curthread;

	for (int i = 0; i < 5; i++) {
		timer_msg_init(&tm[i], &td->td_msgport, order[i]);
		tm[i].tm_msg.ms_cmd = order[i];
		lwkt_sendmsg(&timer_port, &tm[i].tm_msg);
	}
	KT_EXPECT_EQ(timer_pending(), 5);
	for (uint32_t want = 1; want <= 5; want++) {
		lwkt_msg_t msg = lwkt_waitport(&td->td_msgport, 0);
		KT_EXPECT_EQ(msg->ms_cmd, want);
	}
	KT_EXPECT_EQ(timer_pending(), 0);
}

KTEST(timer, abort_replies_at_once_with_eintr)
{
	struct timer_msg tm;
	uint64_t t0 = ticks();

	timer_msg_init(&tm, &curthread->td_msgport, 50);
	lwkt_sendmsg(&timer_port, &tm.tm_msg);
	KT_EXPECT_EQ(timer_pending(), 1);
	lwkt_abortmsg(&tm.tm_msg);
	KT_EXPECT_EQ(lwkt_waitmsg(&tm.tm_msg, 0), EINTR);
	KT_EXPECT(ticks() < t0 + 50);
	KT_EXPECT_EQ(timer_pending(), 0);
}

KTEST(timer, zero_ticks_answers_synchronously)
{
	struct timer_msg tm;
	uint64_t switches = curthread->td_switches;

	timer_msg_init(&tm, &curthread->td_msgport, 0);
	KT_EXPECT_EQ(lwkt_domsg(&timer_port, &tm.tm_msg, 0), 0);
	KT_EXPECT_EQ(curthread->td_switches, switches);
	KT_EXPECT_EQ(timer_pending(), 0);
}

static void
sleeper(void *arg)
{
	volatile int *done = arg;

	lwkt_sleep(2);
	*done = 1;
}

KTEST(timer, sleeping_threads_wake_independently)
{
	volatile int done[3] = { 0, 0, 0 };
	uint32_t before = lwkt_stats.threads;

	for (int i = 0; i < 3; i++)
		KT_EXPECT_EQ(lwkt_create(sleeper, (void *)&done[i], NULL, TDPRI_KERN, 0, "t-sleep"), 0);
	lwkt_yield();				/* all three are asleep now */
	KT_EXPECT_EQ(timer_pending(), 3);
	KT_EXPECT(settle(before));
	KT_EXPECT(done[0] && done[1] && done[2]);
}
