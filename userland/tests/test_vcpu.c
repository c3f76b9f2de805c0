/* KTAP tests of virtual CPUs: rfork makes another kernel-scheduled context of the process. */
#include <sys/ktest.h>
#include <sys/errno.h>
#include <sys/kstat.h>
#include <sys/sysmsg.h>
#include <sys/wait.h>
#include <cr/sysport.h>
#include <cr/thread.h>
#include <cr/tls.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile unsigned long vcpu_count;
static volatile int stop, done, vcpu_pid, vcpu_errno_ok;
static volatile struct cr_tcb *vcpu_tcb;

static void
counter(void *arg)
{
	(void)arg;
	vcpu_pid = getpid();
	vcpu_tcb = cr_tcb();
	errno = 77;				/* its own errno ... */
	while (!stop) {
		vcpu_count++;
		if (vcpu_count % 4096 == 0)
			sched_yield();
	}
	vcpu_errno_ok = errno == 77;		/* ... untouched by the main vCPU's */
	done = 1;
}

/* wait_until: yield the CPU until *flag is set; false after many tries. */
static int
wait_until(volatile int *flag)
{
	for (int i = 0; i < 100000 && !*flag; i++)
		sched_yield();
	return *flag;
}

KTEST(vcpu, rfork_runs_a_second_vcpu_in_this_process)
{
	volatile int started = 0;
	struct procinfo pi[16];

	stop = done = 0;
	errno = 5;
	KT_EXPECT_EQ(cr_vcpu_start(counter, NULL), 1);	/* vCPU 1 */
	for (int i = 0; i < 100000 && vcpu_count == 0; i++)
		sched_yield();
	started = vcpu_count > 0;
	KT_EXPECT(started);
	int n = proclist(pi, sizeof(pi));
	for (int i = 0; i < n; i++)
		if (pi[i].pi_pid == getpid())
			KT_EXPECT_EQ(pi[i].pi_threads, 2);	/* ps: two vCPUs */
	stop = 1;
	KT_EXPECT(wait_until(&done));
	KT_EXPECT_EQ(vcpu_pid, getpid());		/* one process */
	KT_EXPECT(vcpu_tcb != NULL && vcpu_tcb != cr_tcb());	/* its own TLS */
	KT_EXPECT(vcpu_errno_ok);
	KT_EXPECT_EQ(errno, 5);
}

KTEST(vcpu, bad_requests)
{
	errno = 0;
	KT_EXPECT_EQ(__sys_rfork(RFMEM, 0x40000000, 0x40001000, 0), -1);	/* not a thread */
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(__sys_rfork(RFTHREAD | RFMEM, 0x00100000, 0x40001000, 0), -1);
	KT_EXPECT_EQ(errno, EINVAL);				/* entry in the kernel */
	errno = 0;
	KT_EXPECT_EQ(__sys_rfork(RFTHREAD | RFMEM, 0x40000000, 0x80000000, 0), -1);
	KT_EXPECT_EQ(errno, EFAULT);				/* no stack there */
}

/* run: vcpuspin with arg (killed after a while if do_kill); its exit status, -1 if not run. */
static int
run(struct ktest_ctx *ktc, char *arg, int do_kill)
{
	char *argv[] = { "vcpuspin", arg, NULL };
	int status = -1;

	pid_t pid = spawnv("/bin/vcpuspin", argv);
	KT_EXPECT(pid > 0);
	if (pid < 0)
		return -1;
	if (do_kill) {
		for (int i = 0; i < 20; i++)
			__sys_sleep_ns(10000000ull);	/* let both vCPUs get going */
		kill(pid, 9);
	}
	KT_EXPECT_EQ(waitpid(pid, &status, 0), pid);
	return status;
}

