/*
 * KTAP tests of the kernel-polled ring (docs/smp.md, "The kernel-polled ring"): calls through a
 * polled ring are answered with no ring_enter trap (the kernel's count of them does not move);
 * calls that are not anycpu are answered right too (the thread runs them on the home CPU); the
 * thread sleeps when idle and sets RING_NEED_WAKEUP, and one trap wakes it; exit with the thread
 * asleep, running, or waiting inside a call, exec, and kill leave nothing behind (kstat); bad
 * flags are EINVAL.
 *
 * A process has one ring, so each case runs in a child of its own, which reports by exit status
 * (0: every check held; 77: one CPU, no polled ring; otherwise the number of the failed check),
 * as test_fork's children do. With one CPU (test-smp1) the cases skip.
 */
#include <sys/ktest.h>
#include <sys/errno.h>
#include <sys/kstat.h>
#include <sys/ring.h>
#include <sys/sysmsg.h>
#include <sys/syscalls.h>
#include <sys/wait.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <cr/ring.h>
#include <cr/sysport.h>

#define ONE_CPU		77		/* a child's exit status: ring_setup answered ENOTSUP */
#define SPINS		20000000	/* pauses a child waits for completions at most */

#define CK(n, cond)	do { if (!(cond)) return (n); } while (0)

static struct kstat
ks(void)
{
	struct kstat k;

	memset(&k, 0, sizeof(k));
	kstat(&k, sizeof(k));
	return k;
}

/* polled: set up a polled ring of n entries into r: 0, ONE_CPU, or 1. */
static int
polled(struct cr_ring *r, unsigned int n)
{
	if (cr_ring_setup(r, n, CR_RING_KPOLL) == 0)
		return r->flags == CR_RING_KPOLL ? 0 : 1;
	return errno == ENOTSUP ? ONE_CPU : 1;
}

/* reap_spin: n completions reaped into got[] (in order), spinning in ring 3; false: none came. */
static bool
reap_spin(struct cr_ring *r, lwkt_msg_t *got, int n)
{
	for (int i = 0, spins = 0; i < n; ) {
		lwkt_msg_t m = cr_ring_reap(r);
		if (m != NULL) {
			got[i++] = m;
			continue;
		}
		if (++spins > SPINS)
			return false;
		__asm__ volatile("pause");
	}
	return true;
}

/* in_child: run fn in a child process and report its status in the case. */
#define IN_CHILD(fn) do {						\
	pid_t pid_ = fork();						\
	int status_ = -1;						\
	if (pid_ == 0)							\
		_exit(fn());						\
	KT_ASSERT(pid_ > 0);						\
	KT_ASSERT_EQ(waitpid(pid_, &status_, 0), pid_);			\
	KT_ASSERT(WIFEXITED(status_));					\
	if (WEXITSTATUS(status_) == ONE_CPU)				\
		KT_SKIP("one CPU: ring_setup(RING_SETUP_KPOLL) is ENOTSUP");	\
	KT_EXPECT_EQ(WEXITSTATUS(status_), 0);				\
} while (0)

/*
 * no_trap: 200 calls (null and getpid, both anycpu) pushed into a polled ring are answered by
 * its thread while this process spins in ring 3: the kernel counts no ring_enter (unless the
 * thread went idle meanwhile: a loaded host may stall this CPU for ticks; then at most one
 * wake-up trap each time it raised RING_NEED_WAKEUP, counted after the raise), and exactly the
 * 200 calls and the one kstat were taken.
 */
