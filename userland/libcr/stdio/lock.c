/*
 * Locks for stdio when threads run on several vCPUs. Each stream has its own cr_flock, taken by
 * each public call on it, so that threads neither corrupt a stream's buffer nor interleave the
 * pieces of one printf, and a thread parked in a read of one stream holds up no other stream.
 * The list of open streams (and fopen's pool) has one more lock, streams_lock (file.c).
 *
 * cr_flock: recursive (stdio calls call each other: puts calls fputs), sleeping (the holder may
 * park in a read or write), handed to waiters in arrival order (no barging). Its state changes
 * under the scheduler's lock (cr_crit_enter).
 */
#include <stdio.h>
#include <cr/flock.h>
#include <cr/thread.h>

void
cr_flock_acquire(struct cr_flock *fl)
{
	cr_thread_t td;
	struct lwkt_msg wait;

	if (!cr_threaded)
		return;
	td = cr_curthread;
	cr_crit_enter();
	if (fl->fl_owner == td || fl->fl_owner == NULL) {
		fl->fl_owner = td;
		fl->fl_depth++;
		cr_crit_exit();
		return;
	}
	if (fl->fl_waiters.tqh_last == NULL)
		TAILQ_INIT(&fl->fl_waiters);
	lwkt_initmsg(&wait, &td->td_msgport, 0);
	wait.ms_flags &= ~MSGF_DONE;			/* in flight until the owner hands over */
	TAILQ_INSERT_TAIL(&fl->fl_waiters, &wait, ms_node);
	cr_crit_exit();
	lwkt_waitmsg(&wait, 0);				/* the release made us the owner */
}

int
cr_flock_try(struct cr_flock *fl)
{
	int held = 1;

	if (!cr_threaded)
		return 1;
	cr_crit_enter();
	if (fl->fl_owner == cr_curthread || fl->fl_owner == NULL) {
		fl->fl_owner = cr_curthread;
		fl->fl_depth++;
	} else {
		held = 0;
	}
	cr_crit_exit();
	return held;
}

void
cr_flock_release(struct cr_flock *fl)
{
	lwkt_msg_t w;

	if (!cr_threaded || fl->fl_owner != cr_curthread)
		return;
	cr_crit_enter();
	if (--fl->fl_depth == 0) {
		fl->fl_owner = NULL;
		if (fl->fl_waiters.tqh_last != NULL && (w = TAILQ_FIRST(&fl->fl_waiters)) != NULL) {
			TAILQ_REMOVE(&fl->fl_waiters, w, ms_node);
			fl->fl_owner = w->ms_reply_port->mp_td;	/* the waiter's own thread port */
			fl->fl_depth = 1;
			lwkt_replymsg(w, 0);
		}
	}
	cr_crit_exit();
}
