/*
 * Parking a user thread until something happens: the waits of <pthread.h> (lwkt/park.c).
 *
 * A waiter is a record on the waiting thread's stack, queued (FIFO) on the object it waits for
 * — a mutex, a condition variable, a lock, a barrier — under cr_sched_lock (a critical section).
 * The thread blocks in the scheduler (cr_sched_block) until whoever releases the object takes the
 * record off the queue, marks it woken and wakes the thread (cr_park_wake). Nothing spins: a
 * parked thread costs nothing until it is woken, and its vCPU runs other threads or waits in the
 * kernel.
 *
 * A wait may have a deadline: a timer, which is an asynchronous sleep_ns message to the kernel
 * whose reply port wakes the thread (and aborts when the wait ends first); and it may be a
 * cancellation point: pthread_cancel wakes a thread parked at one (td_cancel_point).
 *
 * The queues need no initialisation (all zero is empty), so objects made with the static
 * initializers of <pthread.h> work as they are.
 */
#ifndef _CR_PARK_H_
#define _CR_PARK_H_

#include <sys/msgport.h>
#include <sys/syscalls.h>
#include <cr/thread.h>

struct cr_waiter {
	struct cr_waiter *w_next;
	cr_thread_t	w_td;
	volatile int	w_woken;		/* set by cr_park_wake */
	int		w_kind;			/* what it waits for (the rwlock: reader or writer) */
};

struct cr_waitq {
	struct cr_waiter *wq_first;
	struct cr_waiter *wq_last;
};

/* A wait's deadline: a sleep_ns message in the kernel, replied to its own port. */
struct cr_timer {
	struct lwkt_port	tm_port;
	struct sleep_ns_msg	tm_msg;
	cr_thread_t		tm_td;
	volatile int		tm_fired;
	bool			tm_armed;
};

/* Queue operations: inside a critical section. */
void	cr_waitq_insert(struct cr_waitq *q, struct cr_waiter *w, int kind);
struct cr_waiter *cr_waitq_first(struct cr_waitq *q);
void	cr_waitq_remove(struct cr_waitq *q, struct cr_waiter *w);
void	cr_park_wake(struct cr_waitq *q, struct cr_waiter *w);	/* off q, woken */
int	cr_park_wake_all(struct cr_waitq *q);			/* how many */

/*
 * cr_timer_start: arm t for an absolute time on clock (CLOCK_REALTIME or CLOCK_MONOTONIC), for
 * the calling thread. 0, ETIMEDOUT when the time has passed already (nothing armed), EINVAL for a
 * bad timespec or clock. Outside a critical section.
 */
struct timespec;
int	cr_timer_start(struct cr_timer *t, int clock, const struct timespec *abstime);
int	cr_timer_start_ns(struct cr_timer *t, uint64_t ns);	/* relative */
/* cr_timer_stop: disarm (abort the message) and wait until the kernel gave it back. Outside. */
void	cr_timer_stop(struct cr_timer *t);

/*
 * cr_park_wait: the caller, inside a critical section, blocks until w is woken (w may be NULL: a
 * pure sleep), t fires (t may be NULL), or — when cancellable — its cancellation is due. Answers
 * 0 (woken), ETIMEDOUT or ECANCELED; a record that was not woken is still queued (the caller
 * takes it off). Still inside the section on return. Signals handed to the thread meanwhile
 * (td_sigq) have their handlers run outside the section and the wait goes on; a pure sleep
 * whose wait a handler interrupted answers EINTR.
 */
int	cr_park_wait(struct cr_waiter *w, struct cr_timer *t, bool cancellable, const char *wmesg,
	    const void *wchan);

/*
 * cr_cancel_act: act on the caller's due cancellation (pthread_exit(PTHREAD_CANCELED)), set by
 * pthread_cancel, so that a sleep in libcr (nanosleep) acts on one without linking <pthread.h>.
 */
extern void (*cr_cancel_act)(void);

/* cr_sleep_cancellable: sleep ns, parked, as a cancellation point: 0, ECANCELED, or EINTR. */
int	cr_sleep_cancellable(uint64_t ns);

/*
 * cr_waitmsg_cancellable: lwkt_waitmsg for a system call the kernel holds (a stub's, parked:
 * cr_park), as a cancellation point: pthread_cancel aborts it (it completes with EINTR, as an
 * interrupted call does), and a due cancellation is acted on when it has completed.
 */
int	cr_waitmsg_cancellable(lwkt_msg_t msg);

#endif
