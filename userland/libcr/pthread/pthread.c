/*
 * POSIX threads: creation, exit, join, detach, attributes, cancellation, keys and once
 * (<pthread.h>, docs/threads.md). A pthread_t is a libcr user thread (lwkt/thread.c).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/errno.h>
#include <cr/park.h>
#include <cr/sched.h>
#include <cr/thread.h>


/* The calling thread's cleanup handlers, innermost first. */
static __thread struct __pthread_cleanup *cleanup_top;

/* -- attributes ------------------------------------------------------------------------------ */

int
pthread_attr_init(pthread_attr_t *attr)
{
	attr->a_detachstate = PTHREAD_CREATE_JOINABLE;
	attr->a_stacksize = PTHREAD_STACK_DEFAULT;
	attr->a_scope = PTHREAD_SCOPE_PROCESS;
	return 0;
}

int
pthread_attr_destroy(pthread_attr_t *attr)
{
	(void)attr;
	return 0;
}

int
pthread_attr_setdetachstate(pthread_attr_t *attr, int state)
{
	if (state != PTHREAD_CREATE_JOINABLE && state != PTHREAD_CREATE_DETACHED)
		return EINVAL;
	attr->a_detachstate = state;
	return 0;
}

int
pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state)
{
	*state = attr->a_detachstate;
	return 0;
}

int
pthread_attr_setstacksize(pthread_attr_t *attr, size_t size)
{
	if (size < PTHREAD_STACK_MIN || size > (64u << 20))
		return EINVAL;
	attr->a_stacksize = size;
	return 0;
}

int
pthread_attr_getstacksize(const pthread_attr_t *restrict attr, size_t *restrict size)
{
	*size = attr->a_stacksize;
	return 0;
}

/*
 * pthread_attr_setscope: PTHREAD_SCOPE_PROCESS only: a pthread is a user thread, scheduled by
 * libcr among the process's threads (on its vCPUs), never a kernel thread of its own.
 */
int
pthread_attr_setscope(pthread_attr_t *attr, int scope)
{
	if (scope == PTHREAD_SCOPE_SYSTEM)
		return ENOTSUP;
	if (scope != PTHREAD_SCOPE_PROCESS)
		return EINVAL;
	attr->a_scope = scope;
	return 0;
}

int
pthread_attr_getscope(const pthread_attr_t *restrict attr, int *restrict scope)
{
	*scope = attr->a_scope;
	return 0;
}

/* -- threads --------------------------------------------------------------------------------- */

/* pthread_create: EAGAIN when libcr has no memory or TLS slot left for another thread. */
int
pthread_create(pthread_t *restrict thread, const pthread_attr_t *restrict attr,
    void *(*start)(void *), void *restrict arg)
{
	pthread_attr_t def;
	int error;

	if (attr == NULL) {
		pthread_attr_init(&def);
		attr = &def;
	}
	cr_pthreads = 1;
	error = cr_thread_create_sized(thread, start, arg, CR_PRI_DEFAULT, "pthread",
	    attr->a_stacksize, attr->a_detachstate == PTHREAD_CREATE_DETACHED);
	return error == ENOMEM ? EAGAIN : error;
}

/* pthread_join: a cancellation point. EDEADLK joining oneself, EINVAL a thread not joinable. */
int
pthread_join(pthread_t thread, void **retval)
{
	int error;

	pthread_testcancel();
	if (thread == cr_curthread)
		return EDEADLK;
	error = cr_thread_join_cancellable(thread, retval);
	if (error == ECANCELED)
		pthread_exit(PTHREAD_CANCELED);
	return error;
}

int
pthread_detach(pthread_t thread)
{
	return cr_thread_detach(thread);
}

pthread_t
pthread_self(void)
{
	return cr_curthread;
}

int
pthread_equal(pthread_t a, pthread_t b)
{
	return a == b;
}