static int
no_trap(void)
{
	static struct null_msg nulls[100];
	static struct getpid_msg pids[100];
	static lwkt_msg_t got[200];
	struct cr_ring r;
	struct null_msg first;
	lwkt_msg_t m;
	int e;

	if ((e = polled(&r, 256)) != 0)
		return e;
	cr_null_msg(&first);				/* the thread runs: one answered */
	CK(2, cr_ring_push(&r, &first.hdr) && cr_ring_submit(&r) == 0);
	CK(3, reap_spin(&r, &m, 1) && m == &first.hdr && first.hdr.ms_error == 0);
	for (int i = 0; i < 100; i++) {
		cr_null_msg(&nulls[i]);
		cr_getpid_msg(&pids[i]);
		nulls[i].hdr.ms_error = pids[i].hdr.ms_error = -1;
	}
	struct kstat k0 = ks();
	bool up = r.rs->sq_flags & RING_NEED_WAKEUP;	/* raised before k0 (counted then) */
	for (int i = 0; i < 100; i++) {
		CK(4, cr_ring_push(&r, &nulls[i].hdr));
		CK(5, cr_ring_push(&r, &pids[i].hdr));
	}
	CK(6, cr_ring_submit(&r) == 0);
	CK(7, reap_spin(&r, got, 200));
	struct kstat k1 = ks();
	for (int i = 0; i < 100; i++) {
		CK(8, got[2 * i] == &nulls[i].hdr && got[2 * i + 1] == &pids[i].hdr);
		CK(9, nulls[i].hdr.ms_error == 0 && nulls[i].hdr.ms_result == 0);
		CK(10, pids[i].hdr.ms_error == 0 && pids[i].hdr.ms_result == getpid());
	}
	CK(11, k1.ks_kpoll_taken - k0.ks_kpoll_taken == 200);
	CK(12, k1.ks_ring_enters - k0.ks_ring_enters <= k1.ks_kpoll_sleeps - k0.ks_kpoll_sleeps + up);
	CK(13, k1.ks_syscalls - k0.ks_syscalls == 201 + (k1.ks_ring_enters - k0.ks_ring_enters));
	CK(14, k1.ks_kpoll_home == k0.ks_kpoll_home);	/* all on the thread's own CPU */
	CK(15, cr_ring_reap(&r) == NULL && r.rs->cq_head == r.rs->cq_tail);
	CK(16, r.rs->sq_head == r.rs->sq_tail);
	return 0;
}

KTEST(kpoll, calls_are_answered_with_no_trap)
{
	IN_CHILD(no_trap);
}

/* wait_asleep: until the thread has gone to sleep (RING_NEED_WAKEUP); false after 3 s. */
static bool
wait_asleep(struct cr_ring *r)
{
	for (int i = 0; i < 1500; i++) {
		if (r->rs->sq_flags & RING_NEED_WAKEUP)
			return true;
		usleep(2000);
	}
	return false;
}

/*
 * sleep_and_wake: idle, the thread sleeps and says so; a submission then traps once (the
 * wake-up, counted by the kernel), and the calls are answered.
 */
static int
sleep_and_wake(void)
{
	static struct getpid_msg p[10];
	static lwkt_msg_t got[10];
	struct cr_ring r;
	int e;

	if ((e = polled(&r, 16)) != 0)
		return e;
	struct kstat k0 = ks();
	CK(2, wait_asleep(&r));
	struct kstat k1 = ks();
	CK(3, k1.ks_kpoll_sleeps > k0.ks_kpoll_sleeps);
	for (int i = 0; i < 10; i++) {
		cr_getpid_msg(&p[i]);
		CK(4, cr_ring_push(&r, &p[i].hdr));
	}
	CK(5, cr_ring_submit(&r) == 0);			/* the wake-up trap */
	struct kstat k2 = ks();
	CK(6, k2.ks_ring_enters - k1.ks_ring_enters == 1);
	CK(7, reap_spin(&r, got, 10));
	for (int i = 0; i < 10; i++)
		CK(8, got[i] == &p[i].hdr && p[i].hdr.ms_error == 0 && p[i].hdr.ms_result == getpid());
	struct kstat k3 = ks();
	CK(9, k3.ks_kpoll_wakeups - k1.ks_kpoll_wakeups == 1);
	/* And again: a second sleep, a second wake-up. */
	CK(10, wait_asleep(&r));
	cr_getpid_msg(&p[0]);
	CK(11, cr_ring_push(&r, &p[0].hdr) && cr_ring_submit(&r) == 0);
	CK(12, reap_spin(&r, got, 1) && got[0] == &p[0].hdr && p[0].hdr.ms_result == getpid());
	CK(13, ks().ks_kpoll_wakeups - k1.ks_kpoll_wakeups == 2);
	return 0;
}

