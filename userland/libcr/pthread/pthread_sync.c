/*
 * POSIX thread synchronisation: mutexes, condition variables, read-write locks and barriers
 * (<pthread.h>). Waiting threads park in the scheduler (cr/park.h); every queue is changed under
 * cr_sched_lock (a critical section), so the objects are correct on several vCPUs at once.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/errno.h>
#include <cr/park.h>
#include <cr/thread.h>

/* -- mutexes --------------------------------------------------------------------------------- */

int
pthread_mutexattr_init(pthread_mutexattr_t *attr)
{
	attr->ma_type = PTHREAD_MUTEX_DEFAULT;
	attr->ma_pshared = PTHREAD_PROCESS_PRIVATE;
	return 0;
}

int
pthread_mutexattr_destroy(pthread_mutexattr_t *attr)
{
	(void)attr;
	return 0;
}

int
pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type)
{
	if (type != PTHREAD_MUTEX_NORMAL && type != PTHREAD_MUTEX_ERRORCHECK &&
	    type != PTHREAD_MUTEX_RECURSIVE)
		return EINVAL;
	attr->ma_type = type;
	return 0;
}

int
pthread_mutexattr_gettype(const pthread_mutexattr_t *restrict attr, int *restrict type)
{
	*type = attr->ma_type;
	return 0;
}

/* set_pshared: only PTHREAD_PROCESS_PRIVATE: there is no memory shared between processes. */
static int
set_pshared(int *where, int pshared)
{
	if (pshared == PTHREAD_PROCESS_SHARED)
		return ENOTSUP;
	if (pshared != PTHREAD_PROCESS_PRIVATE)
		return EINVAL;
	*where = pshared;
	return 0;
}

int
pthread_mutexattr_setpshared(pthread_mutexattr_t *attr, int pshared)
{
	return set_pshared(&attr->ma_pshared, pshared);
}

int
pthread_mutexattr_getpshared(const pthread_mutexattr_t *restrict attr, int *restrict pshared)
{
	*pshared = attr->ma_pshared;
	return 0;
}

int
pthread_mutex_init(pthread_mutex_t *restrict m, const pthread_mutexattr_t *restrict attr)
{
	*m = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	if (attr != NULL)
		m->m_type = attr->ma_type;
	return 0;
}

int
pthread_mutex_destroy(pthread_mutex_t *m)
{
	if (m->m_state != 0 || m->m_waiters.wq_first != NULL)
		return EBUSY;
	return 0;
}

/*
 * mutex_owned: the caller holds m already: a recursive mutex counts one more (0), an
 * error-checking one answers EDEADLK; -1 when the caller does not hold it.
 */
static int
mutex_owned(pthread_mutex_t *m, cr_thread_t self)
{
	if (m->m_owner != self || m->m_type == PTHREAD_MUTEX_NORMAL)
		return -1;
	if (m->m_type == PTHREAD_MUTEX_ERRORCHECK)
		return EDEADLK;
	if (m->m_count == 0xffffffffu)
		return EAGAIN;
	m->m_count++;
	return 0;
}

/*
 * mutex_lock: take m, parking while another thread has it. Free is 0, taken 1, taken with
 * waiters maybe 2: the slow path sets 2 with an exchange, so an unlock that finds 2 wakes the
 * oldest waiter, which exchanges again. ETIMEDOUT when t fires first.
 */
static int
mutex_lock(pthread_mutex_t *m, struct cr_timer *t)
{
	cr_thread_t self = cr_curthread;
	uint32_t expect = 0;
	int error = 0;

	if (!__atomic_compare_exchange_n(&m->m_state, &expect, 1, false, __ATOMIC_ACQUIRE,
	    __ATOMIC_RELAXED)) {
		cr_crit_enter();
		while (__atomic_exchange_n(&m->m_state, 2, __ATOMIC_ACQUIRE) != 0) {
			struct cr_waiter w;
			cr_waitq_insert(&m->m_waiters, &w, 0);
			if ((error = cr_park_wait(&w, t, false, "mutex", m)) != 0) {
				cr_waitq_remove(&m->m_waiters, &w);
				break;
			}
		}
		cr_crit_exit();
		if (error != 0)
			return error;
	}
	m->m_owner = self;
	m->m_count = 1;
	return 0;
}

int
pthread_mutex_lock(pthread_mutex_t *m)
{
	int error = mutex_owned(m, cr_curthread);

	if (error >= 0)
		return error;
	return mutex_lock(m, NULL);
}