KTEST(vcpu, rfork_stops_at_the_cap)
{
	struct kstat before, after;

	/* Once first: this process's own caches (a kernel message for its waitpid, which parks
	 * this thread) are then as large as the measured run needs. */
	KT_EXPECT_EQ(run(ktc, "many", 0), W_EXITED(VCPU_MAX - 1));
	kstat(&before, sizeof(before));
	KT_EXPECT_EQ(run(ktc, "many", 0), W_EXITED(VCPU_MAX - 1));	/* then EAGAIN: 32 in all */
	kstat(&after, sizeof(after));
	KT_EXPECT_EQ(after.ks_threads, before.ks_threads);	/* exit ended every one */
	KT_EXPECT_EQ(after.ks_pages_free, before.ks_pages_free);
}

KTEST(vcpu, exit_ends_every_vcpu_and_leaks_nothing)
{
	struct kstat before, after;

	kstat(&before, sizeof(before));
	KT_EXPECT_EQ(run(ktc, NULL, 0), 0);		/* main returns while the other vCPU computes */
	kstat(&after, sizeof(after));
	KT_EXPECT_EQ(after.ks_threads, before.ks_threads);
	KT_EXPECT_EQ(after.ks_procs, before.ks_procs);
	KT_EXPECT_EQ(after.ks_pages_free, before.ks_pages_free);
	KT_EXPECT_EQ(after.ks_sysmsg_outstanding, before.ks_sysmsg_outstanding);
}

KTEST(vcpu, kill_ends_every_vcpu)
{
	struct kstat before, after;

	kstat(&before, sizeof(before));
	KT_EXPECT_EQ(run(ktc, "stay", 1), W_SIGNALED(SIGKILL));
	kstat(&after, sizeof(after));
	KT_EXPECT_EQ(after.ks_threads, before.ks_threads);
	KT_EXPECT_EQ(after.ks_pages_free, before.ks_pages_free);
}

/* -- user threads on several vCPUs ------------------------------------------------------------ */
#include <cr/sync.h>
#include <cr/sysport.h>
#include <time.h>

/* vcpu_diag: each vCPU's scheduler counters, in the test's output (for a failure). */
static void
vcpu_diag(struct ktest_ctx *ktc)
{
	struct cr_vcpu_stats st;

	for (int i = 0; cr_vcpu_stats(i, &st) == 0; i++)
		ktest_diag(ktc, "vCPU %d: %llu switches, %llu steals, %llu migrated in, %llu kernel "
		    "waits, %llu delivered, %llu wakes sent", i, (unsigned long long)st.switches,
		    (unsigned long long)st.steals, (unsigned long long)st.migrations_in,
		    (unsigned long long)st.kernel_waits, (unsigned long long)st.delivered,
		    (unsigned long long)st.wakes_sent);
}

static uint64_t
total_steals(void)
{
	struct cr_vcpu_stats st;

	cr_vcpu_stats_total(&st);
	return st.steals;
}

#define NHAMMER		300
#define HAMMER_ROUNDS	20
static struct cr_mutex hammer_mx;
static struct cr_sem hammer_gate;
static int hammer_total;
static uint32_t hammer_ran_on[NHAMMER];

/* hammer: read-yield-write the shared total under the mutex: a broken mutex loses updates. */
static void *
hammer(void *arg)
{
	int i = (int)(intptr_t)arg;

	cr_thread_migrate(i % 3);			/* a hundred on each vCPU */
	cr_sem_wait(&hammer_gate);			/* all start together */
	for (int k = 0; k < HAMMER_ROUNDS; k++) {
		cr_mutex_lock(&hammer_mx);
		int v = hammer_total;
		cr_thread_yield();
		hammer_total = v + 1;
		hammer_ran_on[i] |= 1u << cr_vcpu_self();
		cr_mutex_unlock(&hammer_mx);
		for (volatile int spin = 0; spin < 1000; spin++)
			;
		cr_thread_yield();
	}
	return (void *)(intptr_t)(i + 1);
}