KTEST(kpoll, the_idle_thread_sleeps_and_one_trap_wakes_it)
{
	IN_CHILD(sleep_and_wake);
}

/*
 * home_calls: calls that are not anycpu (a pipe's write and read, getppid, a read that must
 * wait) go through the polled ring too: the thread runs them on the home CPU, in order, and
 * a later completion is posted when it comes. This process waits in ring_enter (cr_ring_wait).
 */
static int
home_calls(void)
{
	struct cr_ring r;
	struct write_msg w;
	struct read_msg rd, later;
	struct getppid_msg pp;
	struct getpid_msg gp;
	char buf[4] = { 0 }, c = 0;
	int fds[2], e;
	lwkt_msg_t got[4];

	if ((e = polled(&r, 16)) != 0)
		return e;
	CK(2, pipe(fds) == 0);
	struct kstat k0 = ks();
	cr_write_msg(&w, fds[1], "abc", 3);
	cr_read_msg(&rd, fds[0], buf, 3);
	cr_getppid_msg(&pp);
	cr_getpid_msg(&gp);
	CK(3, cr_ring_push(&r, &w.hdr) && cr_ring_push(&r, &rd.hdr) && cr_ring_push(&r, &pp.hdr) &&
	    cr_ring_push(&r, &gp.hdr));
	CK(4, cr_ring_submit(&r) == 0);
	CK(5, cr_ring_wait(&r, 4) == 0);
	for (int i = 0; i < 4; i++)
		CK(6, (got[i] = cr_ring_reap(&r)) != NULL);
	CK(7, got[0] == &w.hdr && w.hdr.ms_error == 0 && w.hdr.ms_result == 3);
	CK(8, got[1] == &rd.hdr && rd.hdr.ms_error == 0 && rd.hdr.ms_result == 3);
	CK(9, memcmp(buf, "abc", 3) == 0);
	CK(10, got[2] == &pp.hdr && pp.hdr.ms_error == 0 && pp.hdr.ms_result == getppid());
	CK(11, got[3] == &gp.hdr && gp.hdr.ms_result == getpid());
	CK(12, ks().ks_kpoll_home - k0.ks_kpoll_home >= 3);
	/* A read that waits: held by the kernel, posted when the byte comes. */
	cr_read_msg(&later, fds[0], &c, 1);
	CK(13, cr_ring_push(&r, &later.hdr) && cr_ring_submit(&r) == 0);
	for (int i = 0; i < 200 && r.rs->sq_head != r.rs->sq_tail; i++)
		usleep(1000);				/* taken (and held) */
	CK(14, r.rs->sq_head == r.rs->sq_tail && cr_ring_reap(&r) == NULL);
	CK(15, write(fds[1], "z", 1) == 1);
	CK(16, cr_ring_wait(&r, 1) == 0 && cr_ring_reap(&r) == &later.hdr);
	CK(17, later.hdr.ms_error == 0 && later.hdr.ms_result == 1 && c == 'z');
	close(fds[0]);
	close(fds[1]);
	return 0;
}

KTEST(kpoll, other_calls_are_answered_on_the_home_cpu)
{
	IN_CHILD(home_calls);
}

/*
 * mixed: entries a ring_enter would refuse or skip, between anycpu calls: a foreign flag
 * (EINVAL), an unknown number (ENOSYS), a call no batch may carry (submit: EINVAL), and an
 * address with no message (skipped, nothing posted): each answered and posted in order, as
 * ring_enter answers them (the thread leaves them to the home CPU's ordinary path).
 */
