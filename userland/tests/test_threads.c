/*
 * KTAP tests of user threads: LWKT threads in libcr on one vCPU. Creation, join, priorities,
 * round robin, errno per thread, ports between threads, system calls that park only the calling
 * thread, mutexes, condition variables, semaphores, and thread-local storage through %gs.
 */
#include <sys/ktest.h>
#include <cr/sysport.h>
#include <cr/thread.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_[64], nlog;

static void *
record(void *arg)
{
	log_[nlog++] = (int)(intptr_t)arg;
	return (void *)((intptr_t)arg * 10);
}

KTEST(uthread, create_and_join_returns_the_value)
{
	cr_thread_t td;
	void *ret = NULL;

	nlog = 0;
	KT_EXPECT_EQ(cr_thread_create(&td, record, (void *)7, CR_PRI_DEFAULT, "t7"), 0);
	KT_EXPECT_EQ(cr_thread_count(), 2);
	KT_EXPECT_EQ(cr_thread_join(td, &ret), 0);
	KT_EXPECT_EQ((intptr_t)ret, 70);
	KT_EXPECT_EQ(nlog, 1);
	KT_EXPECT_EQ(cr_thread_count(), 1);
	KT_EXPECT_EQ(cr_thread_create(&td, record, NULL, 0, "bad"), EINVAL);
}

KTEST(uthread, higher_priority_runs_first)
{
	cr_thread_t t[3];
	int pri[3] = { 3, 20, 9 };

	nlog = 0;
	for (int i = 0; i < 3; i++)
		cr_thread_create(&t[i], record, (void *)(intptr_t)pri[i], pri[i], "tp");
	for (int i = 0; i < 3; i++)
		cr_thread_join(t[i], NULL);
	KT_EXPECT_EQ(nlog, 3);
	KT_EXPECT_EQ(log_[0], 20);
	KT_EXPECT_EQ(log_[1], 9);
	KT_EXPECT_EQ(log_[2], 3);
}

static void *
take_turns(void *arg)
{
	for (int i = 0; i < 3; i++) {
		log_[nlog++] = (int)(intptr_t)arg;
		cr_thread_yield();
	}
	return NULL;
}

KTEST(uthread, yield_takes_turns)
{
	cr_thread_t t[3];

	nlog = 0;
	for (int i = 0; i < 3; i++)
		cr_thread_create(&t[i], take_turns, (void *)(intptr_t)i, CR_PRI_DEFAULT + 1, "trr");
	for (int i = 0; i < 3; i++)
		cr_thread_join(t[i], NULL);
	KT_EXPECT_EQ(nlog, 9);
	for (int i = 0; i < 9; i++)
		KT_EXPECT_EQ(log_[i], i % 3);
}

static int counter;
static void *
count(void *arg)
{
	(void)arg;
	counter++;
	cr_thread_yield();
	counter++;
	return NULL;
}

KTEST(uthread, three_hundred_threads)
{
	static cr_thread_t t[300];
	int made = 0;

	counter = 0;
	for (int i = 0; i < 300; i++)
		made += cr_thread_create(&t[i], count, NULL, CR_PRI_DEFAULT, "tn") == 0;
	KT_EXPECT_EQ(made, 300);
	for (int i = 0; i < 300; i++)
		cr_thread_join(t[i], NULL);
	KT_EXPECT_EQ(counter, 600);
	KT_EXPECT_EQ(cr_thread_count(), 1);
}

static void *
errno_keeper(void *arg)
{
	errno = (int)(intptr_t)arg;
	cr_thread_yield();
	cr_thread_yield();
	return (void *)(intptr_t)errno;		/* still ours after the others ran */
}

KTEST(uthread, errno_is_per_thread)
{
	cr_thread_t a, b;
	void *ra, *rb;

	errno = 99;
	cr_thread_create(&a, errno_keeper, (void *)5, CR_PRI_DEFAULT, "ea");
	cr_thread_create(&b, errno_keeper, (void *)7, CR_PRI_DEFAULT, "eb");
	cr_thread_join(a, &ra);
	cr_thread_join(b, &rb);
	KT_EXPECT_EQ((intptr_t)ra, 5);
	KT_EXPECT_EQ((intptr_t)rb, 7);
	KT_EXPECT_EQ(errno, 99);
}

static void *
echo_server(void *arg)
{
	int n = (int)(intptr_t)arg;

	for (int i = 0; i < n; i++) {
		lwkt_msg_t m = lwkt_waitport(&cr_thread_self()->td_msgport, 0);
		m->ms_result = m->ms_cmd * 2;
		lwkt_replymsg(m, 0);
	}
	return NULL;
}