KTEST(vcpu_interleave, hundreds_of_threads_on_three_vcpus)
{
	static cr_thread_t td[NHAMMER];
	uint32_t vcpus_used = 0;
	int created = 0, joined = 0;

	KT_ASSERT(cr_vcpu_ensure(3));
	cr_mutex_init(&hammer_mx);
	cr_sem_init(&hammer_gate, 0);
	hammer_total = 0;
	for (int i = 0; i < NHAMMER; i++)
		created += cr_thread_create(&td[i], hammer, (void *)(intptr_t)i, CR_PRI_DEFAULT,
		    "hammer") == 0;
	KT_ASSERT_EQ(created, NHAMMER);
	for (int i = 0; i < NHAMMER; i++)
		cr_sem_post(&hammer_gate);
	for (int i = 0; i < NHAMMER; i++) {
		void *ret = NULL;
		joined += cr_thread_join(td[i], &ret) == 0 && (intptr_t)ret == i + 1;
		vcpus_used |= hammer_ran_on[i];
	}
	KT_EXPECT_EQ(joined, NHAMMER);
	KT_EXPECT_EQ(hammer_total, NHAMMER * HAMMER_ROUNDS);	/* no update lost */
	KT_EXPECT_EQ(vcpus_used, 0x7u);			/* on all three vCPUs */
	KT_EXPECT_EQ(cr_thread_count(), 1);
}

#define NCRUNCH		6
static uint32_t crunch_seen[NCRUNCH];

static long
ms_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)(t.tv_sec * 1000 + t.tv_nsec / 1000000);
}

/* cruncher: compute for 30 ms (several clock ticks), yielding now and then. */
static void *
cruncher(void *arg)
{
	int i = (int)(intptr_t)arg;
	long until = ms_now() + 30;

	while (ms_now() < until) {
		crunch_seen[i] |= 1u << cr_vcpu_self();
		for (volatile int spin = 0; spin < 2000; spin++)
			;
		cr_thread_yield();
	}
	return NULL;
}

KTEST(vcpu_interleave, idle_vcpus_steal_work)
{
	cr_thread_t td[NCRUNCH];
	uint64_t steals = total_steals();
	uint32_t used = 0;

	KT_ASSERT(cr_vcpu_ensure(3));
	for (int i = 0; i < NCRUNCH; i++)
		KT_ASSERT_EQ(cr_thread_create(&td[i], cruncher, (void *)(intptr_t)i, CR_PRI_DEFAULT,
		    "cruncher"), 0);
	for (int i = 0; i < NCRUNCH; i++) {
		cr_thread_join(td[i], NULL);
		used |= crunch_seen[i];
	}
	KT_EXPECT(total_steals() > steals);		/* made on one vCPU, taken by idle ones */
	KT_EXPECT(__builtin_popcount(used) >= 2);
	if (total_steals() == steals || __builtin_popcount(used) < 2) {
		ktest_diag(ktc, "main on vCPU %d, used 0x%x", cr_vcpu_self(), used);
		vcpu_diag(ktc);
	}
}

static __thread int wander_tls = 5;
#define NWANDER		8
static int wander_ok[NWANDER];
static uint32_t wander_seen[NWANDER];

/* wanderer: migrate around every vCPU; TLS, errno and the TCB must follow each move. */
static void *
wanderer(void *arg)
{
	int id = (int)(intptr_t)arg, nv = cr_vcpu_count(), ok = wander_tls == 5;
	struct cr_tcb *tcb = cr_tcb();

	wander_tls = 1000 + id;
	errno = 2000 + id;
	for (int k = 0; k < 30; k++) {
		ok &= cr_thread_migrate((id + k) % nv) == 0;
		wander_seen[id] |= 1u << cr_vcpu_self();
		ok &= wander_tls == 1000 + id && errno == 2000 + id;
		ok &= cr_tcb() == tcb && tcb->tcb_self == tcb && tcb->tcb_thread == cr_thread_self();
		cr_thread_yield();
	}
	wander_ok[id] = ok;
	return NULL;
}

