/*
 * Mutexes, condition variables and semaphores for user threads, built on LWKT messages: a
 * waiting thread parks in lwkt_waitmsg or lwkt_waitport like any other, so there is no busy
 * waiting, and waiters are served in arrival order.
 *
 *   mutex	a port holding one token message: lock takes the token (waiting for it if another
 *		thread has it), unlock puts it back
 *   condvar	a queue of the waiters' own messages: signal replies the oldest, broadcast all
 *   semaphore	a count, and a queue of waiters' messages when the count is zero
 */
#ifndef _CR_SYNC_H_
#define _CR_SYNC_H_

#include <sys/msgport.h>
#include <cr/thread.h>

struct cr_mutex {
	struct lwkt_port mx_port;		/* holds the token while the mutex is free */
	struct lwkt_msg	mx_token;
	cr_thread_t	mx_owner;
};

struct cr_cond {
	TAILQ_HEAD(, lwkt_msg) cv_waiters;	/* the waiters' messages, oldest first */
};

struct cr_sem {
	int		sem_count;
	TAILQ_HEAD(, lwkt_msg) sem_waiters;
};

void	cr_mutex_init(struct cr_mutex *mx);
void	cr_mutex_lock(struct cr_mutex *mx);
int	cr_mutex_trylock(struct cr_mutex *mx);	/* 0, or EBUSY */
int	cr_mutex_unlock(struct cr_mutex *mx);	/* 0, or EPERM when the caller does not own it */

void	cr_cond_init(struct cr_cond *cv);
void	cr_cond_wait(struct cr_cond *cv, struct cr_mutex *mx);
void	cr_cond_signal(struct cr_cond *cv);
void	cr_cond_broadcast(struct cr_cond *cv);

void	cr_sem_init(struct cr_sem *sem, int count);
void	cr_sem_wait(struct cr_sem *sem);
int	cr_sem_trywait(struct cr_sem *sem);	/* 0, or EAGAIN */
void	cr_sem_post(struct cr_sem *sem);

#endif
