/*
 * The timer service (sys/timer.h): the timer port is a put-only port whose put files a
 * struct timer_msg in a list sorted by deadline and answers EASYNC; each serviced tick replies
 * the messages that are due. Aborting a pending one replies it at once with EINTR. The service
 * and its list are CPU 0's (its ticks serve them: arch/i386/clock.c): a put or an abort on
 * another CPU travels there as an IPI message (docs/smp.md), and deadlines count CPU 0's ticks.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/globaldata.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/timer.h>
#include <sys/ipiq.h>

struct lwkt_port timer_port;
static TAILQ_HEAD(, timer_msg) pending = TAILQ_HEAD_INITIALIZER(pending);
static uint32_t npending;

static void timer_abort(lwkt_msg_t msg);

/* abort_there: timer_abort on CPU 0 (an IPI message). */
static void
abort_there(void *msg, int unused)
{
	(void)unused;
	timer_abort(msg);
}

static void
timer_abort(lwkt_msg_t msg)
{
	struct timer_msg *tm = (struct timer_msg *)msg;

	if (__builtin_expect(mycpu->gd_cpuid != 0, 0)) {
		lwkt_send_ipiq(globaldata_find(0), abort_there, msg, 0);
		return;
	}
	crit_enter();
	if ((msg->ms_flags & MSGF_DONE) == 0 && tm->tm_deadline != 0) {	/* filed (put_there) */
		TAILQ_REMOVE(&pending, tm, tm_link);
		npending--;
		lwkt_replymsg(msg, EINTR);
	}
	crit_exit();
}

static int timer_putport(lwkt_port_t port, lwkt_msg_t msg);

/* put_there: timer_putport on CPU 0 (an IPI message); the answer is EASYNC there. */
static void
put_there(void *msg, int unused)
{
	(void)unused;
	timer_putport(&timer_port, msg);
}

/* timer_putport: 0 ticks answers at once; otherwise file the message by deadline. */
static int
timer_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	struct timer_msg *tm = (struct timer_msg *)msg, *t;

	(void)port;
	if (tm->tm_ticks == 0)
		return 0;
	if (__builtin_expect(mycpu->gd_cpuid != 0, 0)) {
		msg->ms_abortfn = timer_abort;		/* before anyone can abort it */
		msg->ms_flags |= MSGF_ABORTABLE;
		tm->tm_deadline = 0;			/* not filed yet */
		lwkt_send_ipiq(globaldata_find(0), put_there, msg, 0);
		return EASYNC;
	}
	crit_enter();
	tm->tm_deadline = mycpu->gd_ticks + tm->tm_ticks;
	msg->ms_abortfn = timer_abort;
	msg->ms_flags |= MSGF_ABORTABLE;
	TAILQ_FOREACH(t, &pending, tm_link)
		if (t->tm_deadline > tm->tm_deadline)
			break;
	if (t != NULL)
		TAILQ_INSERT_BEFORE(t, tm, tm_link);
	else
		TAILQ_INSERT_TAIL(&pending, tm, tm_link);
	npending++;
	crit_exit();
	return EASYNC;
}

/* timer_tick: reply every message whose deadline has come, in deadline order. */
void
timer_tick(void)
{
	struct timer_msg *tm;
	uint64_t now = mycpu->gd_ticks;

	while ((tm = TAILQ_FIRST(&pending)) != NULL && tm->tm_deadline <= now) {
		TAILQ_REMOVE(&pending, tm, tm_link);
		npending--;
		tm->tm_msg.ms_result = (int64_t)now;
		lwkt_replymsg(&tm->tm_msg, 0);
	}
}

void
timer_init(void)
{
	lwkt_initport_putonly(&timer_port, timer_putport);
}

void
timer_msg_init(struct timer_msg *tm, lwkt_port_t rport, uint32_t nticks)
{
	lwkt_initmsg(&tm->tm_msg, rport, 0);
	tm->tm_ticks = nticks;
	tm->tm_deadline = 0;
}

/* lwkt_sleep: block the calling thread for nticks ticks (a domsg to the timer port). */
int
lwkt_sleep(uint32_t nticks)
{
	struct timer_msg tm;

	timer_msg_init(&tm, &curthread->td_msgport, nticks);
	return lwkt_domsg(&timer_port, &tm.tm_msg, 0);
}

uint64_t
ticks(void)
{
	return mycpu->gd_ticks;
}

uint32_t
timer_pending(void)
{
	return npending;
}