KTEST(vcpu_interleave, tls_and_errno_survive_migration)
{
	cr_thread_t td[NWANDER];

	KT_ASSERT(cr_vcpu_ensure(3));
	errno = 42;
	for (int i = 0; i < NWANDER; i++)
		KT_ASSERT_EQ(cr_thread_create(&td[i], wanderer, (void *)(intptr_t)i, CR_PRI_DEFAULT,
		    "wanderer"), 0);
	for (int i = 0; i < NWANDER; i++) {
		cr_thread_join(td[i], NULL);
		KT_EXPECT(wander_ok[i]);
		KT_EXPECT(__builtin_popcount(wander_seen[i]) >= 2);
	}
	KT_EXPECT_EQ(errno, 42);			/* the main thread's own */
	KT_EXPECT_EQ(wander_tls, 5);
	KT_EXPECT_EQ(cr_thread_migrate(99), EINVAL);
	KT_EXPECT_EQ(cr_thread_migrate(-1), EINVAL);
}

static int far_migrate = -1, far_fds[2], far_error = -1, far_result = -1, far_vcpu = -1;
static char far_byte;

/* far_reader: send an async read, move to another vCPU, then collect the reply there. */
static void *
far_reader(void *arg)
{
	struct read_msg r;

	cr_read_msg(&r, far_fds[0], &far_byte, 1);
	lwkt_sendmsg(cr_syscall_port, &r.hdr);		/* the pipe is empty: in flight */
	far_migrate = cr_thread_migrate((int)(intptr_t)arg);
	far_vcpu = cr_vcpu_self();
	far_error = lwkt_waitmsg(&r.hdr, 0);
	far_result = (int)r.hdr.ms_result;
	return NULL;
}

KTEST(vcpu_interleave, pending_message_survives_migration)
{
	struct timespec ts = { 0, 5000000 };
	cr_thread_t td;

	KT_ASSERT(cr_vcpu_ensure(3));
	KT_ASSERT_EQ(pipe(far_fds), 0);
	KT_ASSERT_EQ(cr_thread_create(&td, far_reader, (void *)2, CR_PRI_DEFAULT, "far"), 0);
	nanosleep(&ts, NULL);				/* it sends, moves, and waits */
	KT_EXPECT_EQ(far_error, -1);			/* still waiting */
	KT_EXPECT_EQ(write(far_fds[1], "x", 1), 1);
	KT_EXPECT_EQ(cr_thread_join(td, NULL), 0);
	KT_EXPECT_EQ(far_migrate, 0);
	KT_EXPECT_EQ(far_vcpu, 2);

	KT_EXPECT_EQ(far_error, 0);
	KT_EXPECT_EQ(far_result, 1);
	KT_EXPECT_EQ(far_byte, 'x');
	close(far_fds[0]);
	close(far_fds[1]);
}

/*
 * What if another vCPU rewrites a message while the kernel holds it? Every argument a handler
 * uses was read from user memory once, when the kernel took the message: the call goes on with
 * those, whatever the message says now.
 */
static struct read_msg tt_msg;
static char tt_mine[8], tt_other[8];
static volatile int tt_written;

static void *
tt_scribbler(void *arg)
{
	(void)arg;
	cr_thread_migrate(1);
	tt_msg.buf = tt_other;				/* every argument, and the number */
	tt_msg.len = 1;
	tt_msg.fd = 0;
	tt_msg.hdr.ms_cmd = SYS_getpid;
	tt_written = 1;
	return NULL;
}

