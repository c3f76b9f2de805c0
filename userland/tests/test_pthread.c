/*
 * KTAP tests of <pthread.h> (docs/threads.md, "POSIX threads"): each call's semantics and error
 * numbers as POSIX.1-2017 gives them, and the locks under real parallelism on three vCPUs (the
 * `smp` cases add them; run them many times: `invoke test --filter 'test_pthread.*'`).
 */
#include <sys/ktest.h>
#include <sys/errno.h>
#include <sys/kstat.h>
#include <sys/wait.h>
#include <cr/thread.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

/* in_ms: the realtime clock ms milliseconds from now, for a timed wait. */
static struct timespec
in_ms(clockid_t clock, long ms)
{
	struct timespec t;

	clock_gettime(clock, &t);
	t.tv_nsec += (ms % 1000) * 1000000;
	t.tv_sec += ms / 1000 + t.tv_nsec / 1000000000;
	t.tv_nsec %= 1000000000;
	if (t.tv_nsec < 0) {			/* ms < 0 early in a second */
		t.tv_nsec += 1000000000;
		t.tv_sec--;
	}
	return t;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* -- threads ----------------------------------------------------------------------------------- */

static void *
add_one(void *arg)
{
	return (void *)((intptr_t)arg + 1);
}

static pthread_t seen_self;

static void *
report_self(void *arg)
{
	(void)arg;
	seen_self = pthread_self();
	pthread_exit((void *)42);
}

KTEST(pthread, create_join_exit_self_equal)
{
	pthread_t t;
	void *ret = NULL;

	KT_ASSERT_EQ(pthread_create(&t, NULL, add_one, (void *)41), 0);
	KT_EXPECT_EQ(pthread_join(t, &ret), 0);
	KT_EXPECT_EQ((intptr_t)ret, 42);			/* the start routine's return */
	KT_ASSERT_EQ(pthread_create(&t, NULL, report_self, NULL), 0);
	KT_EXPECT_EQ(pthread_join(t, &ret), 0);
	KT_EXPECT_EQ((intptr_t)ret, 42);			/* pthread_exit's value */
	KT_EXPECT(pthread_equal(seen_self, t));
	KT_EXPECT(!pthread_equal(pthread_self(), t));
	KT_EXPECT(pthread_equal(pthread_self(), pthread_self()));
	KT_EXPECT_EQ(cr_thread_count(), 1);
}

KTEST(pthread, join_self_is_edeadlk)
{
	KT_EXPECT_EQ(pthread_join(pthread_self(), NULL), EDEADLK);
}

static pthread_mutex_t gate_mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_passed;

/* gated: wait until the gate opens, then count through it. */
static void *
gated(void *arg)
{
	pthread_mutex_lock(&gate_mx);
	while (!gate_open)
		pthread_cond_wait(&gate_cv, &gate_mx);
	gate_passed++;
	pthread_mutex_unlock(&gate_mx);
	return arg;
}

static void
open_gate(void)
{
	pthread_mutex_lock(&gate_mx);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mx);
}

KTEST(pthread, join_of_a_detached_thread_is_einval)
{
	pthread_attr_t a;
	pthread_t t, u;
	int state = -1;

	gate_open = gate_passed = 0;
	KT_ASSERT_EQ(pthread_attr_init(&a), 0);
	KT_EXPECT_EQ(pthread_attr_getdetachstate(&a, &state), 0);
	KT_EXPECT_EQ(state, PTHREAD_CREATE_JOINABLE);
	KT_EXPECT_EQ(pthread_attr_setdetachstate(&a, 7), EINVAL);
	KT_EXPECT_EQ(pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED), 0);
	KT_EXPECT_EQ(pthread_attr_getdetachstate(&a, &state), 0);
	KT_EXPECT_EQ(state, PTHREAD_CREATE_DETACHED);
	KT_ASSERT_EQ(pthread_create(&t, &a, gated, NULL), 0);	/* detached from the start */
	KT_ASSERT_EQ(pthread_create(&u, NULL, gated, NULL), 0);
	KT_EXPECT_EQ(pthread_join(t, NULL), EINVAL);
	KT_EXPECT_EQ(pthread_detach(u), 0);			/* detached later */
	KT_EXPECT_EQ(pthread_detach(u), EINVAL);
	KT_EXPECT_EQ(pthread_join(u, NULL), EINVAL);
	open_gate();
	for (int i = 0; i < 100 && cr_thread_count() > 1; i++)
		sleep_ms(1);
	KT_EXPECT_EQ(gate_passed, 2);
	KT_EXPECT_EQ(cr_thread_count(), 1);			/* both ended, freed themselves */
	pthread_attr_destroy(&a);
}

/* deep: needs a big stack: 96 KiB of locals, three times the default. */
static void *
deep(void *arg)
{
	volatile char big[96 * 1024];

	for (size_t i = 0; i < sizeof(big); i += 512)
		big[i] = (char)i;
	big[sizeof(big) - 1] = 7;
	return (void *)(intptr_t)(big[sizeof(big) - 1] + (int)(intptr_t)arg);
}

KTEST(pthread, attr_stacksize)
{
	pthread_attr_t a;
	pthread_t t;
	size_t size = 0;
	void *ret = NULL;

	pthread_attr_init(&a);
	KT_EXPECT_EQ(pthread_attr_getstacksize(&a, &size), 0);
	KT_EXPECT_EQ(size, PTHREAD_STACK_DEFAULT);
	int scope = -1;
	KT_EXPECT_EQ(pthread_attr_getscope(&a, &scope), 0);
	KT_EXPECT_EQ(scope, PTHREAD_SCOPE_PROCESS);
	KT_EXPECT_EQ(pthread_attr_setscope(&a, PTHREAD_SCOPE_SYSTEM), ENOTSUP);
	KT_EXPECT_EQ(pthread_attr_setscope(&a, 77), EINVAL);
	KT_EXPECT_EQ(pthread_attr_setstacksize(&a, PTHREAD_STACK_MIN - 1), EINVAL);
	KT_EXPECT_EQ(pthread_attr_setstacksize(&a, 128 * 1024), 0);
	KT_EXPECT_EQ(pthread_attr_getstacksize(&a, &size), 0);
	KT_EXPECT_EQ(size, 128 * 1024);
	KT_ASSERT_EQ(pthread_create(&t, &a, deep, (void *)1), 0);
	KT_EXPECT_EQ(((struct thread *)t)->td_stack_size, 128 * 1024);
	KT_EXPECT_EQ(pthread_join(t, &ret), 0);
	KT_EXPECT_EQ((intptr_t)ret, 8);
}