KTEST(uthread, threads_talk_through_ports)
{
	cr_thread_t srv;
	struct lwkt_msg m;

	cr_thread_create(&srv, echo_server, (void *)50, CR_PRI_DEFAULT, "echo");
	lwkt_initmsg(&m, &cr_thread_self()->td_msgport, 0);
	int ok = 0;
	for (int i = 0; i < 50; i++) {
		m.ms_cmd = i;
		ok += lwkt_domsg(&srv->td_msgport, &m, 0) == 0 && m.ms_result == 2 * i;
	}
	KT_EXPECT_EQ(ok, 50);
	cr_thread_join(srv, NULL);
}

static int pipefd[2];
static int compute_steps;

static void *
sleeper(void *arg)
{
	struct timespec ts = { 0, (long)(intptr_t)arg * 1000000 };
	nanosleep(&ts, NULL);
	return NULL;
}

static void *
reader(void *arg)
{
	char c = 0;
	(void)arg;
	return read(pipefd[0], &c, 1) == 1 && c == 'z' ? (void *)1 : NULL;
}

static void *
computer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 50; i++) {		/* runs while the others wait in the kernel */
		compute_steps++;
		cr_thread_yield();
	}
	struct timespec ts = { 0, 200000000 };		/* 200 ms */
	nanosleep(&ts, NULL);
	write(pipefd[1], "z", 1);
	return NULL;
}