KTEST(vcpu_interleave, a_message_rewritten_in_flight_runs_as_taken)
{
	int fds[2];
	cr_thread_t td;

	KT_ASSERT(cr_vcpu_ensure(2));
	KT_ASSERT_EQ(pipe(fds), 0);
	memset(tt_other, '-', sizeof(tt_other));
	cr_read_msg(&tt_msg, fds[0], tt_mine, 4);
	lwkt_sendmsg(cr_syscall_port, &tt_msg.hdr);	/* held: the pipe is empty */
	KT_EXPECT_EQ(tt_msg.hdr.ms_error, EASYNC);
	tt_written = 0;
	KT_ASSERT_EQ(cr_thread_create(&td, tt_scribbler, NULL, CR_PRI_DEFAULT, "scribbler"), 0);
	KT_EXPECT_EQ(cr_thread_join(td, NULL), 0);
	KT_EXPECT(tt_written);
	KT_EXPECT_EQ(write(fds[1], "wxyz", 4), 4);
	KT_EXPECT_EQ(lwkt_waitmsg(&tt_msg.hdr, 0), 0);
	KT_EXPECT_EQ(tt_msg.hdr.ms_result, 4);		/* the read as taken: 4 bytes ... */
	KT_EXPECT(memcmp(tt_mine, "wxyz", 4) == 0);	/* ... into the buffer it named then */
	KT_EXPECT_EQ(tt_other[0], '-');
	close(fds[0]);
	close(fds[1]);
}

#define NPROD		2
#define NITEMS		200
static struct cr_mutex pc_mx;
static struct cr_cond pc_nonempty, pc_nonfull;
static int pc_buf[8], pc_head, pc_count;

static void *
producer(void *arg)
{
	int id = (int)(intptr_t)arg;

	cr_thread_migrate(1 + id);			/* producers on vCPUs 1 and 2 */
	for (int i = 0; i < NITEMS; i++) {
		cr_mutex_lock(&pc_mx);
		while (pc_count == 8)
			cr_cond_wait(&pc_nonfull, &pc_mx);
		pc_buf[(pc_head + pc_count++) % 8] = id * 100000 + i;
		cr_cond_signal(&pc_nonempty);
		cr_mutex_unlock(&pc_mx);
	}
	return NULL;
}

KTEST(vcpu_interleave, condvar_across_vcpus)
{
	cr_thread_t td[NPROD];
	int next[NPROD] = { 0 }, in_order = 1, got = 0;

	KT_ASSERT(cr_vcpu_ensure(3));
	cr_mutex_init(&pc_mx);
	cr_cond_init(&pc_nonempty);
	cr_cond_init(&pc_nonfull);
	pc_head = pc_count = 0;
	for (int i = 0; i < NPROD; i++)
		KT_ASSERT_EQ(cr_thread_create(&td[i], producer, (void *)(intptr_t)i, CR_PRI_DEFAULT,
		    "producer"), 0);
	while (got < NPROD * NITEMS) {
		cr_mutex_lock(&pc_mx);
		while (pc_count == 0)
			cr_cond_wait(&pc_nonempty, &pc_mx);
		int item = pc_buf[pc_head];
		pc_head = (pc_head + 1) % 8;
		pc_count--;
		cr_cond_signal(&pc_nonfull);
		cr_mutex_unlock(&pc_mx);
		int p = item / 100000;
		in_order &= p >= 0 && p < NPROD && item % 100000 == next[p];
		if (p >= 0 && p < NPROD)
			next[p]++;
		got++;
	}
	for (int i = 0; i < NPROD; i++)
		cr_thread_join(td[i], NULL);
	KT_EXPECT(in_order);				/* each producer's items, in its order */
	KT_EXPECT_EQ(next[0], NITEMS);
	KT_EXPECT_EQ(next[1], NITEMS);
}

static struct cr_sem stop_sem;
static volatile int stop_spinners;
static int after_vcpu[6];

/* sitter: move to vCPU v, then wait on a semaphore; spinner: move there and keep yielding. */
static void *
sitter(void *arg)
{
	int id = (int)(intptr_t)arg & 0xff, v = (int)(intptr_t)arg >> 8;

	cr_thread_migrate(v);
	if (id < 3) {
		cr_sem_wait(&stop_sem);
	} else {
		while (!stop_spinners)
			cr_thread_yield();
	}
	after_vcpu[id] = cr_vcpu_self();
	return NULL;
}

