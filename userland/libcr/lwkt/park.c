/* Parking user threads: wait queues, timers and cancellable waits (cr/park.h). */
#include <errno.h>
#include <time.h>
#include <sys/errno.h>
#include <cr/park.h>
#include <cr/sched.h>
#include <cr/sysport.h>

void (*cr_cancel_act)(void);

void
cr_waitq_insert(struct cr_waitq *q, struct cr_waiter *w, int kind)
{
	w->w_next = NULL;
	w->w_td = cr_curthread;
	w->w_woken = 0;
	w->w_kind = kind;
	if (q->wq_last != NULL)
		q->wq_last->w_next = w;
	else
		q->wq_first = w;
	q->wq_last = w;
}

struct cr_waiter *
cr_waitq_first(struct cr_waitq *q)
{
	return q->wq_first;
}

/* cr_waitq_remove: w off q, wherever it is (a wait that timed out or was cancelled). */
void
cr_waitq_remove(struct cr_waitq *q, struct cr_waiter *w)
{
	struct cr_waiter **pp, *prev = NULL;

	for (pp = &q->wq_first; *pp != NULL; prev = *pp, pp = &(*pp)->w_next) {
		if (*pp == w) {
			*pp = w->w_next;
			if (q->wq_last == w)
				q->wq_last = prev;
			w->w_next = NULL;
			return;
		}
	}
}

void
cr_park_wake(struct cr_waitq *q, struct cr_waiter *w)
{
	cr_waitq_remove(q, w);
	w->w_woken = 1;
	cr_sched_wakeup(w->w_td);
}

int
cr_park_wake_all(struct cr_waitq *q)
{
	struct cr_waiter *w;
	int n = 0;

	while ((w = q->wq_first) != NULL) {
		cr_park_wake(q, w);
		n++;
	}
	return n;
}

/* timer_reply: the kernel gave the timer's message back (it fired, or was aborted). In a section. */
static void
timer_reply(lwkt_port_t port, lwkt_msg_t msg)
{
	struct cr_timer *t = (struct cr_timer *)((char *)port - __builtin_offsetof(struct cr_timer, tm_port));

	msg->ms_flags |= MSGF_DONE | MSGF_REPLY;
	t->tm_fired = 1;
	cr_sched_wakeup(t->tm_td);
}

int
cr_timer_start_ns(struct cr_timer *t, uint64_t ns)
{
	t->tm_td = cr_curthread;
	t->tm_fired = 0;
	t->tm_armed = true;
	lwkt_initport_replyonly(&t->tm_port);
	t->tm_port.mp_replyport = timer_reply;
	cr_sleep_ns_msg(&t->tm_msg, ns);
	t->tm_msg.hdr.ms_reply_port = &t->tm_port;
	lwkt_sendmsg(cr_syscall_port, &t->tm_msg.hdr);	/* an answer at once is replied at once */
	return 0;
}

int
cr_timer_start(struct cr_timer *t, int clock, const struct timespec *abstime)
{
	int64_t now, then;

	t->tm_armed = false;
	if (abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000)
		return EINVAL;
	if ((now = __sys_clock_ns(clock)) < 0)
		return EINVAL;
	then = (int64_t)abstime->tv_sec * 1000000000ll + abstime->tv_nsec;
	if (then <= now)
		return ETIMEDOUT;
	return cr_timer_start_ns(t, (uint64_t)(then - now));
}

void
cr_timer_stop(struct cr_timer *t)
{
	if (!t->tm_armed)
		return;
	if ((t->tm_msg.hdr.ms_flags & MSGF_DONE) == 0)
		lwkt_abortmsg(&t->tm_msg.hdr);	/* completes it early, with EINTR */
	cr_crit_enter();
	while ((t->tm_msg.hdr.ms_flags & MSGF_DONE) == 0)
		cr_sched_block("timer", t);
	cr_crit_exit();
	t->tm_armed = false;
}

int
cr_park_wait(struct cr_waiter *w, struct cr_timer *t, bool cancellable, const char *wmesg,
    const void *wchan)
{
	cr_thread_t td = cr_curthread;
	uint32_t handled = td->td_sighandled;
	int error = 0;

	for (;;) {
		cr_sig_wait_point(td);		/* handlers handed to it run, then it waits on */
		if (w != NULL && w->w_woken)
			break;
		if (w == NULL && td->td_sighandled != handled) {
			error = EINTR;		/* a sleep a handler interrupted (nanosleep) */
			break;
		}
		if (t != NULL && t->tm_fired) {
			error = ETIMEDOUT;
			break;
		}
		if (cancellable && cr_cancel_due(td)) {
			error = ECANCELED;
			break;
		}
		td->td_cancel_point = cancellable;
		td->td_sigwait = true;
		cr_sched_block(wmesg, wchan);
		td->td_sigwait = false;
		td->td_cancel_point = false;
	}
	return error;
}

int
cr_waitmsg_cancellable(lwkt_msg_t msg)
{
	cr_thread_t td = cr_curthread;
	bool due;
	int error;

	cr_crit_enter();
	td->td_parkmsg = msg;		/* from here on a cancel or a signal aborts it */
	due = cr_cancel_due(td) || (td->td_sigq & ~td->td_vcpu->vc_upcall.ua_sigmask) != 0;
	cr_crit_exit();
	if (due)
		lwkt_abortmsg(msg);		/* asked before it parked: end it now */
	error = lwkt_waitmsg(msg, 0);
	cr_crit_enter();
	td->td_parkmsg = NULL;
	cr_crit_exit();
	if (cr_cancel_due(td) && cr_cancel_act != NULL)
		cr_cancel_act();
	return error;
}

int
cr_sleep_cancellable(uint64_t ns)
{
	struct cr_timer t;
	int error;

	cr_timer_start_ns(&t, ns);
	cr_crit_enter();
	error = cr_park_wait(NULL, &t, true, "sleep", &t);
	cr_crit_exit();
	cr_timer_stop(&t);
	return error == ECANCELED || error == EINTR ? error : 0;
}