/* -- the last thread ends the process ------------------------------------------------------- */

static int last_fd;

static void *
outlive_main(void *arg)
{
	char c = 'x';

	(void)arg;
	sleep_ms(20);				/* main has ended by now */
	write(last_fd, &c, 1);
	pthread_exit((void *)3);		/* the last thread: the process exits with 0 */
}

KTEST(pthread, main_may_exit_first_and_the_last_thread_ends_the_process)
{
	int fds[2], status = -1;
	char c = 0;

	KT_ASSERT_EQ(pipe(fds), 0);
	pid_t child = fork();
	if (child == 0) {
		pthread_t t;
		close(fds[0]);
		last_fd = fds[1];
		if (pthread_create(&t, NULL, outlive_main, NULL) != 0)
			_exit(9);
		pthread_exit((void *)7);	/* not exit(7): the other thread goes on */
	}
	KT_ASSERT(child > 0);
	close(fds[1]);
	KT_EXPECT_EQ(read(fds[0], &c, 1), 1);
	KT_EXPECT_EQ(c, 'x');
	KT_EXPECT_EQ(waitpid(child, &status, 0), child);
	KT_EXPECT(WIFEXITED(status));
	KT_EXPECT_EQ(WEXITSTATUS(status), 0);
	close(fds[0]);
}

/* -- mutexes ----------------------------------------------------------------------------------- */

static pthread_mutex_t probe_mx;
static int probe_result;

static void *
probe_unlock(void *arg)
{
	(void)arg;
	probe_result = pthread_mutex_unlock(&probe_mx);
	return NULL;
}

static void *
probe_trylock(void *arg)
{
	(void)arg;
	probe_result = pthread_mutex_trylock(&probe_mx);
	if (probe_result == 0)
		pthread_mutex_unlock(&probe_mx);
	return NULL;
}

/* probe: run fn on another thread against probe_mx; its answer. */
static int
probe(void *(*fn)(void *))
{
	pthread_t t;

	probe_result = -1;
	if (pthread_create(&t, NULL, fn, NULL) != 0)
		return -2;
	pthread_join(t, NULL);
	return probe_result;
}

KTEST(pthread, mutex_normal_trylock_and_owner_checks)
{
	static pthread_mutex_t st = PTHREAD_MUTEX_INITIALIZER;

	KT_EXPECT_EQ(pthread_mutex_lock(&st), 0);		/* the static initializer works */
	KT_EXPECT_EQ(pthread_mutex_trylock(&st), EBUSY);
	KT_EXPECT_EQ(pthread_mutex_destroy(&st), EBUSY);
	KT_EXPECT_EQ(pthread_mutex_unlock(&st), 0);
	KT_EXPECT_EQ(pthread_mutex_unlock(&st), EPERM);		/* not held */
	KT_EXPECT_EQ(pthread_mutex_destroy(&st), 0);

	KT_ASSERT_EQ(pthread_mutex_init(&probe_mx, NULL), 0);
	KT_EXPECT_EQ(pthread_mutex_lock(&probe_mx), 0);
	KT_EXPECT_EQ(probe(probe_unlock), EPERM);		/* another thread's mutex */
	KT_EXPECT_EQ(probe(probe_trylock), EBUSY);
	KT_EXPECT_EQ(pthread_mutex_unlock(&probe_mx), 0);
	KT_EXPECT_EQ(probe(probe_trylock), 0);
}

KTEST(pthread, mutex_errorcheck)
{
	static pthread_mutex_t st = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
	pthread_mutexattr_t a;
	int type = -1;

	KT_ASSERT_EQ(pthread_mutexattr_init(&a), 0);
	KT_EXPECT_EQ(pthread_mutexattr_gettype(&a, &type), 0);
	KT_EXPECT_EQ(type, PTHREAD_MUTEX_DEFAULT);
	KT_EXPECT_EQ(pthread_mutexattr_settype(&a, 99), EINVAL);
	KT_EXPECT_EQ(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK), 0);
	KT_EXPECT_EQ(pthread_mutexattr_gettype(&a, &type), 0);
	KT_EXPECT_EQ(type, PTHREAD_MUTEX_ERRORCHECK);
	KT_EXPECT_EQ(pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED), ENOTSUP);
	KT_EXPECT_EQ(pthread_mutexattr_setpshared(&a, 5), EINVAL);
	KT_ASSERT_EQ(pthread_mutex_init(&probe_mx, &a), 0);
	KT_EXPECT_EQ(pthread_mutex_lock(&probe_mx), 0);
	KT_EXPECT_EQ(pthread_mutex_lock(&probe_mx), EDEADLK);	/* relock by the owner */
	KT_EXPECT_EQ(pthread_mutex_trylock(&probe_mx), EBUSY);
	KT_EXPECT_EQ(probe(probe_unlock), EPERM);
	KT_EXPECT_EQ(pthread_mutex_unlock(&probe_mx), 0);
	KT_EXPECT_EQ(pthread_mutex_unlock(&probe_mx), EPERM);
	KT_EXPECT_EQ(pthread_mutex_lock(&st), 0);
	KT_EXPECT_EQ(pthread_mutex_lock(&st), EDEADLK);
	KT_EXPECT_EQ(pthread_mutex_unlock(&st), 0);
	pthread_mutexattr_destroy(&a);
}

KTEST(pthread, mutex_recursive)
{
	static pthread_mutex_t st = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	KT_EXPECT_EQ(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE), 0);
	KT_ASSERT_EQ(pthread_mutex_init(&probe_mx, &a), 0);
	KT_EXPECT_EQ(pthread_mutex_lock(&probe_mx), 0);
	KT_EXPECT_EQ(pthread_mutex_lock(&probe_mx), 0);
	KT_EXPECT_EQ(pthread_mutex_trylock(&probe_mx), 0);	/* depth 3 */
	KT_EXPECT_EQ(probe(probe_trylock), EBUSY);
	KT_EXPECT_EQ(pthread_mutex_unlock(&probe_mx), 0);
	KT_EXPECT_EQ(pthread_mutex_unlock(&probe_mx), 0);
	KT_EXPECT_EQ(probe(probe_trylock), EBUSY);		/* still held once */
	KT_EXPECT_EQ(pthread_mutex_unlock(&probe_mx), 0);
	KT_EXPECT_EQ(probe(probe_trylock), 0);			/* free */
	KT_EXPECT_EQ(pthread_mutex_unlock(&probe_mx), EPERM);
	KT_EXPECT_EQ(pthread_mutex_lock(&st), 0);
	KT_EXPECT_EQ(pthread_mutex_lock(&st), 0);
	KT_EXPECT_EQ(pthread_mutex_unlock(&st), 0);
	KT_EXPECT_EQ(pthread_mutex_unlock(&st), 0);
	KT_EXPECT_EQ(pthread_mutex_unlock(&st), EPERM);
}