/*
 * pthread_exit: run the cleanup handlers (innermost first), then end the thread: the key
 * destructors run (cr_thread_exit_hook), a joiner gets retval, and the last thread's end ends
 * the process with status 0. The main thread may leave this way while the others go on.
 */
void
pthread_exit(void *retval)
{
	struct __pthread_cleanup *c;

	cr_curthread->td_exiting = true;		/* no cancellation from here on */
	while ((c = cleanup_top) != NULL) {
		cleanup_top = c->__next;
		c->__fn(c->__arg);
	}
	cr_thread_exit_posix(retval);
}

void
__pthread_cleanup_push(struct __pthread_cleanup *c, void (*fn)(void *), void *arg)
{
	c->__fn = fn;
	c->__arg = arg;
	c->__next = cleanup_top;
	cleanup_top = c;
}

void
__pthread_cleanup_pop(struct __pthread_cleanup *c, int execute)
{
	cleanup_top = c->__next;
	if (execute)
		c->__fn(c->__arg);
}

/* -- cancellation ---------------------------------------------------------------------------- */

static void
cancel_exit(void)
{
	pthread_exit(PTHREAD_CANCELED);
}

/* act_if_due: act on the caller's cancellation when it is due. */
static void
act_if_due(void)
{
	if (cr_cancel_due(cr_curthread))
		pthread_exit(PTHREAD_CANCELED);
}

/*
 * pthread_cancel: ask thread to end. Deferred: it ends at its next cancellation point (a thread
 * parked at one is woken for it). Asynchronous on oneself: at once. There are no signals to
 * interrupt another thread that runs, so an asynchronous cancel of another thread acts at its
 * next cancellation point too.
 */
int
pthread_cancel(pthread_t thread)
{
	cr_pthreads = 1;
	cr_cancel_act = cancel_exit;
	cr_crit_enter();
	thread->td_cancel_pending = true;
	if (thread->td_cancel_point)
		cr_sched_wakeup(thread);
	else if (thread->td_parkmsg != NULL && cr_cancel_due(thread))
		lwkt_abortmsg(thread->td_parkmsg);	/* parked in a system call: EINTR */
	cr_crit_exit();
	if (thread == cr_curthread && thread->td_cancel_async)
		act_if_due();
	return 0;
}

int
pthread_setcancelstate(int state, int *oldstate)
{
	cr_thread_t td = cr_curthread;

	if (state != PTHREAD_CANCEL_ENABLE && state != PTHREAD_CANCEL_DISABLE)
		return EINVAL;
	if (oldstate != NULL)
		*oldstate = td->td_cancel_off ? PTHREAD_CANCEL_DISABLE : PTHREAD_CANCEL_ENABLE;
	td->td_cancel_off = state == PTHREAD_CANCEL_DISABLE;
	if (td->td_cancel_async)
		act_if_due();
	return 0;
}

int
pthread_setcanceltype(int type, int *oldtype)
{
	cr_thread_t td = cr_curthread;

	if (type != PTHREAD_CANCEL_DEFERRED && type != PTHREAD_CANCEL_ASYNCHRONOUS)
		return EINVAL;
	if (oldtype != NULL)
		*oldtype = td->td_cancel_async ? PTHREAD_CANCEL_ASYNCHRONOUS : PTHREAD_CANCEL_DEFERRED;
	td->td_cancel_async = type == PTHREAD_CANCEL_ASYNCHRONOUS;
	if (td->td_cancel_async)
		act_if_due();
	return 0;
}

void
pthread_testcancel(void)
{
	act_if_due();
}

/* -- once ------------------------------------------------------------------------------------ */

/* once_reset: init was cancelled: the next caller runs it (POSIX), the waiters try again. */
static void
once_reset(void *arg)
{
	pthread_once_t *once = arg;

	cr_crit_enter();
	once->o_state = 0;
	cr_park_wake_all(&once->o_waiters);
	cr_crit_exit();
}

