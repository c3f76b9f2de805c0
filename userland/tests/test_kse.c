/*
 * KTAP tests of the two threading models (docs/dillon-vs-kse.md). The image runs this program
 * twice: as test_kse (Dillon's model) and as test_kse@kse (CR_SCHED=kse: Elischer's). The cases
 * that are about one model only say so and skip in the other; the rest must pass in both: a
 * blocking read in one thread lets another thread on the same vCPU run; a signal cuts a call
 * blocked in the kernel short with EINTR (or restarts it under SA_RESTART); bad input answers
 * EINVAL or EFAULT; a process that ends with calls blocked leaves nothing behind (kstat).
 */
#include <sys/ktest.h>
#include <sys/errno.h>
#include <sys/kstat.h>
#include <sys/syscalls.h>
#include <sys/wait.h>
#include <abi/upcall.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cr/sched.h>
#include <cr/thread.h>

static struct kstat
ks(void)
{
	struct kstat k;

	memset(&k, 0, sizeof(k));
	kstat(&k, sizeof(k));
	return k;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* -- a blocking call leaves the vCPU to other threads ------------------------------------------ */

static volatile int writer_ran;
static volatile int writer_vcpu = -1;

/* writer: runs while the main thread is blocked in its read, then gives it a byte. */
static void *
writer(void *arg)
{
	int fd = (int)(intptr_t)arg;

	writer_ran = 1;
	writer_vcpu = cr_vcpu_self();
	write(fd, "k", 1);
	return NULL;
}

KTEST(kse, a_blocking_read_lets_another_thread_on_the_vcpu_run)
{
	int fds[2];
	char c = 0;
	cr_thread_t t;
	struct kstat before, after;

	writer_ran = 0;
	KT_ASSERT_EQ(pipe(fds), 0);
	before = ks();
	KT_ASSERT_EQ(cr_thread_create(&t, writer, (void *)(intptr_t)fds[1], CR_PRI_DEFAULT, "writer"), 0);
	KT_EXPECT_EQ(read(fds[0], &c, 1), 1);		/* blocks: the writer runs meanwhile */
	KT_EXPECT_EQ(c, 'k');
	KT_EXPECT_EQ(writer_ran, 1);
	KT_EXPECT_EQ(writer_vcpu, cr_vcpu_self());	/* on the same vCPU */
	KT_EXPECT_EQ(cr_vcpu_count(), 1);
	cr_thread_join(t, NULL);
	after = ks();
	if (cr_kse)
		KT_EXPECT(after.ks_kse_upcalls >= before.ks_kse_upcalls + 2);	/* BLOCKED, UNBLOCKED */
	else
		KT_EXPECT_EQ(after.ks_kse_upcalls, before.ks_kse_upcalls);
	KT_EXPECT_EQ(after.ks_kse_calls, 0);
	close(fds[0]);
	close(fds[1]);
}

/* -- the upcalls come in order ------------------------------------------------------------------- */

#define NREADERS 3
static int rfds[NREADERS][2];
static volatile int readers_in;

static void *
reader(void *arg)
{
	int i = (int)(intptr_t)arg;
	char c;

	readers_in++;
	return (void *)(intptr_t)read(rfds[i][0], &c, 1);
}

/*
 * Three readers block in turn (each UPC_BLOCKED), the main thread writes their pipes in the
 * order 2, 0, 1: each UNBLOCKED follows its call's BLOCKED, and the readers' come in that order.
 */
KTEST(kse, blocked_and_may_resume_upcalls_arrive_in_order)
{
	static const int order[NREADERS] = { 2, 0, 1 };
	struct cr_kse_event h[64];
	cr_thread_t t[NREADERS];
	uint32_t readers[NREADERS], mark;
	int n, first, nr = 0, got = 0;

	if (!cr_kse)
		KT_SKIP("the KSE model's upcalls (test_kse@kse)");
	readers_in = 0;
	for (int i = 0; i < NREADERS; i++)
		KT_ASSERT_EQ(pipe(rfds[i]), 0);
	mark = cr_kse_upcalls();
	for (int i = 0; i < NREADERS; i++)
		KT_ASSERT_EQ(cr_thread_create(&t[i], reader, (void *)(intptr_t)i, CR_PRI_DEFAULT,
		    "reader"), 0);
	while (readers_in < NREADERS)
		cr_thread_yield();
	sleep_ms(20);					/* every reader is blocked in the kernel */
	for (int k = 0; k < NREADERS; k++) {
		write(rfds[order[k]][1], "x", 1);
		sleep_ms(5);				/* its completion comes before the next */
	}
	for (int i = 0; i < NREADERS; i++) {
		void *r;
		cr_thread_join(t[i], &r);
		KT_EXPECT_EQ((intptr_t)r, 1);
	}
	KT_ASSERT(cr_kse_upcalls() - mark <= 64);
	n = cr_kse_history(h, 64);
	first = n - (int)(cr_kse_upcalls() - mark);	/* this case's upcalls only */
	KT_ASSERT(first >= 0);
	/* Each UNBLOCKED names a call that was BLOCKED before it. */
	for (int i = first; i < n; i++) {
		if (h[i].ke_type != UPC_UNBLOCKED)
			continue;
		bool earlier = false;
		for (int j = first; j < i; j++)
			earlier |= h[j].ke_type == UPC_BLOCKED && h[j].ke_msg == h[i].ke_msg;
		KT_EXPECT(earlier);
	}
	/* The first three BLOCKED are the readers', in the order they ran: 0, 1, 2. */
	for (int i = first; i < n && nr < NREADERS; i++)
		if (h[i].ke_type == UPC_BLOCKED)
			readers[nr++] = h[i].ke_msg;
	KT_ASSERT_EQ(nr, NREADERS);
	/* Their UNBLOCKED come in the order their pipes were written. */
	for (int i = first; i < n; i++)
		for (int r = 0; r < NREADERS && h[i].ke_type == UPC_UNBLOCKED; r++)
			if (h[i].ke_msg == readers[r] && got < NREADERS) {
				KT_EXPECT_EQ(r, order[got]);
				got++;
			}
	KT_EXPECT_EQ(got, NREADERS);
	for (int i = 0; i < NREADERS; i++) {
		close(rfds[i][0]);
		close(rfds[i][1]);
	}
}

/* -- signals reach a thread blocked in the kernel ------------------------------------------------ */

static volatile int usr1_hits;
static volatile int poker_ready;
static int sfds[2];

static void
on_usr1(int sig)
{
	(void)sig;
	usr1_hits++;
}

/* poker: blocks SIGUSR1 itself, raises it (the blocked reader is the only taker), then, for
 * SA_RESTART, writes what the restarted read takes. */
static void *
poker(void *arg)
{
	sigset_t set = 0;

	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	poker_ready = 1;
	kill(getpid(), SIGUSR1);
	sleep_ms(50);
	if (arg != NULL)
		write(sfds[1], "r", 1);
	return NULL;
}

static void
blocked_read_and_a_signal(struct ktest_ctx *ktc, int flags)
{
	struct sigaction sa;
	cr_thread_t t;
	char c = 0;

	usr1_hits = 0;
	poker_ready = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = flags;
	KT_ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	KT_ASSERT_EQ(pipe(sfds), 0);
	KT_ASSERT_EQ(cr_thread_create(&t, poker, (flags & SA_RESTART) ? (void *)1 : NULL,
	    CR_PRI_DEFAULT, "poker"), 0);
	errno = 0;
	if (flags & SA_RESTART) {
		KT_EXPECT_EQ(read(sfds[0], &c, 1), 1);	/* restarted after the handler */
		KT_EXPECT_EQ(c, 'r');
	} else {
		KT_EXPECT_EQ(read(sfds[0], &c, 1), -1);
		KT_EXPECT_EQ(errno, EINTR);
	}
	KT_EXPECT_EQ(usr1_hits, 1);
	cr_thread_join(t, NULL);
	signal(SIGUSR1, SIG_DFL);
	close(sfds[0]);
	close(sfds[1]);
	KT_EXPECT_EQ(ks().ks_kse_calls, 0);
}

KTEST(kse, a_signal_cuts_a_blocked_call_short_with_eintr)
{
	blocked_read_and_a_signal(ktc, 0);
}

KTEST(kse, a_signal_restarts_a_blocked_call_under_sa_restart)
{
	blocked_read_and_a_signal(ktc, SA_RESTART);
}

/* -- bad input ----------------------------------------------------------------------------------- */

static volatile int blocker_in;

static void *
blocker(void *arg)
{
	char c;

	blocker_in = 1;
	return (void *)(intptr_t)read((int)(intptr_t)arg, &c, 1);
}

KTEST(kse, bad_input_answers_einval_or_efault)
{
	int model = cr_kse ? SCHED_KSE : SCHED_DILLON, fds[2];
	cr_thread_t t;

	errno = 0;
	KT_EXPECT_EQ(__sys_sched_model(7), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(__sys_sched_model(-2), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT_EQ(__sys_sched_model(-1), model);	/* only asks */
	errno = 0;
	KT_EXPECT_EQ(cr_sched_model(3), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	/* KSE needs the vCPU's upcall entry: without one the kernel refuses. */
	KT_ASSERT_EQ(__sys_upcall_register(0, 0), 0);
	errno = 0;
	KT_EXPECT_EQ(__sys_sched_model(cr_kse ? SCHED_DILLON : SCHED_KSE) == -1 ? errno : 0,
	    cr_kse ? 0 : EINVAL);
	if (cr_kse)
		KT_EXPECT_EQ(__sys_sched_model(SCHED_KSE) == -1 ? errno : 0, EINVAL);
	else
		KT_EXPECT_EQ(__sys_sched_model(-1), SCHED_DILLON);
	cr_upcall_register(&cr_vcpus[0], cr_vcpus[0].vc_upcall.ua_sigmask);
	if (cr_kse)
		KT_EXPECT_EQ(__sys_sched_model(SCHED_KSE), SCHED_DILLON);	/* back */
	KT_EXPECT_EQ(__sys_sched_model(-1), model);
	/* A bad upcall area is EFAULT, and the model goes on working. */
	errno = 0;
	KT_EXPECT_EQ(__sys_upcall_register((uint32_t)cr_upcall_entry, 0x10), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	KT_EXPECT_EQ(__sys_sched_model(-1), model);
	/* Threads exist (earlier cases made some): libcr refuses to switch. */
	errno = 0;
	KT_EXPECT_EQ(cr_sched_model(cr_kse ? CR_SCHED_DILLON : CR_SCHED_KSE), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	/* With a call blocked in the kernel (KSE), the kernel refuses too. */
	KT_ASSERT_EQ(pipe(fds), 0);
	blocker_in = 0;
	KT_ASSERT_EQ(cr_thread_create(&t, blocker, (void *)(intptr_t)fds[0], CR_PRI_DEFAULT,
	    "blocker"), 0);
	while (!blocker_in)
		cr_thread_yield();
	sleep_ms(10);
	if (cr_kse) {
		KT_EXPECT_EQ(ks().ks_kse_calls, 1);
		errno = 0;
		KT_EXPECT_EQ(__sys_sched_model(SCHED_DILLON), -1);
		KT_EXPECT_EQ(errno, EINVAL);
	}
	write(fds[1], "z", 1);
	cr_thread_join(t, NULL);
	close(fds[0]);
	close(fds[1]);
	KT_EXPECT_EQ(__sys_sched_model(-1), model);
	/* abortmsg of a message no call holds is still EINVAL. */
	struct lwkt_msg junk;
	memset(&junk, 0, sizeof(junk));
	errno = 0;
	KT_EXPECT_EQ(__sys_abortmsg(&junk), -1);
	KT_EXPECT_EQ(errno, EINVAL);
}

/* -- ending with calls blocked ------------------------------------------------------------------- */

static int efds[2];

static void *
stuck_reader(void *arg)
{
	char c;

	(void)arg;
	read(efds[0], &c, 1);			/* nobody writes: blocked until the end */
	return NULL;
}

/*
 * child_with_blocked_calls: fork a child that leaves 4 threads blocked in reads (and its main
 * thread in a sleep, when it is to be killed) and then exits or is killed; every kernel context
 * of its calls must be gone after the parent reaps it.
 */
static void
child_with_blocked_calls(struct ktest_ctx *ktc, bool killed)
{
	struct kstat before, after;
	int status, p2c[2];
	pid_t pid;

	KT_ASSERT_EQ(pipe(efds), 0);
	KT_ASSERT_EQ(pipe(p2c), 0);
	sleep_ms(5);
	before = ks();
	pid = fork();
	KT_ASSERT(pid >= 0);
	if (pid == 0) {
		for (int i = 0; i < 4; i++)
			if (cr_thread_create(NULL, stuck_reader, NULL, CR_PRI_DEFAULT, "stuck") != 0)
				_exit(3);
		for (int i = 0; i < 10; i++)
			cr_thread_yield();
		sleep_ms(10);
		if (cr_kse && ks().ks_kse_calls < 4)	/* its own 4, and the parent's read */
			_exit(4);
		write(p2c[1], "b", 1);			/* they are blocked */
		if (killed)
			sleep_ms(5000);
		_exit(0);
	}
	char c;
	close(p2c[1]);					/* a child that failed: EOF */
	KT_EXPECT_EQ(read(p2c[0], &c, 1), 1);
	if (killed)
		kill(pid, SIGKILL);
	KT_ASSERT_EQ(waitpid(pid, &status, 0), pid);
	if (killed) {
		KT_EXPECT(WIFSIGNALED(status));
	} else {
		KT_EXPECT(WIFEXITED(status));
		KT_EXPECT_EQ(WEXITSTATUS(status), 0);
	}
	sleep_ms(5);
	after = ks();
	KT_EXPECT_EQ(after.ks_kse_calls, 0);
	/* The parent may have kept an ended call's context meanwhile (ks_kse_pooled): a thread
	 * and a two-page stack of its own, not the child's. */
	int32_t pooled = (int32_t)(after.ks_kse_pooled - before.ks_kse_pooled);
	KT_EXPECT_EQ(after.ks_threads, before.ks_threads + pooled);	/* each context a thread */
	KT_EXPECT_EQ(after.ks_procs, before.ks_procs);
	KT_EXPECT_EQ(after.ks_sysmsg_outstanding, before.ks_sysmsg_outstanding);
	/* No more kernel memory in use than before (a cache the parent filled meanwhile may have
	 * been given back: fewer is fine). A leaked context would be a thread (counted above) and
	 * its stack, two pages each; one page may still wait for the next thread switch (the last
	 * exited thread's stack is freed by the next thread that runs: lwkt_exit). */
	KT_EXPECT(after.ks_kmalloc_in_use <= before.ks_kmalloc_in_use + pooled);
	KT_EXPECT(after.ks_pages_free + 2 * pooled + 1 >= before.ks_pages_free);
	close(efds[0]);
	close(efds[1]);
	close(p2c[0]);
}

KTEST(kse, exit_with_calls_blocked_frees_every_kernel_context)
{
	/* Once first: the caches, and the stack pages the parent's upcall frames reach. */
	child_with_blocked_calls(ktc, false);
	child_with_blocked_calls(ktc, false);
}

KTEST(kse, kill_with_calls_blocked_frees_every_kernel_context)
{
	child_with_blocked_calls(ktc, true);
}