int
pthread_mutex_timedlock(pthread_mutex_t *restrict m, const struct timespec *restrict abstime)
{
	struct cr_timer t;
	uint32_t expect = 0;
	int error = mutex_owned(m, cr_curthread);

	if (error >= 0)
		return error;
	if (__atomic_compare_exchange_n(&m->m_state, &expect, 1, false, __ATOMIC_ACQUIRE,
	    __ATOMIC_RELAXED)) {
		m->m_owner = cr_curthread;	/* free: the time is not even looked at (POSIX) */
		m->m_count = 1;
		return 0;
	}
	if ((error = cr_timer_start(&t, CLOCK_REALTIME, abstime)) != 0)
		return error;
	error = mutex_lock(m, &t);
	cr_timer_stop(&t);
	return error;
}

int
pthread_mutex_trylock(pthread_mutex_t *m)
{
	uint32_t expect = 0;
	int error = m->m_type == PTHREAD_MUTEX_RECURSIVE ? mutex_owned(m, cr_curthread) : -1;

	if (error >= 0)
		return error;
	if (!__atomic_compare_exchange_n(&m->m_state, &expect, 1, false, __ATOMIC_ACQUIRE,
	    __ATOMIC_RELAXED))
		return EBUSY;
	m->m_owner = cr_curthread;
	m->m_count = 1;
	return 0;
}

/* mutex_release: give m up whatever its depth, and wake the oldest waiter if there may be one. */
static void
mutex_release(pthread_mutex_t *m)
{
	m->m_owner = NULL;
	m->m_count = 0;
	if (__atomic_exchange_n(&m->m_state, 0, __ATOMIC_RELEASE) == 2) {
		cr_crit_enter();
		struct cr_waiter *w = cr_waitq_first(&m->m_waiters);
		if (w != NULL)
			cr_park_wake(&m->m_waiters, w);
		cr_crit_exit();
	}
}

/* pthread_mutex_unlock: EPERM when the caller does not hold m (every type checks). */
int
pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (m->m_owner != cr_curthread || m->m_state == 0)
		return EPERM;
	if (m->m_type == PTHREAD_MUTEX_RECURSIVE && m->m_count > 1) {
		m->m_count--;
		return 0;
	}
	mutex_release(m);
	return 0;
}

/* -- condition variables --------------------------------------------------------------------- */

int
pthread_condattr_init(pthread_condattr_t *attr)
{
	attr->ca_clock = CLOCK_REALTIME;
	attr->ca_pshared = PTHREAD_PROCESS_PRIVATE;
	return 0;
}

int
pthread_condattr_destroy(pthread_condattr_t *attr)
{
	(void)attr;
	return 0;
}

int
pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clock)
{
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return EINVAL;
	attr->ca_clock = clock;
	return 0;
}

int
pthread_condattr_getclock(const pthread_condattr_t *restrict attr, clockid_t *restrict clock)
{
	*clock = attr->ca_clock;
	return 0;
}

int
pthread_condattr_setpshared(pthread_condattr_t *attr, int pshared)
{
	return set_pshared(&attr->ca_pshared, pshared);
}

int
pthread_condattr_getpshared(const pthread_condattr_t *restrict attr, int *restrict pshared)
{
	*pshared = attr->ca_pshared;
	return 0;
}

int
pthread_cond_init(pthread_cond_t *restrict c, const pthread_condattr_t *restrict attr)
{
	*c = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	if (attr != NULL)
		c->c_clock = attr->ca_clock;
	return 0;
}

int
pthread_cond_destroy(pthread_cond_t *c)
{
	return c->c_waiters.wq_first != NULL ? EBUSY : 0;
}

/*
 * cond_wait: queue the caller on c and release m in one critical section (so no signal sent
 * after the release can be missed), park until signalled, timed out or cancelled, then take m
 * back (at its old depth). A cancellation point: cancelled, the caller holds m again when its
 * cleanup handlers run (POSIX).
 */
static int
cond_wait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime)
{
	cr_thread_t self = cr_curthread;
	struct cr_timer t, *tp = NULL;
	struct cr_waiter w;
	unsigned int depth;
	int error;

	pthread_testcancel();
	if (m->m_owner != self || m->m_state == 0)
		return EPERM;
	if (abstime != NULL) {
		if ((error = cr_timer_start(&t, c->c_clock, abstime)) != 0)
			return error;		/* ETIMEDOUT: the time has passed; m still held */
		tp = &t;
	}
	depth = m->m_count;
	cr_crit_enter();
	cr_waitq_insert(&c->c_waiters, &w, 0);
	mutex_release(m);
	error = cr_park_wait(&w, tp, true, "condvar", c);
	if (error != 0)
		cr_waitq_remove(&c->c_waiters, &w);
	cr_crit_exit();
	if (tp != NULL)
		cr_timer_stop(tp);
	mutex_lock(m, NULL);
	m->m_count = depth;
	if (error == ECANCELED)
		pthread_exit(PTHREAD_CANCELED);
	return error;
}

