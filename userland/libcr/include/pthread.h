/*
 * POSIX threads over libcr's user threads (docs/threads.md, "POSIX threads"). A pthread_t is a
 * user thread (cr/thread.h); the locks park waiting threads in the scheduler (cr/park.h) and
 * take uncontended mutexes with one compare-and-swap, so they are safe on several vCPUs.
 * pthread_sigmask and pthread_kill are in <signal.h> (docs/upcalls.md). What is not here:
 * process-shared objects, scheduling policies and priorities, pthread_atfork, asynchronous
 * cancellation of a thread that runs (it acts at the next cancellation point).
 */
#ifndef _PTHREAD_H_
#define _PTHREAD_H_

#include <sys/types.h>
#include <limits.h>	/* PTHREAD_KEYS_MAX, PTHREAD_STACK_MIN, ... */
#include <time.h>
#include <sched.h>
#include <cr/park.h>

typedef struct thread *pthread_t;

typedef struct {
	int		a_detachstate;
	size_t		a_stacksize;
	int		a_scope;
} pthread_attr_t;

#define PTHREAD_CREATE_JOINABLE		0
#define PTHREAD_CREATE_DETACHED		1
#define PTHREAD_STACK_DEFAULT		(32 * 1024)	/* CR_THREAD_STACK */

#define PTHREAD_SCOPE_SYSTEM		0
#define PTHREAD_SCOPE_PROCESS		1	/* user threads: the only scope there is */

#define PTHREAD_PROCESS_PRIVATE		0
#define PTHREAD_PROCESS_SHARED		1

/* Mutexes: m_state 0 free, 1 locked, 2 locked and someone may wait. */
#define PTHREAD_MUTEX_NORMAL		0
#define PTHREAD_MUTEX_ERRORCHECK	1
#define PTHREAD_MUTEX_RECURSIVE		2
#define PTHREAD_MUTEX_DEFAULT		PTHREAD_MUTEX_NORMAL

typedef struct {
	volatile uint32_t m_state;
	int		m_type;
	pthread_t	m_owner;
	unsigned int	m_count;		/* a recursive mutex's depth */
	struct cr_waitq	m_waiters;
} pthread_mutex_t;

typedef struct {
	int		ma_type;
	int		ma_pshared;
} pthread_mutexattr_t;

#define PTHREAD_MUTEX_INITIALIZER	{ 0, PTHREAD_MUTEX_DEFAULT, 0, 0, { 0, 0 } }
/* Non-standard, as glibc and the BSDs spell them: */
#define PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP	{ 0, PTHREAD_MUTEX_RECURSIVE, 0, 0, { 0, 0 } }
#define PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP	{ 0, PTHREAD_MUTEX_ERRORCHECK, 0, 0, { 0, 0 } }

typedef struct {
	struct cr_waitq	c_waiters;
	int		c_clock;		/* CLOCK_REALTIME (0) unless set */
} pthread_cond_t;

typedef struct {
	int		ca_clock;
	int		ca_pshared;
} pthread_condattr_t;

#define PTHREAD_COND_INITIALIZER	{ { 0, 0 }, CLOCK_REALTIME }

/* Read-write locks, writers preferred: a waiting writer holds back new readers. */
typedef struct {
	int		rw_readers;		/* readers holding it */
	pthread_t	rw_writer;		/* the writer holding it */
	int		rw_writers_waiting;
	struct cr_waitq	rw_waiters;
} pthread_rwlock_t;

typedef struct {
	int		rwa_pshared;
} pthread_rwlockattr_t;

#define PTHREAD_RWLOCK_INITIALIZER	{ 0, 0, 0, { 0, 0 } }

typedef struct {
	unsigned int	b_count;
	unsigned int	b_waiting;
	struct cr_waitq	b_waiters;
} pthread_barrier_t;

typedef struct {
	int		ba_pshared;
} pthread_barrierattr_t;

#define PTHREAD_BARRIER_SERIAL_THREAD	(-1)

typedef struct {
	volatile int	o_state;		/* 0 not run, 1 running, 2 done */
	struct cr_waitq	o_waiters;
} pthread_once_t;

#define PTHREAD_ONCE_INIT		{ 0, { 0, 0 } }

typedef unsigned int pthread_key_t;

/* Cancellation */
#define PTHREAD_CANCEL_ENABLE		0
#define PTHREAD_CANCEL_DISABLE		1
#define PTHREAD_CANCEL_DEFERRED		0
#define PTHREAD_CANCEL_ASYNCHRONOUS	1
#define PTHREAD_CANCELED		((void *)-1)

struct __pthread_cleanup {
	void		(*__fn)(void *);
	void		*__arg;
	struct __pthread_cleanup *__next;
};
void	__pthread_cleanup_push(struct __pthread_cleanup *c, void (*fn)(void *), void *arg);
void	__pthread_cleanup_pop(struct __pthread_cleanup *c, int execute);