static long probe_ms;

static void *
probe_timedlock(void *arg)
{
	struct timespec t0, at = in_ms(CLOCK_REALTIME, 30);

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	probe_result = pthread_mutex_timedlock(&probe_mx, &at);
	probe_ms = ms_since(&t0);
	if (probe_result == 0)
		pthread_mutex_unlock(&probe_mx);
	return NULL;
}

KTEST(pthread, mutex_timedlock_times_out)
{
	pthread_mutex_init(&probe_mx, NULL);
	KT_EXPECT_EQ(probe(probe_timedlock), 0);		/* free: taken at once */
	KT_EXPECT_EQ(pthread_mutex_lock(&probe_mx), 0);
	KT_EXPECT_EQ(probe(probe_timedlock), ETIMEDOUT);
	KT_EXPECT(probe_ms >= 25);
	KT_EXPECT(probe_mx.m_waiters.wq_first == NULL);		/* it left the queue */
	KT_EXPECT_EQ(pthread_mutex_unlock(&probe_mx), 0);
	KT_EXPECT_EQ(probe(probe_timedlock), 0);
}

static void *
lock_and_leave(void *arg)
{
	pthread_mutex_t *m = arg;

	pthread_mutex_lock(m);
	pthread_mutex_unlock(m);
	return NULL;
}

/* Waiting parks: a thread waiting for a mutex is blocked in the scheduler, not spinning. */
KTEST(pthread, a_waiter_parks)
{
	static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	struct cr_vcpu_stats a, b;
	pthread_t t;

	KT_EXPECT_EQ(pthread_mutex_lock(&m), 0);
	KT_ASSERT_EQ(pthread_create(&t, NULL, lock_and_leave, &m), 0);
	for (int i = 0; i < 500 && t->td_state != CR_BLOCKED; i++)
		sleep_ms(1);
	KT_EXPECT(t->td_state == CR_BLOCKED);
	KT_EXPECT(t->td_wmesg != NULL && strcmp(t->td_wmesg, "mutex") == 0);
	KT_EXPECT_EQ(m.m_state, 2);				/* taken, with a waiter */
	cr_vcpu_stats_total(&a);
	sleep_ms(20);
	cr_vcpu_stats_total(&b);
	KT_EXPECT(b.switches - a.switches < 20);		/* it did not run meanwhile */
	KT_EXPECT(t->td_state == CR_BLOCKED);
	KT_EXPECT_EQ(pthread_mutex_unlock(&m), 0);
	KT_EXPECT_EQ(pthread_join(t, NULL), 0);
	KT_EXPECT_EQ(m.m_state, 0);
}

/* A counter many threads on three vCPUs add to under one mutex: no update may be lost. */
#define NCOUNT		24
#define COUNT_ROUNDS	2000
static pthread_mutex_t count_mx = PTHREAD_MUTEX_INITIALIZER;
static volatile long count_total;
static volatile uint32_t count_vcpus, count_started;

static void *
counter(void *arg)
{
	/* The vCPUs share CPU 0 until SMP places them, and the whole count can fit between two
	 * clock ticks: until a second vCPU has taken a thread, each thread gives the CPU away in
	 * the kernel (sched_yield), so the idle vCPUs get to run and steal. Bounded: if stealing
	 * never happens the parallelism expectation below fails. */
	__atomic_or_fetch(&count_started, 1u << cr_vcpu_self(), __ATOMIC_RELAXED);
	for (int tries = 0; __builtin_popcount(count_started) < 2 && tries < 2000; tries++)
		sched_yield();
	for (int i = 0; i < COUNT_ROUNDS; i++) {
		pthread_mutex_lock(&count_mx);
		long v = count_total;
		if ((i & 63) == 0)
			cr_thread_yield();		/* a long section: others queue up */
		for (volatile int spin = 0; spin < 8; spin++)
			;
		count_total = v + 1;
		__atomic_or_fetch(&count_vcpus, 1u << cr_vcpu_self(), __ATOMIC_RELAXED);
		pthread_mutex_unlock(&count_mx);
	}
	return arg;
}

KTEST(smp, mutex_counter_loses_no_update)
{
	pthread_t t[NCOUNT];
	int created = 0, joined = 0;

	KT_ASSERT(cr_vcpu_ensure(3));
	count_total = 0;
	count_vcpus = count_started = 0;
	for (int i = 0; i < NCOUNT; i++)
		created += pthread_create(&t[i], NULL, counter, (void *)(intptr_t)i) == 0;
	KT_ASSERT_EQ(created, NCOUNT);
	for (int i = 0; i < NCOUNT; i++) {
		void *ret = NULL;
		joined += pthread_join(t[i], &ret) == 0 && (intptr_t)ret == i;
	}
	KT_EXPECT_EQ(joined, NCOUNT);
	KT_EXPECT_EQ(count_total, (long)NCOUNT * COUNT_ROUNDS);
	KT_EXPECT(__builtin_popcount(count_vcpus) >= 2);	/* really in parallel */
	KT_EXPECT_EQ(count_mx.m_state, 0);
	KT_EXPECT(count_mx.m_waiters.wq_first == NULL);
}

/* -- condition variables ----------------------------------------------------------------------- */

#define RING		4
#define NPROD		3
#define NCONS		3
#define ITEMS		400			/* per producer */
static pthread_mutex_t pc_mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pc_notfull = PTHREAD_COND_INITIALIZER, pc_notempty = PTHREAD_COND_INITIALIZER;
static int pc_ring[RING], pc_head, pc_count, pc_done;
static long pc_sum;
static int pc_last[NPROD], pc_order_ok;

static void *
producer(void *arg)
{
	int id = (int)(intptr_t)arg;

	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&pc_mx);
		while (pc_count == RING)
			pthread_cond_wait(&pc_notfull, &pc_mx);
		pc_ring[(pc_head + pc_count++) % RING] = id * 100000 + i;
		pthread_cond_signal(&pc_notempty);
		pthread_mutex_unlock(&pc_mx);
	}
	return NULL;
}

static void *
consumer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&pc_mx);
		while (pc_count == 0 && !pc_done)
			pthread_cond_wait(&pc_notempty, &pc_mx);
		if (pc_count == 0) {
			pthread_mutex_unlock(&pc_mx);
			return NULL;
		}
		int item = pc_ring[pc_head];
		pc_head = (pc_head + 1) % RING;
		pc_count--;
		int id = item / 100000, n = item % 100000;
		if (n <= pc_last[id])
			pc_order_ok = 0;		/* each producer's items come in order */
		pc_last[id] = n;
		pc_sum += n;
		pthread_cond_signal(&pc_notfull);
		pthread_mutex_unlock(&pc_mx);
	}
}