int
pthread_once(pthread_once_t *once, void (*init)(void))
{
	int expect = 0;

	for (;;) {
		if (__atomic_load_n(&once->o_state, __ATOMIC_ACQUIRE) == 2)
			return 0;
		if (__atomic_compare_exchange_n(&once->o_state, &expect, 1, false, __ATOMIC_ACQ_REL,
		    __ATOMIC_ACQUIRE)) {
			pthread_cleanup_push(once_reset, once);
			init();
			pthread_cleanup_pop(0);
			cr_crit_enter();
			__atomic_store_n(&once->o_state, 2, __ATOMIC_RELEASE);
			cr_park_wake_all(&once->o_waiters);
			cr_crit_exit();
			return 0;
		}
		/* Another thread runs init: wait until it is done (or was cancelled). */
		cr_crit_enter();
		if (once->o_state == 1) {
			struct cr_waiter w;
			cr_waitq_insert(&once->o_waiters, &w, 0);
			cr_park_wait(&w, NULL, false, "once", once);
		}
		cr_crit_exit();
		expect = 0;
	}
}

/* -- keys ------------------------------------------------------------------------------------ */

/*
 * Each key has a generation, bumped when it is created: a thread's value counts only while its
 * generation matches, so a key made again after pthread_key_delete starts NULL in every thread.
 */
static struct {
	bool		used;
	unsigned int	gen;
	void		(*dtor)(void *);
} keys[PTHREAD_KEYS_MAX];

struct specific {
	unsigned int	gen;
	void		*value;
};
static __thread struct specific *specific;	/* PTHREAD_KEYS_MAX of them, made on first set */

static void run_destructors(void);

int
pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
	int error = EAGAIN;

	cr_crit_enter();
	for (unsigned int k = 0; k < PTHREAD_KEYS_MAX; k++) {
		if (!keys[k].used) {
			keys[k].used = true;
			keys[k].gen++;
			keys[k].dtor = destructor;
			*key = k;
			error = 0;
			break;
		}
	}
	cr_thread_exit_hook = run_destructors;
	cr_crit_exit();
	return error;
}

int
pthread_key_delete(pthread_key_t key)
{
	int error = 0;

	cr_crit_enter();
	if (key >= PTHREAD_KEYS_MAX || !keys[key].used)
		error = EINVAL;
	else
		keys[key].used = false;		/* no destructor runs (POSIX) */
	cr_crit_exit();
	return error;
}

void *
pthread_getspecific(pthread_key_t key)
{
	if (key >= PTHREAD_KEYS_MAX || specific == NULL || !keys[key].used ||
	    specific[key].gen != keys[key].gen)
		return NULL;
	return specific[key].value;
}

int
pthread_setspecific(pthread_key_t key, const void *value)
{
	if (key >= PTHREAD_KEYS_MAX || !keys[key].used)
		return EINVAL;
	if (specific == NULL && (specific = calloc(PTHREAD_KEYS_MAX, sizeof(*specific))) == NULL)
		return ENOMEM;
	specific[key].gen = keys[key].gen;
	specific[key].value = (void *)value;
	return 0;
}

/*
 * run_destructors: at a thread's end, each non-NULL value of a key with a destructor is set to
 * NULL and its destructor called with it; again while destructors set values, at most
 * PTHREAD_DESTRUCTOR_ITERATIONS rounds.
 */
static void
run_destructors(void)
{
	if (specific == NULL)
		return;
	for (int round = 0; round < PTHREAD_DESTRUCTOR_ITERATIONS; round++) {
		bool ran = false;
		for (unsigned int k = 0; k < PTHREAD_KEYS_MAX; k++) {
			void (*dtor)(void *) = keys[k].dtor;
			void *v = specific[k].value;
			if (!keys[k].used || dtor == NULL || v == NULL || specific[k].gen != keys[k].gen)
				continue;
			specific[k].value = NULL;
			dtor(v);
			ran = true;
		}
		if (!ran)
			break;
	}
	free(specific);
	specific = NULL;
}