int
pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m)
{
	return cond_wait(c, m, NULL);
}

int
pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
    const struct timespec *restrict abstime)
{
	return cond_wait(c, m, abstime);
}

int
pthread_cond_signal(pthread_cond_t *c)
{
	struct cr_waiter *w;

	cr_crit_enter();
	if ((w = cr_waitq_first(&c->c_waiters)) != NULL)
		cr_park_wake(&c->c_waiters, w);
	cr_crit_exit();
	return 0;
}

int
pthread_cond_broadcast(pthread_cond_t *c)
{
	cr_crit_enter();
	cr_park_wake_all(&c->c_waiters);
	cr_crit_exit();
	return 0;
}

/* -- read-write locks ------------------------------------------------------------------------ */

enum { RW_READER, RW_WRITER };

/*
 * The read locks the calling thread holds, on any rwlock. A thread that holds one may take
 * another even while a writer waits: POSIX lets a thread hold several read locks at once, and
 * with writers preferred it would otherwise wait for a writer that waits for it.
 */
static __thread int rd_held;

int
pthread_rwlockattr_init(pthread_rwlockattr_t *attr)
{
	attr->rwa_pshared = PTHREAD_PROCESS_PRIVATE;
	return 0;
}

int
pthread_rwlockattr_destroy(pthread_rwlockattr_t *attr)
{
	(void)attr;
	return 0;
}

int
pthread_rwlock_init(pthread_rwlock_t *restrict rw, const pthread_rwlockattr_t *restrict attr)
{
	(void)attr;
	*rw = (pthread_rwlock_t)PTHREAD_RWLOCK_INITIALIZER;
	return 0;
}

int
pthread_rwlock_destroy(pthread_rwlock_t *rw)
{
	if (rw->rw_readers != 0 || rw->rw_writer != NULL || rw->rw_waiters.wq_first != NULL)
		return EBUSY;
	return 0;
}

/*
 * rw_take: under the lock, take rw for reading or writing if that may be done now. Writers are
 * preferred: a reader may not start while a writer holds rw or waits for it.
 */
static bool
rw_take(pthread_rwlock_t *rw, int kind)
{
	if (kind == RW_READER) {
		if (rw->rw_writer != NULL || (rw->rw_writers_waiting > 0 && rd_held == 0))
			return false;
		rw->rw_readers++;
		return true;
	}
	if (rw->rw_writer != NULL || rw->rw_readers > 0)
		return false;
	rw->rw_writer = cr_curthread;
	return true;
}

/* rw_admit_readers: no writer holds or waits: every waiting reader goes in (they find it theirs). */
static void
rw_admit_readers(pthread_rwlock_t *rw)
{
	struct cr_waiter *w, *next;

	for (w = cr_waitq_first(&rw->rw_waiters); w != NULL; w = next) {
		next = w->w_next;
		rw->rw_readers++;
		cr_park_wake(&rw->rw_waiters, w);
	}
}

/*
 * rw_grant: rw is free: hand it to the waiters, the oldest writer first, otherwise every
 * waiting reader. The woken find it theirs.
 */
static void
rw_grant(pthread_rwlock_t *rw)
{
	struct cr_waiter *w;

	for (w = cr_waitq_first(&rw->rw_waiters); w != NULL; w = w->w_next) {
		if (w->w_kind == RW_WRITER) {
			rw->rw_writer = w->w_td;
			rw->rw_writers_waiting--;
			cr_park_wake(&rw->rw_waiters, w);
			return;
		}
	}
	rw_admit_readers(rw);
}

/*
 * rw_gave_up: a waiter's deadline passed and it left the queue. A writer that gives up may be
 * all that held readers back: if no writer holds or waits now, the waiting readers go in.
 */
static void
rw_gave_up(pthread_rwlock_t *rw, int kind)
{
	if (kind == RW_WRITER && --rw->rw_writers_waiting == 0 && rw->rw_writer == NULL)
		rw_admit_readers(rw);
}

/*
 * rw_lock: take rw (kind), or EBUSY (try), EDEADLK, or ETIMEDOUT when t fires first. A try of a
 * lock the caller holds for writing is EBUSY, not EDEADLK: POSIX gives tryrdlock and trywrlock
 * only EBUSY ("could not be acquired ... because a writer holds the lock"); EDEADLK is the
 * waiting calls'.
 */