static int quit_result = -1, quit_after = -1;

static void *
quitter(void *arg)
{
	struct timespec ts = { 0, 2000000 };

	cr_thread_migrate((int)(intptr_t)arg);
	nanosleep(&ts, NULL);				/* the others settle on this vCPU */
	quit_result = cr_vcpu_exit();
	quit_after = cr_vcpu_self();
	return NULL;
}

static int
kernel_vcpus(void)
{
	struct procinfo pi[16];
	int n = proclist(pi, sizeof(pi));

	for (int i = 0; i < n; i++)
		if (pi[i].pi_pid == getpid())
			return (int)pi[i].pi_threads;
	return -1;
}

KTEST(vcpu_interleave, vcpu_exit_hands_its_threads_on)
{
	struct timespec ts = { 0, 1000000 };
	cr_thread_t td[6], q;
	int v, running, in_kernel;

	KT_ASSERT((v = cr_vcpu_add()) > 0);
	running = cr_vcpu_count();
	in_kernel = kernel_vcpus();
	cr_sem_init(&stop_sem, 0);
	stop_spinners = 0;
	for (int i = 0; i < 6; i++) {
		after_vcpu[i] = -1;
		KT_ASSERT_EQ(cr_thread_create(&td[i], sitter, (void *)(intptr_t)(i | v << 8),
		    CR_PRI_DEFAULT, "sitter"), 0);
	}
	KT_ASSERT_EQ(cr_thread_create(&q, quitter, (void *)(intptr_t)v, CR_PRI_DEFAULT, "quitter"),
	    0);
	KT_EXPECT_EQ(cr_thread_join(q, NULL), 0);
	KT_EXPECT_EQ(quit_result, 0);
	KT_EXPECT_EQ(quit_after, 0);			/* the caller went on on vCPU 0 */
	KT_EXPECT_EQ(cr_vcpu_count(), running - 1);
	for (int i = 0; i < 3; i++)
		cr_sem_post(&stop_sem);
	stop_spinners = 1;
	for (int i = 0; i < 6; i++) {
		KT_EXPECT_EQ(cr_thread_join(td[i], NULL), 0);
		KT_EXPECT(after_vcpu[i] >= 0 && after_vcpu[i] != v);
	}
	for (int i = 0; i < 100 && kernel_vcpus() != in_kernel - 1; i++)
		nanosleep(&ts, NULL);			/* its idle thread ends it in the kernel */
	KT_EXPECT_EQ(kernel_vcpus(), in_kernel - 1);
	KT_EXPECT_EQ(cr_thread_migrate(v), EINVAL);	/* gone */
	KT_EXPECT_EQ(cr_thread_migrate(0), 0);		/* (an idle vCPU may have taken main) */
	KT_EXPECT_EQ(cr_vcpu_exit(), EINVAL);		/* vCPU 0 never stops */
}

KTEST(vcpu_interleave, deadlock_on_two_vcpus_is_reported)
{
	KT_EXPECT_EQ(run(ktc, "deadlock", 0), W_EXITED(134));	/* libcr: all blocked, nothing in flight */
}

/*
 * A completion another vCPU's idle thread has taken from the kernel (waitport) but not yet
 * replied to cr_reply_port must not look finished to its thread: checkmsg polls on vCPU 1 while
 * vCPU 0 collects. Every other round the poller holds the scheduler lock until the kernel has
 * answered, so the idle vCPU is held up between its waitport and its delivery.
 */
#define LC_ROUNDS	40		/* each waits for clock ticks: the kernel has one CPU */
static int lc_fds[2];
static volatile int lc_go, lc_stop, lc_late, lc_wrong, lc_rounds;