/* A push and its pop are one block, in one function (POSIX allows these to be macros). */
#define pthread_cleanup_push(fn, arg)						\
	do {									\
		struct __pthread_cleanup __pthread_cl;				\
		__pthread_cleanup_push(&__pthread_cl, (fn), (arg));
#define pthread_cleanup_pop(execute)						\
		__pthread_cleanup_pop(&__pthread_cl, (execute));		\
	} while (0)

int	pthread_create(pthread_t *restrict thread, const pthread_attr_t *restrict attr,
	    void *(*start)(void *), void *restrict arg);
int	pthread_join(pthread_t thread, void **retval);
int	pthread_detach(pthread_t thread);
pthread_t pthread_self(void);
int	pthread_equal(pthread_t a, pthread_t b);
__attribute__((noreturn)) void pthread_exit(void *retval);

int	pthread_attr_init(pthread_attr_t *attr);
int	pthread_attr_destroy(pthread_attr_t *attr);
int	pthread_attr_setdetachstate(pthread_attr_t *attr, int state);
int	pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state);
int	pthread_attr_setstacksize(pthread_attr_t *attr, size_t size);
int	pthread_attr_getstacksize(const pthread_attr_t *restrict attr, size_t *restrict size);
int	pthread_attr_setscope(pthread_attr_t *attr, int scope);
int	pthread_attr_getscope(const pthread_attr_t *restrict attr, int *restrict scope);

int	pthread_mutexattr_init(pthread_mutexattr_t *attr);
int	pthread_mutexattr_destroy(pthread_mutexattr_t *attr);
int	pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type);
int	pthread_mutexattr_gettype(const pthread_mutexattr_t *restrict attr, int *restrict type);
int	pthread_mutexattr_setpshared(pthread_mutexattr_t *attr, int pshared);
int	pthread_mutexattr_getpshared(const pthread_mutexattr_t *restrict attr, int *restrict pshared);
int	pthread_mutex_init(pthread_mutex_t *restrict m, const pthread_mutexattr_t *restrict attr);
int	pthread_mutex_destroy(pthread_mutex_t *m);
int	pthread_mutex_lock(pthread_mutex_t *m);
int	pthread_mutex_trylock(pthread_mutex_t *m);
int	pthread_mutex_timedlock(pthread_mutex_t *restrict m, const struct timespec *restrict abstime);
int	pthread_mutex_unlock(pthread_mutex_t *m);

int	pthread_condattr_init(pthread_condattr_t *attr);
int	pthread_condattr_destroy(pthread_condattr_t *attr);
int	pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clock);
int	pthread_condattr_getclock(const pthread_condattr_t *restrict attr, clockid_t *restrict clock);
int	pthread_condattr_setpshared(pthread_condattr_t *attr, int pshared);
int	pthread_condattr_getpshared(const pthread_condattr_t *restrict attr, int *restrict pshared);
int	pthread_cond_init(pthread_cond_t *restrict c, const pthread_condattr_t *restrict attr);
int	pthread_cond_destroy(pthread_cond_t *c);
int	pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m);
int	pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
	    const struct timespec *restrict abstime);
int	pthread_cond_signal(pthread_cond_t *c);
int	pthread_cond_broadcast(pthread_cond_t *c);

int	pthread_rwlockattr_init(pthread_rwlockattr_t *attr);
int	pthread_rwlockattr_destroy(pthread_rwlockattr_t *attr);
int	pthread_rwlock_init(pthread_rwlock_t *restrict rw, const pthread_rwlockattr_t *restrict attr);
int	pthread_rwlock_destroy(pthread_rwlock_t *rw);
int	pthread_rwlock_rdlock(pthread_rwlock_t *rw);
int	pthread_rwlock_tryrdlock(pthread_rwlock_t *rw);
int	pthread_rwlock_wrlock(pthread_rwlock_t *rw);
int	pthread_rwlock_trywrlock(pthread_rwlock_t *rw);
int	pthread_rwlock_timedrdlock(pthread_rwlock_t *restrict rw,
	    const struct timespec *restrict abstime);
int	pthread_rwlock_timedwrlock(pthread_rwlock_t *restrict rw,
	    const struct timespec *restrict abstime);
int	pthread_rwlock_unlock(pthread_rwlock_t *rw);

int	pthread_barrierattr_init(pthread_barrierattr_t *attr);
int	pthread_barrierattr_destroy(pthread_barrierattr_t *attr);
int	pthread_barrier_init(pthread_barrier_t *restrict b, const pthread_barrierattr_t *restrict attr,
	    unsigned int count);
int	pthread_barrier_destroy(pthread_barrier_t *b);
int	pthread_barrier_wait(pthread_barrier_t *b);

int	pthread_once(pthread_once_t *once, void (*init)(void));

int	pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
int	pthread_key_delete(pthread_key_t key);
void	*pthread_getspecific(pthread_key_t key);
int	pthread_setspecific(pthread_key_t key, const void *value);

int	pthread_cancel(pthread_t thread);
int	pthread_setcancelstate(int state, int *oldstate);
int	pthread_setcanceltype(int type, int *oldtype);
void	pthread_testcancel(void);

#endif