KTEST(uthread, blocking_calls_park_only_their_thread)
{
	cr_thread_t s, r, c;
	void *got = NULL;
	struct timespec t0, t1;

	KT_EXPECT_EQ(pipe(pipefd), 0);
	compute_steps = 0;
	struct cr_vcpu_stats st;
	cr_vcpu_stats_total(&st);
	uint64_t waits = st.kernel_waits;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_thread_create(&s, sleeper, (void *)300, CR_PRI_DEFAULT, "sleep300");
	cr_thread_create(&r, reader, NULL, CR_PRI_DEFAULT, "reader");
	cr_thread_create(&c, computer, NULL, CR_PRI_DEFAULT, "computer");
	cr_thread_join(r, &got);
	KT_EXPECT_EQ(compute_steps, 50);	/* it computed while the reader waited */
	cr_thread_join(s, NULL);
	cr_thread_join(c, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int64_t ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	KT_EXPECT(got == (void *)1);
	KT_EXPECT(ms >= 300);			/* the slowest ... */
	KT_EXPECT(ms < 450);			/* ... not the sum (500 ms); slack for a busy host */
	cr_vcpu_stats_total(&st);
	KT_EXPECT(st.kernel_waits > waits);	/* idle: the vCPU waited in the kernel */
	close(pipefd[0]);
	close(pipefd[1]);
}

/* -- mutexes, condition variables, semaphores ------------------------------------------------ */
#include <cr/sync.h>

static struct cr_mutex mx;
static int shared_value, max_inside, inside;

static void *
contender(void *arg)
{
	for (int i = 0; i < 100; i++) {
		cr_mutex_lock(&mx);
		int v = shared_value;
		inside++;
		if (inside > max_inside)
			max_inside = inside;
		cr_thread_yield();		/* others run meanwhile, and must wait for the lock */
		shared_value = v + 1;
		inside--;
		cr_mutex_unlock(&mx);
	}
	(void)arg;
	return NULL;
}

KTEST(sync, mutex_under_contention)
{
	cr_thread_t t[5];

	cr_mutex_init(&mx);
	shared_value = max_inside = inside = 0;
	for (int i = 0; i < 5; i++)
		cr_thread_create(&t[i], contender, NULL, CR_PRI_DEFAULT, "contend");
	for (int i = 0; i < 5; i++)
		cr_thread_join(t[i], NULL);
	KT_EXPECT_EQ(shared_value, 500);	/* no lost update */
	KT_EXPECT_EQ(max_inside, 1);		/* never two inside */
	KT_EXPECT_EQ(cr_mutex_unlock(&mx), EPERM);	/* not ours */
	KT_EXPECT_EQ(cr_mutex_trylock(&mx), 0);
	KT_EXPECT_EQ(cr_mutex_trylock(&mx), EBUSY);
	KT_EXPECT_EQ(cr_mutex_unlock(&mx), 0);
}

static struct cr_cond cv;
static int queue_items[64], qhead, qtail, consumed_sum;

static void *
consumer(void *arg)
{
	int n = (int)(intptr_t)arg;

	for (int i = 0; i < n; i++) {
		cr_mutex_lock(&mx);
		while (qhead == qtail)
			cr_cond_wait(&cv, &mx);
		consumed_sum += queue_items[qhead++ % 64];
		cr_mutex_unlock(&mx);
	}
	return NULL;
}

KTEST(sync, condvar_producer_consumer)
{
	cr_thread_t c[2];

	cr_mutex_init(&mx);
	cr_cond_init(&cv);
	qhead = qtail = consumed_sum = 0;
	cr_thread_create(&c[0], consumer, (void *)25, CR_PRI_DEFAULT, "cons0");
	cr_thread_create(&c[1], consumer, (void *)25, CR_PRI_DEFAULT, "cons1");
	for (int i = 1; i <= 50; i++) {
		cr_mutex_lock(&mx);
		queue_items[qtail++ % 64] = i;
		cr_cond_signal(&cv);
		cr_mutex_unlock(&mx);
		if (i % 7 == 0)
			cr_thread_yield();
	}
	cr_thread_join(c[0], NULL);
	cr_thread_join(c[1], NULL);
	KT_EXPECT_EQ(consumed_sum, 50 * 51 / 2);
}

static struct cr_sem sem;
static int in_sem, max_in_sem;

static void *
limited(void *arg)
{
	(void)arg;
	cr_sem_wait(&sem);
	int now = __atomic_add_fetch(&in_sem, 1, __ATOMIC_SEQ_CST);
	for (int seen = max_in_sem; now > seen &&
	    !__atomic_compare_exchange_n(&max_in_sem, &seen, now, false, __ATOMIC_SEQ_CST,
	    __ATOMIC_SEQ_CST);)
		continue;
	/* Stay inside until the others fill the semaphore (bounded): whatever the vCPUs' timing,
	 * three are then inside at once, and a semaphore that let a fourth in shows as max 4. The
	 * others may be on this vCPU (cr_thread_yield runs them) or on another that shares the CPU
	 * (sched_yield lets its kernel thread run). */
	for (int k = 0; k < 2000 && __atomic_load_n(&in_sem, __ATOMIC_SEQ_CST) < 3; k++) {
		cr_thread_yield();
		sched_yield();
	}
	cr_thread_yield();
	__atomic_sub_fetch(&in_sem, 1, __ATOMIC_SEQ_CST);
	cr_sem_post(&sem);
	return NULL;
}

KTEST(sync, semaphore_limits_concurrency)
{
	cr_thread_t t[8];

	cr_sem_init(&sem, 3);
	in_sem = max_in_sem = 0;
	for (int i = 0; i < 8; i++)
		cr_thread_create(&t[i], limited, NULL, CR_PRI_DEFAULT, "sem");
	for (int i = 0; i < 8; i++)
		cr_thread_join(t[i], NULL);
	KT_EXPECT_EQ(max_in_sem, 3);
	KT_EXPECT_EQ(sem.sem_count, 3);
	KT_EXPECT_EQ(cr_sem_trywait(&sem), 0);
}

/* -- thread-local storage ------------------------------------------------------------------ */
#include <cr/tls.h>
#include <sys/syscalls.h>

static __thread int tls_counter = 42;		/* .tdata: every thread starts from 42 */
static __thread char tls_zeroed[64];		/* .tbss: every thread starts zeroed */

static void *
tls_worker(void *arg)
{
	int id = (int)(intptr_t)arg, ok = tls_counter == 42 && tls_zeroed[0] == 0 && tls_zeroed[63] == 0;

	ok &= cr_tcb()->tcb_self == cr_tcb();		/* %gs:0 holds the TCB's own address */
	ok &= cr_tcb()->tcb_thread == cr_thread_self();
	for (int i = 0; i < 5; i++) {
		tls_counter += id;
		tls_zeroed[i] = (char)id;
		cr_thread_yield();			/* the others change theirs meanwhile */
	}
	ok &= tls_counter == 42 + 5 * id && tls_zeroed[4] == (char)id;
	return (void *)(intptr_t)ok;
}

KTEST(tls, thread_variables_are_per_thread)
{
	cr_thread_t t[4];
	void *ok[4];

	tls_counter = 1000;				/* the main thread's copy only */
	for (int i = 0; i < 4; i++)
		cr_thread_create(&t[i], tls_worker, (void *)(intptr_t)(i + 1), CR_PRI_DEFAULT, "tls");
	for (int i = 0; i < 4; i++) {
		cr_thread_join(t[i], &ok[i]);
		KT_EXPECT_EQ((intptr_t)ok[i], 1);
	}
	KT_EXPECT_EQ(tls_counter, 1000);
	KT_EXPECT(cr_tcb()->tcb_self == cr_tcb());
}

KTEST(tls, kernel_checks_every_descriptor)
{
	errno = 0;
	KT_EXPECT_EQ(__sys_tls_set(512, 0x40000000), -1);		/* past the LDT */
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(__sys_tls_set(300, 0x00100000), -1);		/* a kernel address */
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(__sys_tls_set(300, 0xc0000000), -1);		/* past user space */
	KT_EXPECT_EQ(errno, EINVAL);
	int sel = __sys_tls_set(300, 0x40000000);
	KT_EXPECT_EQ(sel & 7, 7);		/* an LDT selector, requested privilege 3 */
	KT_EXPECT_EQ(sel >> 3, 300);
}

/* -- sleeping parks one thread ------------------------------------------------------------- */

static volatile int sleeper_done;

static void *
nap(void *arg)
{
	(void)arg;
	cr_thread_sleep(30000000ull);			/* 30 ms */
	sleeper_done = 1;
	return NULL;
}

KTEST(uthread, sleep_parks_only_the_sleeper)
{
	struct timespec t0, t1;
	cr_thread_t td;
	long yields = 0;

	sleeper_done = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	KT_ASSERT_EQ(cr_thread_create(&td, nap, NULL, CR_PRI_DEFAULT, "nap"), 0);
	while (!sleeper_done) {
		cr_thread_yield();			/* runs while the other sleeps */
		yields++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	KT_EXPECT_EQ(cr_thread_join(td, NULL), 0);
	KT_EXPECT(yields > 1);
	KT_EXPECT((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) >= 30000000L);
}

/*
 * -- the fast paths: a yield among equals that skips the scheduler (it must still let a higher
 * priority run, and count its switches), and the direct hand-off of a domsg to a thread blocked
 * in waitport (it runs at once, ahead of its equals; order, aborts and priorities as before).
 */
#include <cr/msgport_sys.h>

static int flog[32], nflog;

static void *
note(void *arg)
{
	flog[nflog++] = (int)(intptr_t)arg;
	return NULL;
}

static void *
yielder_n(void *arg)
{
	for (int i = 0; i < (int)(intptr_t)arg; i++)
		cr_thread_yield();
	return NULL;
}

static void *
note_and_yield(void *arg)
{
	for (int i = 0; i < 3; i++) {
		flog[nflog++] = (int)(intptr_t)arg;
		cr_thread_yield();
	}
	return NULL;
}

static lwkt_msg_t recv_got[4];
static uint32_t recv_flags[4];

/* receive_n: log arg's low byte once per message, n = arg >> 8 of them (1 if 0), and reply. */
static void *
receive_n(void *arg)
{
	int n = (int)(intptr_t)arg >> 8;

	for (int i = 0; i < (n ? n : 1); i++) {
		lwkt_msg_t m = lwkt_waitport(&cr_thread_self()->td_msgport, 0);
		recv_got[i] = m;
		recv_flags[i] = m->ms_flags;
		flog[nflog++] = (int)(intptr_t)arg & 0xff;
		lwkt_replymsg(m, 0);
	}
	return NULL;
}

static void *
receive_once(void *arg)
{
	return receive_n(arg);
}

/* receiving: td waits in waitport on its own port, for the next message. */
static int
receiving(cr_thread_t td)
{
	return td->td_state == CR_BLOCKED && (td->td_msgport.mp_flags & MSGPORTF_RECEIVING) != 0;
}

KTEST(uthread, yield_counts_every_switch)
{
	struct cr_vcpu_stats a, b;
	cr_thread_t td;
	int n = 1000;

	cr_vcpu_stats_total(&a);
	KT_ASSERT_EQ(cr_thread_create(&td, yielder_n, (void *)(intptr_t)n, CR_PRI_DEFAULT, "y"), 0);
	for (int i = 0; i < n; i++)
		cr_thread_yield();
	KT_EXPECT_EQ(cr_thread_join(td, NULL), 0);
	cr_vcpu_stats_total(&b);
	/* 2n yields, each a switch, then the join: to the yielder, and back when it exits. */
	KT_EXPECT(b.switches - a.switches >= (uint64_t)2 * n);
	KT_EXPECT(b.switches - a.switches <= (uint64_t)2 * n + 4);
}

KTEST(uthread, yield_gives_way_to_a_higher_priority_woken)
{
	cr_thread_t peer, high;
	struct lwkt_msg msg;

	nflog = 0;
	KT_ASSERT_EQ(cr_thread_create(&high, receive_once, (void *)9, CR_PRI_DEFAULT + 5, "high"), 0);
	cr_thread_yield();				/* it waits on its port */
	KT_ASSERT_EQ(cr_thread_create(&peer, note_and_yield, (void *)1, CR_PRI_DEFAULT, "peer"), 0);
	cr_thread_yield();				/* turns with the peer: the fast path */
	cr_thread_yield();
	KT_EXPECT_EQ(nflog, 2);
	lwkt_initmsg(&msg, &cr_thread_self()->td_msgport, 0);
	lwkt_sendmsg(&high->td_msgport, &msg);		/* wakes it, above us */
	cr_thread_yield();				/* not to the peer, whose turn it would be */
	KT_EXPECT_EQ(nflog, 4);
	KT_EXPECT_EQ(flog[2], 9);
	KT_EXPECT_EQ(flog[3], 1);
	KT_EXPECT_EQ(lwkt_waitmsg(&msg, 0), 0);
	KT_EXPECT_EQ(cr_thread_join(high, NULL), 0);
	KT_EXPECT_EQ(cr_thread_join(peer, NULL), 0);
}

static lwkt_port_t wake_port;
static struct lwkt_msg wake_msg;

/* take_turns_and_wake: log arg four times, yielding after each; thread 1 wakes wake_port. */
static void *
take_turns_and_wake(void *arg)
{
	for (int i = 0; i < 4; i++) {
		flog[nflog++] = (int)(intptr_t)arg;
		if ((intptr_t)arg == 1 && i == 1)
			lwkt_sendmsg(wake_port, &wake_msg);
		cr_thread_yield();
	}
	return NULL;
}

KTEST(uthread, a_thread_woken_between_fast_yields_waits_its_turn)
{
	cr_thread_t sleeper, t1, t2;

	nflog = 0;
	KT_ASSERT_EQ(cr_thread_create(&sleeper, receive_once, (void *)4, CR_PRI_DEFAULT, "sleeper"), 0);
	cr_thread_yield();
	KT_ASSERT(receiving(sleeper));
	wake_port = &sleeper->td_msgport;
	lwkt_initmsg(&wake_msg, NULL, 0);
	KT_ASSERT_EQ(cr_thread_create(&t1, take_turns_and_wake, (void *)1, CR_PRI_DEFAULT, "t1"), 0);
	KT_ASSERT_EQ(cr_thread_create(&t2, take_turns_and_wake, (void *)2, CR_PRI_DEFAULT, "t2"), 0);
	for (int i = 0; i < 4; i++) {
		flog[nflog++] = 0;
		cr_thread_yield();			/* round robin: us, t1, t2, ... */
	}
	KT_EXPECT_EQ(cr_thread_join(t1, NULL), 0);
	KT_EXPECT_EQ(cr_thread_join(t2, NULL), 0);
	KT_EXPECT_EQ(cr_thread_join(sleeper, NULL), 0);
	/* t1 woke it on its second turn: it joined the queue's tail, behind t2 and us. */
	static const int want[] = { 0, 1, 2, 0, 1, 2, 0, 4, 1, 2, 0, 1, 2 };
	KT_EXPECT_EQ(nflog, 13);
	for (int i = 0; i < 13; i++)
		KT_EXPECT_EQ(flog[i], want[i]);
}

KTEST(uthread, handoff_runs_the_receiver_before_its_equals)
{
	cr_thread_t rcv, other;
	struct lwkt_msg msg;

	nflog = 0;
	KT_ASSERT_EQ(cr_thread_create(&rcv, receive_once, (void *)1, CR_PRI_DEFAULT, "rcv"), 0);
	cr_thread_yield();
	KT_ASSERT(receiving(rcv));
	KT_ASSERT_EQ(cr_thread_create(&other, note, (void *)2, CR_PRI_DEFAULT, "other"), 0);
	lwkt_initmsg(&msg, &cr_thread_self()->td_msgport, 0);
	KT_EXPECT_EQ(lwkt_domsg(&rcv->td_msgport, &msg, 0), 0);
	/* Queued, the message would have let "other" (ahead in the queue) run first. */
	KT_EXPECT_EQ(nflog, 2);
	KT_EXPECT_EQ(flog[0], 1);
	KT_EXPECT_EQ(flog[1], 2);
	KT_EXPECT(recv_got[0] == &msg);
	KT_EXPECT_EQ(recv_flags[0] & (MSGF_SYNC | MSGF_QUEUED | MSGF_DONE), MSGF_SYNC);
	KT_EXPECT_EQ(cr_thread_join(rcv, NULL), 0);
	KT_EXPECT_EQ(cr_thread_join(other, NULL), 0);
}

KTEST(uthread, handoff_keeps_message_order)
{
	cr_thread_t rcv;
	struct lwkt_msg m[4];
	lwkt_port_t port;

	nflog = 0;
	KT_ASSERT_EQ(cr_thread_create(&rcv, receive_n, (void *)(4 << 8 | 1), CR_PRI_DEFAULT, "rcv"), 0);
	cr_thread_yield();
	KT_ASSERT(receiving(rcv));
	port = &rcv->td_msgport;
	for (int i = 0; i < 4; i++)
		lwkt_initmsg(&m[i], &cr_thread_self()->td_msgport, 0);
	lwkt_sendmsg(port, &m[0]);			/* queued: it wakes the receiver ... */
	lwkt_sendmsg(port, &m[1]);
	KT_EXPECT(!receiving(rcv));
	KT_EXPECT_EQ(lwkt_domsg(port, &m[2], 0), 0);	/* ... so this one queues behind them */
	KT_EXPECT(receiving(rcv));
	KT_EXPECT_EQ(lwkt_domsg(port, &m[3], 0), 0);	/* handed over */
	for (int i = 0; i < 4; i++)
		KT_EXPECT(recv_got[i] == &m[i]);
	KT_EXPECT_EQ(lwkt_waitmsg(&m[0], 0), 0);
	KT_EXPECT_EQ(lwkt_waitmsg(&m[1], 0), 0);
	KT_EXPECT(lwkt_getport(&cr_thread_self()->td_msgport) == NULL);
	KT_EXPECT_EQ(cr_thread_join(rcv, NULL), 0);
}

static lwkt_msg_t held;
static uint32_t held_flags;
static int held_drop, abort_calls;

static void *
hold_then_wait(void *arg)
{
	lwkt_msg_t m = lwkt_waitport(&cr_thread_self()->td_msgport, 0), last;

	(void)arg;
	held_flags = m->ms_flags;
	held = m;
	last = lwkt_waitport(&cr_thread_self()->td_msgport, 0);
	lwkt_replymsg(held, 0);				/* too late: the abort answered it */
	lwkt_replymsg(last, 0);
	return NULL;
}

static void *
abort_the_held(void *arg)
{
	(void)arg;
	while (held == NULL)
		cr_thread_yield();
	held_drop = lwkt_dropmsg(held);
	lwkt_abortmsg(held);
	return NULL;
}

static void
abort_eintr(lwkt_msg_t m)
{
	abort_calls++;
	lwkt_replymsg(m, EINTR);
}

KTEST(uthread, abort_of_a_handed_off_message)
{
	cr_thread_t holder, aborter;
	struct lwkt_msg msg, last;
	uint64_t doubles = lwkt_msgstats.double_replies;

	held = NULL;
	abort_calls = 0;
	KT_ASSERT_EQ(cr_thread_create(&holder, hold_then_wait, NULL, CR_PRI_DEFAULT, "hold"), 0);
	cr_thread_yield();
	KT_ASSERT(receiving(holder));
	KT_ASSERT_EQ(cr_thread_create(&aborter, abort_the_held, NULL, CR_PRI_DEFAULT, "abort"), 0);
	lwkt_initmsg_abortable(&msg, &cr_thread_self()->td_msgport, 0, abort_eintr);
	KT_EXPECT_EQ(lwkt_domsg(&holder->td_msgport, &msg, 0), EINTR);
	KT_EXPECT(held == &msg);
	KT_EXPECT_EQ(held_flags & (MSGF_SYNC | MSGF_QUEUED | MSGF_DONE), MSGF_SYNC);	/* received */
	KT_EXPECT_EQ(held_drop, ENOENT);		/* not on a queue: nothing to take back */
	KT_EXPECT_EQ(abort_calls, 1);			/* the target's way to end it early */
	KT_EXPECT((msg.ms_flags & MSGF_ABORTED) != 0);
	lwkt_initmsg(&last, &cr_thread_self()->td_msgport, 0);
	KT_EXPECT_EQ(lwkt_domsg(&holder->td_msgport, &last, 0), 0);
	KT_EXPECT_EQ(lwkt_msgstats.double_replies, doubles + 1);	/* its late reply refused */
	KT_EXPECT_EQ(cr_thread_join(holder, NULL), 0);
	KT_EXPECT_EQ(cr_thread_join(aborter, NULL), 0);
}

KTEST(uthread, no_handoff_to_a_lower_priority)
{
	struct timespec ts = { 0, 1000000 };
	cr_thread_t rcv, equal;
	struct lwkt_msg msg;

	nflog = 0;
	KT_ASSERT_EQ(cr_thread_create(&rcv, receive_once, (void *)1, CR_PRI_DEFAULT - 1, "low"), 0);
	nanosleep(&ts, NULL);				/* it runs only while we wait */
	KT_ASSERT(receiving(rcv));
	KT_ASSERT_EQ(cr_thread_create(&equal, note, (void *)2, CR_PRI_DEFAULT, "equal"), 0);
	lwkt_initmsg(&msg, &cr_thread_self()->td_msgport, 0);
	KT_EXPECT_EQ(lwkt_domsg(&rcv->td_msgport, &msg, 0), 0);
	KT_EXPECT_EQ(nflog, 2);
	KT_EXPECT_EQ(flog[0], 2);			/* our equal first, as priorities say */
	KT_EXPECT_EQ(flog[1], 1);
	KT_EXPECT_EQ(cr_thread_join(rcv, NULL), 0);
	KT_EXPECT_EQ(cr_thread_join(equal, NULL), 0);
}

/* -- exit with threads blocked in the kernel ---------------------------------------------- */
#include <sys/kstat.h>
#include <sys/wait.h>

KTEST(uthread, exit_with_threads_blocked_leaks_nothing)
{
	char *argv[] = { "threads", "leave", NULL };
	struct kstat before, after;
	struct timespec ts = { 0, 1000000 };
	int status = -1;

	/* This program is threaded, so its own waits are async calls too, and the kernel caches a
	 * message for them: make that happen before the first count. In the KSE model (run as
	 * test_threads@kse) the waitpid below blocks with an upcall frame on this thread's stack:
	 * one run first, so that the stack pages it reaches are there before the count too. */
	nanosleep(&ts, NULL);
	pid_t pid = spawnv("/bin/threads", argv);
	KT_EXPECT(pid > 0);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	kstat(&before, sizeof(before));
	pid = spawnv("/bin/threads", argv);
	KT_EXPECT(pid > 0);
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	KT_EXPECT_EQ(status, 0);
	kstat(&after, sizeof(after));
	KT_EXPECT(after.ks_aborts > before.ks_aborts);		/* its parked calls were aborted */
	KT_EXPECT_EQ(after.ks_sysmsg_outstanding, before.ks_sysmsg_outstanding);
	KT_EXPECT_EQ(after.ks_sysmsg_live, before.ks_sysmsg_live);
	/* In the KSE model the vCPU's kernel thread is a new struct after each blocked call:
	 * kmalloc's pages may hold the same objects in one page more or less (docs/dillon-vs-kse.md). */
	int32_t pooled = (int32_t)(after.ks_kse_pooled - before.ks_kse_pooled);	/* KSE: kept */
	if (cr_kse)
		KT_EXPECT(after.ks_pages_free + 2 * pooled + 1 >= before.ks_pages_free &&
		    after.ks_pages_free + 2 * pooled <= before.ks_pages_free + 1);
	else
		KT_EXPECT_EQ(after.ks_pages_free, before.ks_pages_free);
	KT_EXPECT_EQ(after.ks_procs, before.ks_procs);
}

/*
 * -- the ping-pong's direct hand-off both ways (switch.S's fast paths): a domsg to a thread
 * blocked in waitport switches straight to it, and its replywait straight back to the sender
 * blocked on the reply: two switches a round trip, each a hand-off. In the KSE model (masks in
 * use: no fast path) the domsg's hand-off is the slow path's and the reply is a block: one each.
 */
static void *
replywait_echo(void *arg)
{
	lwkt_port_t port = &cr_thread_self()->td_msgport;
	lwkt_msg_t m = lwkt_waitport(port, 0);

	for (int i = 1; i < (int)(intptr_t)arg; i++) {
		m->ms_result = m->ms_cmd + 1;
		m = lwkt_replywait(m, 0, port);
	}
	m->ms_result = m->ms_cmd + 1;
	lwkt_replymsg(m, 0);
	return NULL;
}

static cr_thread_t parked_echo;

KTEST(uthread, pingpong_hands_off_both_ways)
{
	enum { WARM = 4, ROUNDS = 100 };
	struct cr_vcpu_stats before, after;
	cr_thread_t echo;
	struct lwkt_msg m;
	bool fast = !cr_kse && cr_vcpu_count() == 1;

	KT_ASSERT_EQ(cr_thread_create(&echo, replywait_echo, (void *)(WARM + ROUNDS + 1), CR_PRI_DEFAULT,
	    "echo"), 0);
	lwkt_initmsg(&m, &cr_thread_self()->td_msgport, 0);
	for (int i = 0; i < WARM; i++)
		KT_ASSERT_EQ(lwkt_domsg(&echo->td_msgport, &m, 0), 0);
	cr_vcpu_stats(0, &before);
	for (int i = 0; i < ROUNDS; i++) {
		m.ms_cmd = (uint32_t)i;
		KT_ASSERT_EQ(lwkt_domsg(&echo->td_msgport, &m, 0), 0);
		KT_ASSERT_EQ(m.ms_result, i + 1);	/* its answer, to this message */
		KT_ASSERT_EQ(m.ms_flags & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED), MSGF_DONE | MSGF_REPLY);
	}
	cr_vcpu_stats(0, &after);
	KT_EXPECT(receiving(echo));
	if (fast) {
		KT_EXPECT_EQ(after.handoffs - before.handoffs, 2 * ROUNDS);
		KT_EXPECT_EQ(after.switches - before.switches, 2 * ROUNDS);
		KT_EXPECT_EQ(echo->td_crit, 0);		/* it waits in the fast path */
	} else {
		KT_EXPECT(after.handoffs - before.handoffs >= ROUNDS);
	}
	parked_echo = echo;				/* for the last test, blocked as it is */
}

/*
 * The fast paths armed by a ping-pong with an equal still refuse other priorities: a domsg to a
 * lower receiver queues (it runs when we wait), and a higher echo's replies wake us, each a
 * block, not a hand-off.
 */
KTEST(uthread, no_fast_handoff_across_priorities)
{
	struct timespec ts = { 0, 1000000 };
	struct cr_vcpu_stats before, after;
	cr_thread_t low, echo, high;
	struct lwkt_msg m, ml;

	KT_ASSERT_EQ(cr_thread_create(&low, receive_once, (void *)1, CR_PRI_DEFAULT - 1, "low"), 0);
	nanosleep(&ts, NULL);				/* it runs only while we wait */
	KT_ASSERT(receiving(low));
	KT_ASSERT_EQ(cr_thread_create(&echo, replywait_echo, (void *)5, CR_PRI_DEFAULT, "echo"), 0);
	lwkt_initmsg(&m, &cr_thread_self()->td_msgport, 0);
	for (int i = 0; i < 4; i++)			/* armed (one vCPU, no masks), hands off */
		KT_ASSERT_EQ(lwkt_domsg(&echo->td_msgport, &m, 0), 0);
	lwkt_initmsg(&ml, &cr_thread_self()->td_msgport, 0);
	cr_vcpu_stats(0, &before);
	KT_EXPECT_EQ(lwkt_domsg(&low->td_msgport, &ml, 0), 0);
	cr_vcpu_stats(0, &after);
	KT_EXPECT_EQ(after.handoffs - before.handoffs, 0);
	KT_EXPECT(recv_got[0] == &ml);
	KT_EXPECT_EQ(lwkt_domsg(&echo->td_msgport, &m, 0), 0);	/* its last */
	KT_EXPECT_EQ(cr_thread_join(low, NULL), 0);
	KT_EXPECT_EQ(cr_thread_join(echo, NULL), 0);

	KT_ASSERT_EQ(cr_thread_create(&echo, replywait_echo, (void *)4, CR_PRI_DEFAULT, "echo"), 0);
	KT_ASSERT_EQ(cr_thread_create(&high, replywait_echo, (void *)9, CR_PRI_DEFAULT + 1, "high"), 0);
	for (int i = 0; i < 4; i++)
		KT_ASSERT_EQ(lwkt_domsg(&echo->td_msgport, &m, 0), 0);	/* armed again */
	cr_vcpu_stats(0, &before);
	for (int i = 0; i < 9; i++) {
		m.ms_cmd = (uint32_t)i;
		KT_EXPECT_EQ(lwkt_domsg(&high->td_msgport, &m, 0), 0);
		KT_EXPECT_EQ(m.ms_result, i + 1);
	}
	cr_vcpu_stats(0, &after);
	KT_EXPECT_EQ(after.handoffs - before.handoffs, 0);
	KT_EXPECT_EQ(cr_thread_join(echo, NULL), 0);
	KT_EXPECT_EQ(cr_thread_join(high, NULL), 0);
}

/*
 * -- last, since it adds a vCPU to this one-vCPU program: threads stopped in the yield fast path
 * (outside any critical section, no lock) go on when the scheduler's lock has become real: the
 * switch that resumes them holds it, and they must take it over and let it go.
 */
static volatile int fast_rounds;

static void *
fast_yielder(void *arg)
{
	for (int i = 0; i < (int)(intptr_t)arg; i++) {
		fast_rounds++;
		cr_thread_yield();
	}
	return (void *)1;
}

KTEST(uthread, fast_yields_survive_the_first_added_vcpu)
{
	cr_thread_t td;
	void *ret = NULL;

	KT_ASSERT_EQ(cr_vcpu_count(), 1);
	fast_rounds = 0;
	KT_ASSERT_EQ(cr_thread_create(&td, fast_yielder, (void *)200, CR_PRI_DEFAULT, "fast"), 0);
	for (int i = 0; i < 50; i++)
		cr_thread_yield();			/* both in the fast path; it stops in it */
	KT_EXPECT(fast_rounds >= 49);
	KT_ASSERT_EQ(cr_vcpu_add(), 1);			/* from now on every yield takes the lock */
	for (int i = 0; i < 50; i++)
		cr_thread_yield();			/* a locked switch resumes it */
	KT_EXPECT_EQ(cr_thread_join(td, &ret), 0);	/* a lock it kept would hang us here */
	KT_EXPECT(ret == (void *)1);
	KT_EXPECT_EQ(fast_rounds, 200);
}

/*
 * The echo of pingpong_hands_off_both_ways is still blocked in the hand-off fast path (outside
 * any section): with two vCPUs now, a domsg hands it its last message through the slow path,
 * whose locked switch resumes it; it must take the lock over and let it go.
 */
KTEST(uthread, a_fast_handoff_survives_the_first_added_vcpu)
{
	struct lwkt_msg m;

	KT_ASSERT(parked_echo != NULL);
	KT_ASSERT(cr_vcpu_count() > 1);
	lwkt_initmsg(&m, &cr_thread_self()->td_msgport, 0);
	m.ms_cmd = 41;
	KT_EXPECT_EQ(lwkt_domsg(&parked_echo->td_msgport, &m, 0), 0);
	KT_EXPECT_EQ(m.ms_result, 42);
	KT_EXPECT_EQ(cr_thread_join(parked_echo, NULL), 0);	/* a lock it kept would hang us */
}