static int
mixed(void)
{
	struct cr_ring r;
	struct null_msg n1, n2, flag, nosys;
	struct getpid_msg g;
	struct submit_msg sub;
	lwkt_msg_t got[6];
	int e;

	if ((e = polled(&r, 16)) != 0)
		return e;
	cr_null_msg(&n1);
	cr_null_msg(&n2);
	cr_null_msg(&flag);
	flag.hdr.ms_flags = 0x1000;
	cr_null_msg(&nosys);
	nosys.hdr.ms_cmd = 999;
	cr_getpid_msg(&g);
	cr_submit_msg(&sub, NULL, 0);
	lwkt_msg_t in[] = { &n1.hdr, &flag.hdr, &nosys.hdr, (lwkt_msg_t)0x10, &g.hdr, &sub.hdr,
	    &n2.hdr };
	for (unsigned int i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		CK(2, cr_ring_push(&r, in[i]));
	CK(3, cr_ring_submit(&r) == 0 && cr_ring_wait(&r, 6) == 0);
	for (int i = 0; i < 6; i++)
		CK(4, (got[i] = cr_ring_reap(&r)) != NULL);
	CK(5, cr_ring_reap(&r) == NULL);
	CK(6, got[0] == &n1.hdr && n1.hdr.ms_error == 0);
	CK(7, got[1] == &flag.hdr && flag.hdr.ms_error == EINVAL);
	CK(8, got[2] == &nosys.hdr && nosys.hdr.ms_error == ENOSYS);
	CK(9, got[3] == &g.hdr && g.hdr.ms_error == 0 && g.hdr.ms_result == getpid());
	CK(10, got[4] == &sub.hdr && sub.hdr.ms_error == EINVAL);
	CK(11, got[5] == &n2.hdr && n2.hdr.ms_error == 0);
	CK(12, r.rs->sq_head == r.rs->sq_tail);
	return 0;
}

KTEST(kpoll, refused_entries_are_answered_as_ring_enter_answers_them)
{
	IN_CHILD(mixed);
}

/* exit_asleep: the thread asleep when the process exits. */
static int
exit_asleep(void)
{
	struct cr_ring r;
	int e;

	if ((e = polled(&r, 16)) != 0)
		return e;
	return wait_asleep(&r) ? 0 : 2;
}

/* exit_running: the thread busy with calls when the process exits (never reaped). */
static int
exit_running(void)
{
	static struct null_msg n[256];
	struct cr_ring r;
	int e;

	if ((e = polled(&r, 256)) != 0)
		return e;
	for (int i = 0; i < 256; i++) {
		cr_null_msg(&n[i]);
		cr_ring_push(&r, &n[i].hdr);
	}
	cr_ring_submit(&r);
	for (int i = 0; i < 256; i++) {			/* more as slots come free */
		cr_null_msg(&n[i]);
		if (!cr_ring_push(&r, &n[i].hdr))
			break;
	}
	return 0;
}

/*
 * exit_in_call: the thread waits inside a call on the home CPU (a waitport through the ring,
 * with an asynchronous read of an empty pipe in flight) when the process exits: exit wakes it.
 */
static int
exit_in_call(void)
{
	struct cr_ring r;
	struct read_msg rd;
	struct waitport_msg wp;
	int fds[2], e;
	char c;

	if ((e = polled(&r, 16)) != 0)
		return e;
	CK(2, pipe(fds) == 0);
	cr_read_msg(&rd, fds[0], &c, 1);
	lwkt_sendmsg(cr_syscall_port, &rd.hdr);		/* held by the kernel: EASYNC */
	CK(3, rd.hdr.ms_error == EASYNC);
	cr_waitport_msg(&wp, 0);
	wp.hdr.ms_error = -1;
	CK(4, cr_ring_push(&r, &wp.hdr) && cr_ring_submit(&r) == 0);
	for (int i = 0; i < 200 && wp.hdr.ms_error != EASYNC; i++)
		usleep(1000);				/* the thread took it (EASYNC) ... */
	usleep(5000);					/* ... and waits in it */
	CK(5, wp.hdr.ms_error == EASYNC && cr_ring_reap(&r) == NULL);
	return 0;
}

/* exec_running: exec (of /bin/true) while the thread polls: exec ends it, as exit does. */
static int
exec_running(void)
{
	struct cr_ring r;
	int e;

	if ((e = polled(&r, 16)) != 0)
		return e;
	char *argv[] = { "true", NULL };
	execv("/bin/true", argv);
	return 2;
}

/* killed_asleep: the process killed (SIGKILL, by itself) with the thread asleep. */
static int
killed_asleep(void)
{
	struct cr_ring r;
	int e;

	if ((e = polled(&r, 16)) != 0)
		return e;
	if (!wait_asleep(&r))
		return 2;
	kill(getpid(), SIGKILL);
	return 3;
}

/* settled: wait (a while) for the polling threads' CPU to have freed what ended there. */
static struct kstat
settled(const struct kstat *want)
{
	struct kstat k = ks();

	for (int i = 0; i < 500 && (k.ks_threads != want->ks_threads ||
	    k.ks_kmalloc_in_use != want->ks_kmalloc_in_use || k.ks_pages_free != want->ks_pages_free); i++) {
		usleep(2000);
		k = ks();
	}
	return k;
}

KTEST(kpoll, exit_exec_or_kill_with_the_thread_asleep_running_or_in_a_call_is_clean)
{
	int (*const kids[])(void) = { exit_asleep, exit_running, exit_in_call, exec_running,
	    killed_asleep };

	for (unsigned int i = 0; i < sizeof(kids) / sizeof(kids[0]); i++) {
		struct kstat k0 = ks();
		pid_t pid = fork();
		int status = -1;

		if (pid == 0)
			_exit(kids[i]());
		KT_ASSERT(pid > 0);
		KT_ASSERT_EQ(waitpid(pid, &status, 0), pid);
		if (kids[i] == killed_asleep && WIFSIGNALED(status)) {
			KT_EXPECT_EQ(WTERMSIG(status), SIGKILL);
		} else {
			KT_ASSERT(WIFEXITED(status));
			if (WEXITSTATUS(status) == ONE_CPU)
				KT_SKIP("one CPU: ring_setup(RING_SETUP_KPOLL) is ENOTSUP");
			KT_EXPECT_EQ(WEXITSTATUS(status), 0);
		}
		struct kstat k1 = settled(&k0);
		KT_EXPECT_EQ(k1.ks_kpoll_threads, k0.ks_kpoll_threads);
		KT_EXPECT_EQ(k1.ks_threads, k0.ks_threads);
		KT_EXPECT_EQ(k1.ks_procs, k0.ks_procs);
		KT_EXPECT_EQ(k1.ks_kmalloc_in_use, k0.ks_kmalloc_in_use);
		KT_EXPECT_EQ(k1.ks_pages_free, k0.ks_pages_free);
		KT_EXPECT_EQ(k1.ks_sysmsg_live, k0.ks_sysmsg_live);
		KT_EXPECT_EQ(k1.ks_sysmsg_outstanding, k0.ks_sysmsg_outstanding);
		KT_EXPECT_EQ(k1.ks_pipes, k0.ks_pipes);
	}
}

/*
 * ordinary: libcr's ring API on a ring that is not polled (any number of CPUs): 50 getpid calls
 * through a ring of 8, pushed until it is full, each batch one ring_enter (cr_ring_submit),
 * reaped as they come: the cached counters wrap and refresh right.
 */
static int
ordinary(void)
{
	static struct getpid_msg p[50];
	struct cr_ring r;
	int sent = 0, done = 0;
	lwkt_msg_t m;

	CK(2, cr_ring_setup(&r, 8, 0) == 0 && r.flags == 0 && r.mask == 7);
	for (int i = 0; i < 50; i++)
		cr_getpid_msg(&p[i]);
	struct kstat k0 = ks();
	while (done < 50) {
		int pushed = 0;
		while (sent < 50 && cr_ring_push(&r, &p[sent].hdr)) {
			sent++;
			pushed++;
		}
		CK(3, pushed <= 8);
		CK(4, cr_ring_submit(&r) == 0);
		while ((m = cr_ring_reap(&r)) != NULL) {
			CK(5, m == &p[done].hdr && p[done].hdr.ms_error == 0 &&
			    p[done].hdr.ms_result == getpid());
			done++;
		}
	}
	CK(6, sent == 50 && ks().ks_ring_enters - k0.ks_ring_enters >= 50 / 8);
	CK(7, cr_ring_wait(&r, 0) == 0 && cr_ring_reap(&r) == NULL);
	return 0;
}

KTEST(kpoll, libcr_ring_api_on_an_ordinary_ring)
{
	IN_CHILD(ordinary);
}

/*
 * hostile: a polled ring whose process writes counters no ring can have (sq_tail far past
 * sq_head) is left alone by its thread — nothing taken, nothing posted — and works again once
 * they are right; its thread keeps its own sq_head.
 */
static int
hostile(void)
{
	struct cr_ring r;
	struct getpid_msg g;
	lwkt_msg_t m;
	int e;

	if ((e = polled(&r, 16)) != 0)
		return e;
	uint32_t tail = r.rs->sq_tail;
	r.rs->sq_tail = tail + 1000;
	usleep(5000);
	CK(2, r.rs->sq_head == tail && r.rs->cq_tail == r.rs->cq_head);
	r.rs->sq_tail = tail;
	r.rs->sq_head = tail + 5;			/* the kernel's word: ignored */
	cr_getpid_msg(&g);
	r.sq_head = tail;
	CK(3, cr_ring_push(&r, &g.hdr) && cr_ring_submit(&r) == 0);
	CK(4, reap_spin(&r, &m, 1) && m == &g.hdr && g.hdr.ms_result == getpid());
	CK(5, r.rs->sq_head == tail + 1);		/* written from the thread's own copy */
	return 0;
}

KTEST(kpoll, hostile_counters_cannot_steer_the_thread)
{
	IN_CHILD(hostile);
}

/*
 * bad_flags: ring_setup and ring_enter refuse flags they do not know (EINVAL), and
 * RING_ENTER_WAKEUP on a ring that is not polled; a polled ring takes it.
 */
static int
bad_flags(void)
{
	struct cr_ring r;

	errno = 0;
	CK(2, __sys_ring_setup(16, 0x2) == (void *)-1 && errno == EINVAL);
	errno = 0;
	CK(3, __sys_ring_setup(16, RING_SETUP_KPOLL | 0x80000000u) == (void *)-1 && errno == EINVAL);
	errno = 0;
	CK(4, __sys_ring_setup(3, RING_SETUP_KPOLL) == (void *)-1 && errno == EINVAL);
	if (cr_ring_setup(&r, 16, CR_RING_KPOLL) != 0) {
		CK(5, errno == ENOTSUP);
		CK(6, cr_ring_setup(&r, 16, 0) == 0);	/* one CPU: an ordinary ring */
		errno = 0;
		CK(7, __sys_ring_enter(0, 0, RING_ENTER_WAKEUP) == -1 && errno == EINVAL);
		return 0;				/* every check held at one CPU too */
	}
	errno = 0;
	CK(8, __sys_ring_enter(0, 0, 0x2) == -1 && errno == EINVAL);
	CK(9, __sys_ring_enter(0, 0, RING_ENTER_WAKEUP) == 0);
	errno = 0;
	CK(10, __sys_ring_setup(16, 0) == (void *)-1 && errno == EEXIST);
	return 0;
}

KTEST(kpoll, bad_flags_are_einval)
{
	IN_CHILD(bad_flags);
}