KTEST(smp, condvar_producers_and_consumers)
{
	pthread_t p[NPROD], c[NCONS];

	KT_ASSERT(cr_vcpu_ensure(3));
	pc_head = pc_count = pc_done = 0;
	pc_sum = 0;
	pc_order_ok = 1;
	memset(pc_last, 0, sizeof(pc_last));
	for (int i = 0; i < NCONS; i++)
		KT_ASSERT_EQ(pthread_create(&c[i], NULL, consumer, NULL), 0);
	for (int i = 0; i < NPROD; i++)
		KT_ASSERT_EQ(pthread_create(&p[i], NULL, producer, (void *)(intptr_t)i), 0);
	for (int i = 0; i < NPROD; i++)
		pthread_join(p[i], NULL);
	pthread_mutex_lock(&pc_mx);
	pc_done = 1;
	pthread_cond_broadcast(&pc_notempty);
	pthread_mutex_unlock(&pc_mx);
	for (int i = 0; i < NCONS; i++)
		pthread_join(c[i], NULL);
	KT_EXPECT_EQ(pc_sum, (long)NPROD * ITEMS * (ITEMS + 1) / 2);	/* every item, once */
	KT_EXPECT(pc_order_ok);
	for (int i = 0; i < NPROD; i++)
		KT_EXPECT_EQ(pc_last[i], ITEMS);
}

KTEST(pthread, cond_timedwait_times_out)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	pthread_condattr_t ca;
	struct timespec t0, at, bad;
	clockid_t clock = -1;
	long ms;

	KT_EXPECT_EQ(pthread_cond_wait(&c, &m), EPERM);		/* m not held */
	pthread_mutex_lock(&m);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	at = in_ms(CLOCK_REALTIME, 50);
	KT_EXPECT_EQ(pthread_cond_timedwait(&c, &m, &at), ETIMEDOUT);
	ms = ms_since(&t0);
	KT_EXPECT(ms >= 45 && ms < 1000);
	KT_EXPECT(m.m_owner == pthread_self());			/* m held again */
	at = in_ms(CLOCK_REALTIME, -10);				/* passed already */
	KT_EXPECT_EQ(pthread_cond_timedwait(&c, &m, &at), ETIMEDOUT);
	bad = at;
	bad.tv_nsec = 1000000000;
	KT_EXPECT_EQ(pthread_cond_timedwait(&c, &m, &bad), EINVAL);
	KT_EXPECT_EQ(pthread_mutex_unlock(&m), 0);

	/* A condition variable on the monotonic clock. */
	KT_ASSERT_EQ(pthread_condattr_init(&ca), 0);
	KT_EXPECT_EQ(pthread_condattr_getclock(&ca, &clock), 0);
	KT_EXPECT_EQ(clock, CLOCK_REALTIME);
	KT_EXPECT_EQ(pthread_condattr_setclock(&ca, 12345), EINVAL);
	KT_EXPECT_EQ(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC), 0);
	KT_ASSERT_EQ(pthread_cond_init(&c, &ca), 0);
	pthread_mutex_lock(&m);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	at = in_ms(CLOCK_MONOTONIC, 30);
	KT_EXPECT_EQ(pthread_cond_timedwait(&c, &m, &at), ETIMEDOUT);
	KT_EXPECT(ms_since(&t0) >= 25);
	pthread_mutex_unlock(&m);
	KT_EXPECT_EQ(pthread_cond_destroy(&c), 0);
}

static pthread_mutex_t sig_mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sig_cv = PTHREAD_COND_INITIALIZER;
static int sig_flag;

static void *
signal_soon(void *arg)
{
	(void)arg;
	sleep_ms(10);
	pthread_mutex_lock(&sig_mx);
	sig_flag = 1;
	pthread_cond_signal(&sig_cv);
	pthread_mutex_unlock(&sig_mx);
	return NULL;
}