static int
rw_lock(pthread_rwlock_t *rw, int kind, bool try, struct cr_timer *t)
{
	struct cr_waiter w;
	int error = 0;

	cr_crit_enter();
	if (rw->rw_writer == cr_curthread) {
		error = try ? EBUSY : EDEADLK;	/* waiting, it would wait for itself */
	} else if (!rw_take(rw, kind)) {
		if (try) {
			error = EBUSY;
		} else {
			if (kind == RW_WRITER)
				rw->rw_writers_waiting++;
			cr_waitq_insert(&rw->rw_waiters, &w, kind);
			error = cr_park_wait(&w, t, false, kind == RW_WRITER ? "rwlock-w" : "rwlock-r",
			    rw);
			if (error != 0) {
				cr_waitq_remove(&rw->rw_waiters, &w);
				rw_gave_up(rw, kind);
			}
		}
	}
	cr_crit_exit();
	if (error == 0 && kind == RW_READER)
		rd_held++;
	return error;
}

/* rw_timedlock: rw_lock with a deadline on CLOCK_REALTIME (not looked at when rw is free). */
static int
rw_timedlock(pthread_rwlock_t *rw, int kind, const struct timespec *abstime)
{
	struct cr_timer t;
	int error = rw_lock(rw, kind, true, NULL);

	if (error != EBUSY)
		return error;
	if ((error = cr_timer_start(&t, CLOCK_REALTIME, abstime)) != 0)
		return error;
	error = rw_lock(rw, kind, false, &t);
	cr_timer_stop(&t);
	return error;
}

int
pthread_rwlock_timedrdlock(pthread_rwlock_t *restrict rw, const struct timespec *restrict abstime)
{
	return rw_timedlock(rw, RW_READER, abstime);
}

int
pthread_rwlock_timedwrlock(pthread_rwlock_t *restrict rw, const struct timespec *restrict abstime)
{
	return rw_timedlock(rw, RW_WRITER, abstime);
}

int
pthread_rwlock_rdlock(pthread_rwlock_t *rw)
{
	return rw_lock(rw, RW_READER, false, NULL);
}

int
pthread_rwlock_tryrdlock(pthread_rwlock_t *rw)
{
	return rw_lock(rw, RW_READER, true, NULL);
}

int
pthread_rwlock_wrlock(pthread_rwlock_t *rw)
{
	return rw_lock(rw, RW_WRITER, false, NULL);
}

int
pthread_rwlock_trywrlock(pthread_rwlock_t *rw)
{
	return rw_lock(rw, RW_WRITER, true, NULL);
}

/*
 * pthread_rwlock_unlock: EPERM when the caller holds no lock on rw (a thread holding read locks
 * only on other rwlocks is not told apart: read holds are counted per thread, not per lock).
 */
int
pthread_rwlock_unlock(pthread_rwlock_t *rw)
{
	int error = 0;

	cr_crit_enter();
	if (rw->rw_writer == cr_curthread)
		rw->rw_writer = NULL;
	else if (rw->rw_writer == NULL && rw->rw_readers > 0 && rd_held > 0) {
		rw->rw_readers--;
		rd_held--;
	} else
		error = EPERM;
	if (error == 0 && rw->rw_writer == NULL && rw->rw_readers == 0)
		rw_grant(rw);
	cr_crit_exit();
	return error;
}

/* -- barriers -------------------------------------------------------------------------------- */

int
pthread_barrierattr_init(pthread_barrierattr_t *attr)
{
	attr->ba_pshared = PTHREAD_PROCESS_PRIVATE;
	return 0;
}

int
pthread_barrierattr_destroy(pthread_barrierattr_t *attr)
{
	(void)attr;
	return 0;
}

int
pthread_barrier_init(pthread_barrier_t *restrict b, const pthread_barrierattr_t *restrict attr,
    unsigned int count)
{
	(void)attr;
	if (count == 0)
		return EINVAL;
	b->b_count = count;
	b->b_waiting = 0;
	b->b_waiters = (struct cr_waitq){ 0, 0 };
	return 0;
}

int
pthread_barrier_destroy(pthread_barrier_t *b)
{
	return b->b_waiting != 0 ? EBUSY : 0;
}

/*
 * pthread_barrier_wait: the count-th arrival of a cycle releases the others and answers
 * PTHREAD_BARRIER_SERIAL_THREAD; they answer 0. The barrier is ready for the next cycle at once.
 */
int
pthread_barrier_wait(pthread_barrier_t *b)
{
	struct cr_waiter w;
	int ret = 0;

	cr_crit_enter();
	if (++b->b_waiting == b->b_count) {
		b->b_waiting = 0;
		cr_park_wake_all(&b->b_waiters);
		ret = PTHREAD_BARRIER_SERIAL_THREAD;
	} else {
		cr_waitq_insert(&b->b_waiters, &w, 0);
		cr_park_wait(&w, NULL, false, "barrier", b);
	}
	cr_crit_exit();
	return ret;
}