static uint64_t
raw_ticks(void)
{
	struct kstat ks;
	struct kstat_msg k;

	k.hdr.ms_cmd = SYS_kstat;
	k.buf = &ks;
	k.len = sizeof(ks);
	cr_trap_sync(&k.hdr);
	return ks.ks_ticks;
}

static void *
lc_poller(void *arg)
{
	struct read_msg r;
	char b;

	(void)arg;
	cr_thread_migrate(1);
	for (int i = 0; i < LC_ROUNDS; i++) {
		cr_read_msg(&r, lc_fds[0], &b, 1);
		lwkt_sendmsg(cr_syscall_port, &r.hdr);
		lc_go = 1;
		if (i % 2) {
			/* Hold the lock until the kernel has completed the read, and two clock ticks
			 * more: the idle vCPU 0 then has taken it with waitport and waits for the lock
			 * to deliver it. Raw traps only: port code would need the lock. */
			cr_crit_enter();
			while (((volatile struct lwkt_msg *)&r.hdr)->ms_error == EASYNC)
				;	/* the kernel writes the answer when vCPU 0 collects it */
			uint64_t until = raw_ticks() + 2;
			while (raw_ticks() < until)
				;
			cr_crit_exit();
		}
		while (!lwkt_checkmsg(&r.hdr))
			;
		if (r.hdr.ms_error != 0 || r.hdr.ms_result != 1 || b != 'x')
			lc_wrong++;
		for (int k = 0; k < 20; k++)
			sched_yield();			/* time for a late delivery to show */
		if (r.hdr.ms_flags & MSGF_QUEUED)
			lc_late++;			/* replied again after checkmsg said done */
		lc_rounds++;
	}
	lc_stop = 1;
	return NULL;
}

static void *
lc_writer(void *arg)
{
	(void)arg;
	cr_thread_migrate(2);
	while (!lc_stop) {
		if (lc_go) {
			struct write_msg wm;
			lc_go = 0;
			/* A raw trap: no port code, so it goes through while the poller holds the lock. */
			wm.hdr.ms_cmd = SYS_write;
			wm.fd = lc_fds[1];
			wm.buf = "x";
			wm.len = 1;
			cr_trap_sync(&wm.hdr);
		}
		struct sched_yield_msg y;
		y.hdr.ms_cmd = SYS_sched_yield;
		cr_trap_sync(&y.hdr);			/* raw too: never waits for the lock */
	}
	return NULL;
}

KTEST(vcpu_interleave, completion_in_delivery_is_not_done_yet)
{
	cr_thread_t p, w;
	uint64_t warnings = lwkt_msgstats.double_replies;

	KT_ASSERT(cr_vcpu_ensure(3));
	KT_ASSERT_EQ(pipe(lc_fds), 0);
	KT_ASSERT_EQ(cr_thread_create(&p, lc_poller, NULL, CR_PRI_DEFAULT, "poller"), 0);
	KT_ASSERT_EQ(cr_thread_create(&w, lc_writer, NULL, CR_PRI_DEFAULT, "writer"), 0);
	cr_thread_join(p, NULL);
	cr_thread_join(w, NULL);
	KT_EXPECT_EQ(lc_rounds, LC_ROUNDS);
	KT_EXPECT_EQ(lc_wrong, 0);
	KT_EXPECT_EQ(lc_late, 0);
	KT_EXPECT_EQ(lwkt_msgstats.double_replies, warnings);
	close(lc_fds[0]);
	close(lc_fds[1]);
}

/* A thread parked in fgets on one stream holds that stream only: printf on stdout goes on. */
static int pr_fds[2];
static FILE *pr_in;
static volatile int pr_reading, pr_fed;
static char pr_line[32];

static void *
pr_reader(void *arg)
{
	(void)arg;
	pr_reading = 1;
	fgets(pr_line, sizeof(pr_line), pr_in);
	return NULL;
}

static void *
pr_feeder(void *arg)
{
	struct timespec ts = { 0, 100000000 };

	(void)arg;
	nanosleep(&ts, NULL);
	pr_fed = 1;
	write(pr_fds[1], "line\n", 5);
	return NULL;
}