KTEST(pthread, cond_timedwait_signalled_in_time)
{
	struct timespec t0, at;
	pthread_t t;
	int error = 0;

	sig_flag = 0;
	KT_ASSERT_EQ(pthread_create(&t, NULL, signal_soon, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	at = in_ms(CLOCK_REALTIME, 2000);
	pthread_mutex_lock(&sig_mx);
	while (!sig_flag && error == 0)
		error = pthread_cond_timedwait(&sig_cv, &sig_mx, &at);
	pthread_mutex_unlock(&sig_mx);
	KT_EXPECT_EQ(error, 0);
	KT_EXPECT_EQ(sig_flag, 1);
	KT_EXPECT(ms_since(&t0) < 1000);			/* the timer did not hold it */
	pthread_join(t, NULL);
}

/*
 * Timed waits racing signals on three vCPUs: each ends either signalled or timed out, its timer
 * message aborted or fired, and none is left in the kernel afterwards.
 */
#define NTW		8
#define TW_ROUNDS	40
static pthread_mutex_t tw_mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tw_cv = PTHREAD_COND_INITIALIZER;
static volatile int tw_stop, tw_bad, tw_timeouts, tw_signalled;

static void *
tw_waiter(void *arg)
{
	for (int i = 0; i < TW_ROUNDS; i++) {
		static const int ms[] = { 1, 8, 25 };
		struct timespec at = in_ms(CLOCK_REALTIME, ms[(i + (int)(intptr_t)arg) % 3]);
		pthread_mutex_lock(&tw_mx);
		int error = pthread_cond_timedwait(&tw_cv, &tw_mx, &at);
		if (tw_mx.m_owner != pthread_self())
			tw_bad = 1;
		pthread_mutex_unlock(&tw_mx);
		if (error == ETIMEDOUT)
			__atomic_add_fetch(&tw_timeouts, 1, __ATOMIC_SEQ_CST);
		else if (error == 0)
			__atomic_add_fetch(&tw_signalled, 1, __ATOMIC_SEQ_CST);
		else
			tw_bad = 2;
	}
	return NULL;
}

static void *
tw_signaller(void *arg)
{
	(void)arg;
	for (int i = 0; !tw_stop; i++) {
		pthread_mutex_lock(&tw_mx);
		if (i % 2)
			pthread_cond_broadcast(&tw_cv);
		else
			pthread_cond_signal(&tw_cv);
		pthread_mutex_unlock(&tw_mx);
		sleep_ms(10);			/* some waits time out first, some not */
	}
	return NULL;
}

KTEST(smp, timedwaits_race_signals)
{
	pthread_t w[NTW], s[2];
	struct kstat before, after;

	KT_ASSERT(cr_vcpu_ensure(3));
	tw_stop = tw_bad = tw_timeouts = tw_signalled = 0;
	kstat(&before, sizeof(before));
	for (int i = 0; i < 2; i++)
		KT_ASSERT_EQ(pthread_create(&s[i], NULL, tw_signaller, NULL), 0);
	for (int i = 0; i < NTW; i++)
		KT_ASSERT_EQ(pthread_create(&w[i], NULL, tw_waiter, (void *)(intptr_t)i), 0);
	for (int i = 0; i < NTW; i++)
		pthread_join(w[i], NULL);
	tw_stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(s[i], NULL);
	kstat(&after, sizeof(after));
	KT_EXPECT_EQ(tw_bad, 0);
	KT_EXPECT_EQ(tw_timeouts + tw_signalled, NTW * TW_ROUNDS);
	KT_EXPECT(tw_signalled > 0);
	KT_EXPECT(tw_timeouts > 0);
	KT_EXPECT_EQ(after.ks_sysmsg_outstanding, before.ks_sysmsg_outstanding);	/* no timer left */
	KT_EXPECT(tw_cv.c_waiters.wq_first == NULL);
	ktest_diag(ktc, "%d signalled, %d timed out", tw_signalled, tw_timeouts);
}

/* -- read-write locks -------------------------------------------------------------------------- */

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_barrier_t rw_bar;
static int rw_probe;

static void *
reader_meets_others(void *arg)
{
	(void)arg;
	pthread_rwlock_rdlock(&rw);
	pthread_barrier_wait(&rw_bar);		/* all readers hold it at once, or this never ends */
	pthread_rwlock_unlock(&rw);
	return NULL;
}

static void *
try_read(void *arg)
{
	(void)arg;
	rw_probe = pthread_rwlock_tryrdlock(&rw);
	if (rw_probe == 0)
		pthread_rwlock_unlock(&rw);
	return NULL;
}

static void *
try_write(void *arg)
{
	(void)arg;
	rw_probe = pthread_rwlock_trywrlock(&rw);
	if (rw_probe == 0)
		pthread_rwlock_unlock(&rw);
	return NULL;
}

static void *
writer_waits(void *arg)
{
	(void)arg;
	pthread_rwlock_wrlock(&rw);
	rw_probe = 100;
	pthread_rwlock_unlock(&rw);
	return NULL;
}

static int
run_probe(void *(*fn)(void *))
{
	pthread_t t;

	rw_probe = -1;
	pthread_create(&t, NULL, fn, NULL);
	pthread_join(t, NULL);
	return rw_probe;
}

KTEST(pthread, rwlock_errors_and_writer_preference)
{
	pthread_t readers[3], w;

	KT_EXPECT_EQ(pthread_rwlock_unlock(&rw), EPERM);	/* not held */
	/* Readers hold it at the same time. */
	pthread_barrier_init(&rw_bar, NULL, 3);
	for (int i = 0; i < 3; i++)
		KT_ASSERT_EQ(pthread_create(&readers[i], NULL, reader_meets_others, NULL), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(readers[i], NULL);
	pthread_barrier_destroy(&rw_bar);

	KT_EXPECT_EQ(pthread_rwlock_wrlock(&rw), 0);
	KT_EXPECT_EQ(pthread_rwlock_wrlock(&rw), EDEADLK);
	KT_EXPECT_EQ(pthread_rwlock_rdlock(&rw), EDEADLK);
	KT_EXPECT_EQ(run_probe(try_read), EBUSY);
	KT_EXPECT_EQ(run_probe(try_write), EBUSY);
	KT_EXPECT_EQ(pthread_rwlock_destroy(&rw), EBUSY);
	KT_EXPECT_EQ(pthread_rwlock_unlock(&rw), 0);

	KT_EXPECT_EQ(pthread_rwlock_rdlock(&rw), 0);
	KT_EXPECT_EQ(pthread_rwlock_tryrdlock(&rw), 0);		/* two read holds */
	KT_EXPECT_EQ(run_probe(try_read), 0);			/* readers share */
	KT_EXPECT_EQ(run_probe(try_write), EBUSY);
	/* A writer waits: new readers are held back (writers preferred). */
	rw_probe = -1;
	KT_ASSERT_EQ(pthread_create(&w, NULL, writer_waits, NULL), 0);
	for (int i = 0; i < 100 && rw.rw_writers_waiting == 0; i++)
		sleep_ms(1);
	KT_EXPECT_EQ(rw.rw_writers_waiting, 1);
	KT_EXPECT_EQ(run_probe(try_read), EBUSY);		/* a new reader waits */
	KT_EXPECT_EQ(pthread_rwlock_rdlock(&rw), 0);		/* one holding it does not */
	KT_EXPECT_EQ(pthread_rwlock_unlock(&rw), 0);
	KT_EXPECT_EQ(pthread_rwlock_unlock(&rw), 0);
	KT_EXPECT_EQ(rw.rw_writers_waiting, 1);			/* one reader still in */
	KT_EXPECT_EQ(pthread_rwlock_unlock(&rw), 0);
	pthread_join(w, NULL);
	KT_EXPECT_EQ(rw_probe, 100);				/* the writer ran */
	KT_EXPECT_EQ(pthread_rwlock_destroy(&rw), 0);
}

static void *
timed_write(void *arg)
{
	struct timespec at = in_ms(CLOCK_REALTIME, 20);

	(void)arg;
	rw_probe = pthread_rwlock_timedwrlock(&rw, &at);
	if (rw_probe == 0)
		pthread_rwlock_unlock(&rw);
	return NULL;
}

static void *
timed_read(void *arg)
{
	struct timespec at = in_ms(CLOCK_REALTIME, 20);

	(void)arg;
	rw_probe = pthread_rwlock_timedrdlock(&rw, &at);
	if (rw_probe == 0)
		pthread_rwlock_unlock(&rw);
	return NULL;
}

static void *
late_reader(void *arg)
{
	struct timespec at = in_ms(CLOCK_REALTIME, 2000);

	(void)arg;
	return (void *)(intptr_t)(pthread_rwlock_timedrdlock(&rw, &at) == 0 &&
	    pthread_rwlock_unlock(&rw) == 0);
}

KTEST(pthread, rwlock_timed)
{
	pthread_t w, r;
	void *ok = NULL;

	KT_EXPECT_EQ(run_probe(timed_write), 0);		/* free: at once */
	KT_EXPECT_EQ(pthread_rwlock_rdlock(&rw), 0);
	KT_EXPECT_EQ(run_probe(timed_read), 0);			/* readers share */
	KT_EXPECT_EQ(run_probe(timed_write), ETIMEDOUT);
	KT_EXPECT_EQ(rw.rw_writers_waiting, 0);			/* it gave up its place */
	/* A writer that gives up lets the readers it held back in. */
	KT_ASSERT_EQ(pthread_create(&w, NULL, timed_write, NULL), 0);
	for (int i = 0; i < 100 && rw.rw_writers_waiting == 0; i++)
		sleep_ms(1);
	KT_EXPECT_EQ(rw.rw_writers_waiting, 1);
	KT_ASSERT_EQ(pthread_create(&r, NULL, late_reader, NULL), 0);
	KT_EXPECT_EQ(pthread_join(w, NULL), 0);
	KT_EXPECT_EQ(rw_probe, ETIMEDOUT);
	KT_EXPECT_EQ(pthread_join(r, &ok), 0);
	KT_EXPECT_EQ((intptr_t)ok, 1);				/* let in, long before 2 s */
	KT_EXPECT_EQ(pthread_rwlock_unlock(&rw), 0);
	KT_EXPECT_EQ(pthread_rwlock_wrlock(&rw), 0);
	KT_EXPECT_EQ(run_probe(timed_read), ETIMEDOUT);
	KT_EXPECT_EQ(pthread_rwlock_unlock(&rw), 0);
	KT_EXPECT_EQ(pthread_rwlock_destroy(&rw), 0);
}

/* Readers and writers on three vCPUs: a writer is alone; readers overlap. */
#define NRW		12
#define RW_ROUNDS	300
static pthread_rwlock_t rws = PTHREAD_RWLOCK_INITIALIZER;
static volatile int rws_readers, rws_writers, rws_bad;
static volatile long rws_value;

static void *
rw_worker(void *arg)
{
	int id = (int)(intptr_t)arg;

	for (int i = 0; i < RW_ROUNDS; i++) {
		if ((i + id) % 4 == 0) {
			pthread_rwlock_wrlock(&rws);
			if (__atomic_add_fetch(&rws_writers, 1, __ATOMIC_SEQ_CST) != 1 || rws_readers != 0)
				rws_bad = 1;
			long v = rws_value;
			cr_thread_yield();
			rws_value = v + 1;
			__atomic_sub_fetch(&rws_writers, 1, __ATOMIC_SEQ_CST);
			pthread_rwlock_unlock(&rws);
		} else {
			pthread_rwlock_rdlock(&rws);
			__atomic_add_fetch(&rws_readers, 1, __ATOMIC_SEQ_CST);
			if (rws_writers != 0)
				rws_bad = 1;
			cr_thread_yield();
			__atomic_sub_fetch(&rws_readers, 1, __ATOMIC_SEQ_CST);
			pthread_rwlock_unlock(&rws);
		}
	}
	return NULL;
}

static volatile int rws_holding;

/* rw_hold_read: hold a read lock until told to let go. */
static void *
rw_hold_read(void *arg)
{
	(void)arg;
	pthread_rwlock_rdlock(&rws);
	rws_holding = 1;
	while (rws_holding)
		cr_thread_yield();
	pthread_rwlock_unlock(&rws);
	return NULL;
}

KTEST(smp, rwlock_writers_alone_readers_together)
{
	pthread_t t[NRW];
	long writes = 0;

	KT_ASSERT(cr_vcpu_ensure(3));
	rws_readers = rws_writers = rws_bad = 0;
	rws_value = 0;
	for (int i = 0; i < NRW; i++)
		KT_ASSERT_EQ(pthread_create(&t[i], NULL, rw_worker, (void *)(intptr_t)i), 0);
	for (int i = 0; i < NRW; i++)
		pthread_join(t[i], NULL);
	for (int id = 0; id < NRW; id++)
		for (int i = 0; i < RW_ROUNDS; i++)
			writes += (i + id) % 4 == 0;
	KT_EXPECT_EQ(rws_bad, 0);
	KT_EXPECT_EQ(rws_value, writes);			/* no write lost */
	/* Readers together: whether they overlapped above depends on how the vCPUs' CPUs
	 * interleave (a waiting writer holds new readers back); with no writer, they must. */
	KT_ASSERT_EQ(pthread_create(&t[0], NULL, rw_hold_read, NULL), 0);
	while (!rws_holding)
		cr_thread_yield();
	KT_EXPECT_EQ(pthread_rwlock_tryrdlock(&rws), 0);	/* a second reader, at once */
	KT_EXPECT_EQ(pthread_rwlock_unlock(&rws), 0);
	rws_holding = 0;
	pthread_join(t[0], NULL);
	KT_EXPECT_EQ(pthread_rwlock_destroy(&rws), 0);
}

/* -- once -------------------------------------------------------------------------------------- */

#define NONCE		16
static pthread_once_t once = PTHREAD_ONCE_INIT;
static volatile int once_runs, once_done, once_saw_undone;

static void
once_init(void)
{
	__atomic_add_fetch(&once_runs, 1, __ATOMIC_SEQ_CST);
	sleep_ms(5);				/* the others arrive meanwhile */
	once_done = 1;
}

static void *
once_racer(void *arg)
{
	pthread_once(&once, once_init);
	if (!once_done)
		once_saw_undone = 1;		/* returned before init had finished */
	return arg;
}

KTEST(smp, once_runs_once_under_races)
{
	pthread_t t[NONCE];

	KT_ASSERT(cr_vcpu_ensure(3));
	for (int i = 0; i < NONCE; i++)
		KT_ASSERT_EQ(pthread_create(&t[i], NULL, once_racer, NULL), 0);
	for (int i = 0; i < NONCE; i++)
		pthread_join(t[i], NULL);
	KT_EXPECT_EQ(once_runs, 1);
	KT_EXPECT_EQ(once_saw_undone, 0);
	pthread_once(&once, once_init);
	KT_EXPECT_EQ(once_runs, 1);
}

/* -- keys -------------------------------------------------------------------------------------- */

static pthread_key_t key, key2;
static volatile int dtor_calls, dtor_sum, dtor2_rounds;

static void
dtor(void *v)
{
	__atomic_add_fetch(&dtor_calls, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&dtor_sum, (int)(intptr_t)v, __ATOMIC_SEQ_CST);
}

/* dtor_again: sets its value again each time: it runs PTHREAD_DESTRUCTOR_ITERATIONS times. */
static void
dtor_again(void *v)
{
	__atomic_add_fetch(&dtor2_rounds, 1, __ATOMIC_SEQ_CST);
	pthread_setspecific(key2, v);
}

static void *
keyed(void *arg)
{
	if (pthread_getspecific(key) != NULL)
		return (void *)1;		/* a new thread starts with NULL */
	pthread_setspecific(key, arg);
	sched_yield();
	if (pthread_getspecific(key) != arg)
		return (void *)2;		/* its own value */
	if ((intptr_t)arg == 1)
		pthread_setspecific(key2, (void *)9);
	return NULL;
}

KTEST(pthread, key_destructors_run_at_thread_exit)
{
	pthread_t t[4];
	pthread_key_t k3;
	int ok = 0;

	dtor_calls = dtor_sum = dtor2_rounds = 0;
	KT_ASSERT_EQ(pthread_key_create(&key, dtor), 0);
	KT_ASSERT_EQ(pthread_key_create(&key2, dtor_again), 0);
	KT_EXPECT(key != key2);
	KT_EXPECT(pthread_getspecific(key) == NULL);
	KT_EXPECT_EQ(pthread_setspecific(key, (void *)100), 0);	/* main's own */
	for (int i = 0; i < 4; i++)
		KT_ASSERT_EQ(pthread_create(&t[i], NULL, keyed, (void *)(intptr_t)(i + 1)), 0);
	for (int i = 0; i < 4; i++) {
		void *ret = (void *)-1;
		pthread_join(t[i], &ret);
		ok += ret == NULL;
	}
	KT_EXPECT_EQ(ok, 4);
	KT_EXPECT_EQ(dtor_calls, 4);				/* one per thread, not main's */
	KT_EXPECT_EQ(dtor_sum, 1 + 2 + 3 + 4);
	KT_EXPECT_EQ(dtor2_rounds, PTHREAD_DESTRUCTOR_ITERATIONS);
	KT_EXPECT((intptr_t)pthread_getspecific(key) == 100);
	/* Deleted and made again, a key starts NULL. */
	KT_EXPECT_EQ(pthread_key_delete(key2), 0);
	KT_EXPECT_EQ(pthread_key_delete(key2), EINVAL);
	KT_EXPECT_EQ(pthread_setspecific(key2, (void *)1), EINVAL);
	KT_EXPECT_EQ(pthread_key_delete(key), 0);
	KT_ASSERT_EQ(pthread_key_create(&k3, NULL), 0);
	KT_EXPECT(pthread_getspecific(k3) == NULL);
	KT_EXPECT_EQ(pthread_key_delete(k3), 0);
}

/* -- barriers ---------------------------------------------------------------------------------- */

#define NBAR		5
#define BAR_CYCLES	60
static pthread_barrier_t bar;
static volatile int bar_serial[BAR_CYCLES], bar_arrived[BAR_CYCLES], bar_early;

static void *
bar_worker(void *arg)
{
	(void)arg;
	for (int c = 0; c < BAR_CYCLES; c++) {
		__atomic_add_fetch(&bar_arrived[c], 1, __ATOMIC_SEQ_CST);
		int r = pthread_barrier_wait(&bar);
		if (bar_arrived[c] != NBAR)
			bar_early = 1;		/* left before every thread had arrived */
		if (r == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_add_fetch(&bar_serial[c], 1, __ATOMIC_SEQ_CST);
		else if (r != 0)
			bar_early = 2;
	}
	return NULL;
}

KTEST(smp, barrier_one_serial_thread_per_cycle)
{
	pthread_t t[NBAR];
	int once_each = 0;

	KT_ASSERT(cr_vcpu_ensure(3));
	KT_EXPECT_EQ(pthread_barrier_init(&bar, NULL, 0), EINVAL);
	KT_ASSERT_EQ(pthread_barrier_init(&bar, NULL, NBAR), 0);
	memset((void *)bar_serial, 0, sizeof(bar_serial));
	memset((void *)bar_arrived, 0, sizeof(bar_arrived));
	bar_early = 0;
	for (int i = 0; i < NBAR; i++)
		KT_ASSERT_EQ(pthread_create(&t[i], NULL, bar_worker, NULL), 0);
	for (int i = 0; i < NBAR; i++)
		pthread_join(t[i], NULL);
	for (int c = 0; c < BAR_CYCLES; c++)
		once_each += bar_serial[c] == 1;
	KT_EXPECT_EQ(once_each, BAR_CYCLES);
	KT_EXPECT_EQ(bar_early, 0);
	KT_EXPECT_EQ(pthread_barrier_destroy(&bar), 0);
}

/* -- cancellation ------------------------------------------------------------------------------ */

static pthread_mutex_t cx_mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cx_cv = PTHREAD_COND_INITIALIZER;
static volatile int cx_waiting, cx_cleanups, cx_held_in_cleanup, cx_order;

static void
cx_unlock(void *arg)
{
	pthread_mutex_t *m = arg;

	cx_held_in_cleanup = m->m_owner == pthread_self();	/* POSIX: held again */
	cx_order = cx_order * 10 + 1;
	cx_cleanups++;
	pthread_mutex_unlock(m);
}

static void
cx_note(void *arg)
{
	cx_order = cx_order * 10 + (int)(intptr_t)arg;
	cx_cleanups++;
}

static void *
cx_cond_waiter(void *arg)
{
	(void)arg;
	pthread_cleanup_push(cx_note, (void *)2);
	pthread_mutex_lock(&cx_mx);
	pthread_cleanup_push(cx_unlock, &cx_mx);
	cx_waiting = 1;
	for (;;)
		pthread_cond_wait(&cx_cv, &cx_mx);	/* never signalled: only a cancel ends it */
	pthread_cleanup_pop(1);
	pthread_cleanup_pop(1);
	return NULL;
}

/* wait_parked: until t is parked at a cancellation point. */
static int
wait_parked(pthread_t t)
{
	for (int i = 0; i < 500; i++) {
		if (t->td_cancel_point)
			return 1;
		sleep_ms(1);
	}
	return 0;
}

KTEST(pthread, cancel_in_cond_wait_runs_cleanup_handlers)
{
	pthread_t t;
	void *ret = NULL;

	cx_waiting = cx_cleanups = cx_held_in_cleanup = cx_order = 0;
	KT_ASSERT_EQ(pthread_create(&t, NULL, cx_cond_waiter, NULL), 0);
	KT_ASSERT(wait_parked(t));
	KT_EXPECT_EQ(pthread_cancel(t), 0);
	KT_EXPECT_EQ(pthread_join(t, &ret), 0);
	KT_EXPECT(ret == PTHREAD_CANCELED);
	KT_EXPECT_EQ(cx_cleanups, 2);
	KT_EXPECT_EQ(cx_order, 12);			/* innermost first */
	KT_EXPECT(cx_held_in_cleanup);
	KT_EXPECT_EQ(pthread_mutex_trylock(&cx_mx), 0);	/* the handler released it */
	pthread_mutex_unlock(&cx_mx);
}

static void *
cx_sleeper(void *arg)
{
	(void)arg;
	pthread_cleanup_push(cx_note, (void *)3);
	sleep(30);				/* a cancellation point */
	pthread_cleanup_pop(0);
	return (void *)5;
}

static void *
cx_joiner(void *arg)
{
	pthread_t other = arg;

	pthread_cleanup_push(cx_note, (void *)4);
	pthread_join(other, NULL);		/* a cancellation point */
	pthread_cleanup_pop(0);
	return NULL;
}

KTEST(pthread, cancel_in_sleep_and_join)
{
	struct timespec t0;
	pthread_t s, j;
	void *ret = NULL;

	cx_cleanups = cx_order = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	KT_ASSERT_EQ(pthread_create(&s, NULL, cx_sleeper, NULL), 0);
	KT_ASSERT_EQ(pthread_create(&j, NULL, cx_joiner, s), 0);
	KT_ASSERT(wait_parked(j));
	KT_ASSERT(wait_parked(s));
	KT_EXPECT_EQ(pthread_cancel(j), 0);
	KT_EXPECT_EQ(pthread_join(j, &ret), 0);
	KT_EXPECT(ret == PTHREAD_CANCELED);
	KT_EXPECT_EQ(cx_order, 4);
	KT_EXPECT_EQ(pthread_cancel(s), 0);		/* s is joinable again: j gave up */
	KT_EXPECT_EQ(pthread_join(s, &ret), 0);
	KT_EXPECT(ret == PTHREAD_CANCELED);
	KT_EXPECT_EQ(cx_order, 43);
	KT_EXPECT(ms_since(&t0) < 5000);		/* not after the 30 s sleep */
}

static int cx_pipe[2];
static volatile int cx_read_returned;

static void *
cx_reader(void *arg)
{
	char c;

	(void)arg;
	pthread_cleanup_push(cx_note, (void *)5);
	read(cx_pipe[0], &c, 1);		/* nothing comes: a parked call */
	cx_read_returned = 1;
	pthread_cleanup_pop(0);
	return NULL;
}

KTEST(pthread, cancel_in_a_parked_read)
{
	struct kstat before, after;
	pthread_t t;
	void *ret = NULL;
	char c = 0;

	cx_order = cx_cleanups = cx_read_returned = 0;
	KT_ASSERT_EQ(pipe(cx_pipe), 0);
	kstat(&before, sizeof(before));
	KT_ASSERT_EQ(pthread_create(&t, NULL, cx_reader, NULL), 0);
	for (int i = 0; i < 500 && t->td_parkmsg == NULL; i++)
		sleep_ms(1);
	KT_ASSERT(t->td_parkmsg != NULL);			/* parked in read */
	KT_EXPECT_EQ(pthread_cancel(t), 0);
	KT_EXPECT_EQ(pthread_join(t, &ret), 0);
	KT_EXPECT(ret == PTHREAD_CANCELED);
	KT_EXPECT_EQ(cx_order, 5);
	KT_EXPECT_EQ(cx_read_returned, 0);
	kstat(&after, sizeof(after));
	KT_EXPECT_EQ(after.ks_sysmsg_outstanding, before.ks_sysmsg_outstanding);
	/* The pipe is intact: the aborted read took nothing. */
	KT_EXPECT_EQ(write(cx_pipe[1], "y", 1), 1);
	KT_EXPECT_EQ(read(cx_pipe[0], &c, 1), 1);
	KT_EXPECT_EQ(c, 'y');
	close(cx_pipe[0]);
	close(cx_pipe[1]);
}

static volatile int cx_stage;

static void *
cx_disabled(void *arg)
{
	int old = -1;

	(void)arg;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	cx_stage = old == PTHREAD_CANCEL_ENABLE ? 1 : -1;
	while (cx_stage == 1)
		sleep_ms(1);			/* cancelled meanwhile: no effect while disabled */
	pthread_testcancel();
	cx_stage = 3;
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	pthread_testcancel();			/* now it acts */
	cx_stage = 4;
	return NULL;
}

static void *
cx_async_self(void *arg)
{
	(void)arg;
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
	pthread_cancel(pthread_self());		/* asynchronous: at once */
	return (void *)1;
}

KTEST(pthread, cancel_state_and_type)
{
	pthread_t t;
	void *ret = NULL;
	int old = -1;

	KT_EXPECT_EQ(pthread_setcancelstate(9, NULL), EINVAL);
	KT_EXPECT_EQ(pthread_setcanceltype(9, NULL), EINVAL);
	KT_EXPECT_EQ(pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &old), 0);
	KT_EXPECT_EQ(old, PTHREAD_CANCEL_DEFERRED);
	cx_stage = 0;
	KT_ASSERT_EQ(pthread_create(&t, NULL, cx_disabled, NULL), 0);
	for (int i = 0; i < 500 && cx_stage == 0; i++)
		sleep_ms(1);
	KT_EXPECT_EQ(cx_stage, 1);
	KT_EXPECT_EQ(pthread_cancel(t), 0);
	sleep_ms(5);
	cx_stage = 2;
	KT_EXPECT_EQ(pthread_join(t, &ret), 0);
	KT_EXPECT(ret == PTHREAD_CANCELED);
	KT_EXPECT_EQ(cx_stage, 3);			/* ran on while disabled, ended when enabled */

	KT_ASSERT_EQ(pthread_create(&t, NULL, cx_async_self, NULL), 0);
	KT_EXPECT_EQ(pthread_join(t, &ret), 0);
	KT_EXPECT(ret == PTHREAD_CANCELED);
}

KTEST(smp, cancel_across_vcpus)
{
	pthread_t t[6];
	void *ret;
	int canceled = 0;

	KT_ASSERT(cr_vcpu_ensure(3));
	cx_cleanups = 0;
	for (int i = 0; i < 6; i++)
		KT_ASSERT_EQ(pthread_create(&t[i], NULL, cx_sleeper, NULL), 0);
	for (int i = 0; i < 6; i++)
		KT_ASSERT(wait_parked(t[i]));
	for (int i = 0; i < 6; i++)
		pthread_cancel(t[i]);
	for (int i = 0; i < 6; i++) {
		ret = NULL;
		pthread_join(t[i], &ret);
		canceled += ret == PTHREAD_CANCELED;
	}
	KT_EXPECT_EQ(canceled, 6);
	KT_EXPECT_EQ(cx_cleanups, 6);
}
