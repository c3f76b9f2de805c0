/*
 * A recursive sleeping lock for user threads (stdio/lock.c), all zeros when free, so it can live
 * in static data: a stdio stream carries one. The owner may park (in a read or write) while it
 * holds it; waiters park on their own message and are handed the lock in arrival order. No lock
 * at all while the program has one thread (cr_threaded is 0).
 */
#ifndef _CR_FLOCK_H_
#define _CR_FLOCK_H_

#include <sys/queue.h>

struct thread;
struct lwkt_msg;

struct cr_flock {
	struct thread	*fl_owner;
	int		fl_depth;
	TAILQ_HEAD(, lwkt_msg) fl_waiters;	/* set up at first contention */
};

void	cr_flock_acquire(struct cr_flock *fl);
int	cr_flock_try(struct cr_flock *fl);	/* 1: held now (or already by the caller) */
void	cr_flock_release(struct cr_flock *fl);

#endif