KTEST(vcpu_interleave, a_parked_fgets_holds_up_no_other_stream)
{
	cr_thread_t r, f;
	struct timespec ts = { 0, 5000000 };

	KT_ASSERT_EQ(pipe(pr_fds), 0);
	KT_ASSERT((pr_in = fdopen(pr_fds[0], "r")) != NULL);
	KT_ASSERT_EQ(cr_thread_create(&r, pr_reader, NULL, CR_PRI_DEFAULT, "reader"), 0);
	KT_ASSERT_EQ(cr_thread_create(&f, pr_feeder, NULL, CR_PRI_DEFAULT, "feeder"), 0);
	while (!pr_reading)
		cr_thread_yield();
	nanosleep(&ts, NULL);				/* the reader is parked in its read */
	printf("# a printf while another thread waits in fgets\n");
	fflush(NULL);					/* what exit does: skips the held stream */
	KT_EXPECT_EQ(pr_fed, 0);			/* neither waited for the input */
	KT_EXPECT_EQ(cr_thread_join(r, NULL), 0);
	KT_EXPECT_EQ(cr_thread_join(f, NULL), 0);
	KT_EXPECT_EQ(strcmp(pr_line, "line\n"), 0);
	fclose(pr_in);
	close(pr_fds[1]);
}

/*
 * -- no direct hand-off across vCPUs: a domsg to a thread waiting in waitport on another vCPU
 * queues the message and kicks that vCPU, which runs the receiver itself; the sender's vCPU
 * does not take the thread over.
 */
#include <cr/msgport_sys.h>

static volatile int far_receiver_vcpu = -1;

static void *
far_receiver(void *arg)
{
	cr_thread_migrate((int)(intptr_t)arg);
	lwkt_msg_t m = lwkt_waitport(&cr_thread_self()->td_msgport, 0);
	far_receiver_vcpu = cr_vcpu_self();
	m->ms_result = m->ms_cmd + 1;
	lwkt_replymsg(m, 0);
	return NULL;
}

KTEST(vcpu_interleave, no_handoff_across_vcpus)
{
	struct timespec ts = { 0, 1000000 };
	struct cr_vcpu_stats a, b;
	struct lwkt_msg msg;
	cr_thread_t td;
	int there, here;

	KT_ASSERT(cr_vcpu_ensure(2));
	here = cr_vcpu_self();
	there = here == 0 ? 1 : 0;
	far_receiver_vcpu = -1;
	KT_ASSERT_EQ(cr_thread_create(&td, far_receiver, (void *)(intptr_t)there, CR_PRI_DEFAULT,
	    "far-recv"), 0);
	for (int i = 0; i < 1000 && !(td->td_state == CR_BLOCKED &&
	    (td->td_msgport.mp_flags & MSGPORTF_RECEIVING)); i++)
		nanosleep(&ts, NULL);
	KT_ASSERT(td->td_state == CR_BLOCKED && (td->td_msgport.mp_flags & MSGPORTF_RECEIVING));
	cr_vcpu_stats(there, &a);
	lwkt_initmsg(&msg, &cr_thread_self()->td_msgport, 0);
	msg.ms_cmd = 41;
	KT_EXPECT_EQ(lwkt_domsg(&td->td_msgport, &msg, 0), 0);
	KT_EXPECT_EQ(msg.ms_result, 42);
	cr_vcpu_stats(there, &b);
	KT_EXPECT(b.switches > a.switches);		/* its own vCPU switched to it ... */
	KT_EXPECT_EQ(far_receiver_vcpu, there);
	KT_EXPECT_EQ(cr_vcpu_self(), here);		/* ... and we stayed where we were */
	KT_EXPECT_EQ(cr_thread_join(td, NULL), 0);
	if (!(b.switches > a.switches))
		vcpu_diag(ktc);
}
