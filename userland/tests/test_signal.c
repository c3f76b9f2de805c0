/*
 * KTAP tests of POSIX signals over upcalls (docs/upcalls.md): delivery, actions and their
 * flags, masks and pending signals, sigsuspend, alarm, a blocking call cut short (EINTR) or
 * restarted (SA_RESTART), SIGCHLD, SIGPIPE, faults caught and left with siglongjmp, who may
 * signal whom, and the default actions as waitpid sees them. Threaded cases come last: once a
 * program has a second thread its calls go asynchronously (docs/threads.md).
 */
#include <sys/ktest.h>
#include <sys/errno.h>
#include <sys/wait.h>
#include <cr/thread.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KERNEL_ADDR	((void *)0x100000)
static volatile uint32_t low_addr = 0x40;	/* below user space: any access faults */

static volatile int hits[NSIG];
static volatile int order[8], norder;
static volatile siginfo_t last_info;
static volatile sigset_t mask_in_handler;

static void
count(int sig)
{
	hits[sig]++;
	if (norder < 8)
		order[norder++] = sig;
}

static void
with_info(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	hits[sig]++;
	last_info = *si;
}

static void
note_mask(int sig)
{
	sigset_t m = 0;

	hits[sig]++;
	sigprocmask(SIG_BLOCK, NULL, &m);
	mask_in_handler = m;
}

/* reset: every action back to SIG_DFL, nothing blocked, counters zero. */
static void
reset(void)
{
	sigset_t none = 0;

	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	memset((void *)hits, 0, sizeof(hits));
	norder = 0;
}

static int
catch(int sig, void (*fn)(int), int flags, sigset_t mask)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_mask = mask;
	sa.sa_flags = flags;
	return sigaction(sig, &sa, NULL);
}

/* catch_info: with_info handles sig, with a siginfo. */
static int
catch_info(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = with_info;
	sa.sa_flags = SA_SIGINFO;
	return sigaction(sig, &sa, NULL);
}

/* child_status: fork a child that runs fn and exits 0; answers its wait status. */
static int
child_status(void (*fn)(void))
{
	int status = -1;
	pid_t c = fork();

	if (c == 0) {
		fn();
		_exit(0);
	}
	if (c < 0 || waitpid(c, &status, 0) != c)
		return -1;
	return status;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* -- delivery and actions ------------------------------------------------------------------------ */

KTEST(signal, raise_runs_the_handler_before_it_returns)
{
	reset();
	KT_ASSERT_EQ(catch(SIGUSR1, count, 0, 0), 0);
	KT_EXPECT_EQ(raise(SIGUSR1), 0);
	KT_EXPECT_EQ(hits[SIGUSR1], 1);
	KT_EXPECT_EQ(kill(getpid(), SIGUSR1), 0);
	KT_EXPECT_EQ(hits[SIGUSR1], 2);
	reset();
}

KTEST(signal, siginfo_names_the_sender)
{
	reset();
	KT_ASSERT_EQ(catch_info(SIGUSR2), 0);
	raise(SIGUSR2);
	KT_EXPECT_EQ(hits[SIGUSR2], 1);
	KT_EXPECT_EQ(last_info.si_signo, SIGUSR2);
	KT_EXPECT_EQ(last_info.si_code, SI_USER);
	KT_EXPECT_EQ(last_info.si_pid, getpid());
	reset();
}

KTEST(signal, ignored_signal_is_dropped)
{
	sigset_t p = 1;

	reset();
	signal(SIGUSR1, SIG_IGN);
	KT_EXPECT_EQ(raise(SIGUSR1), 0);
	KT_EXPECT_EQ(sigpending(&p), 0);
	KT_EXPECT_EQ(p, 0);
	signal(SIGCHLD, SIG_DFL);		/* default: ignore */
	KT_EXPECT_EQ(raise(SIGCHLD), 0);
	reset();
}

KTEST(signal, blocked_signal_pends_until_unblocked)
{
	sigset_t set = 0, pend = 0;

	reset();
	catch(SIGUSR1, count, 0, 0);
	sigaddset(&set, SIGUSR1);
	KT_EXPECT_EQ(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	raise(SIGUSR1);
	raise(SIGUSR1);				/* one pending signal, not two */
	KT_EXPECT_EQ(hits[SIGUSR1], 0);
	KT_EXPECT_EQ(sigpending(&pend), 0);
	KT_EXPECT(sigismember(&pend, SIGUSR1) == 1);
	KT_EXPECT_EQ(sigprocmask(SIG_UNBLOCK, &set, NULL), 0);
	KT_EXPECT_EQ(hits[SIGUSR1], 1);		/* delivered before sigprocmask returned */
	sigpending(&pend);
	KT_EXPECT_EQ(pend, 0);
	reset();
}

KTEST(signal, handler_runs_with_its_mask_and_the_old_one_comes_back)
{
	sigset_t extra = 0, after = 1;

	reset();
	sigaddset(&extra, SIGUSR2);
	catch(SIGUSR1, note_mask, 0, extra);
	raise(SIGUSR1);
	KT_EXPECT_EQ(hits[SIGUSR1], 1);
	KT_EXPECT(sigismember((sigset_t *)&mask_in_handler, SIGUSR1) == 1);	/* the signal itself */
	KT_EXPECT(sigismember((sigset_t *)&mask_in_handler, SIGUSR2) == 1);	/* sa_mask */
	sigprocmask(SIG_BLOCK, NULL, &after);
	KT_EXPECT_EQ(after, 0);
	catch(SIGUSR1, note_mask, SA_NODEFER, 0);
	raise(SIGUSR1);
	KT_EXPECT(sigismember((sigset_t *)&mask_in_handler, SIGUSR1) == 0);
	reset();
}

static void
outer(int sig)
{
	count(sig);
	raise(SIGUSR2);			/* not masked: runs now, nested in this one */
	count(sig);
}

KTEST(signal, nested_signals_run_inside_the_handler)
{
	reset();
	catch(SIGUSR1, outer, 0, 0);
	catch(SIGUSR2, count, 0, 0);
	raise(SIGUSR1);
	KT_EXPECT_EQ(norder, 3);
	KT_EXPECT_EQ(order[0], SIGUSR1);
	KT_EXPECT_EQ(order[1], SIGUSR2);
	KT_EXPECT_EQ(order[2], SIGUSR1);
	reset();
}

KTEST(signal, resethand_goes_back_to_default)
{
	struct sigaction old;

	reset();
	catch(SIGUSR1, count, SA_RESETHAND, 0);
	raise(SIGUSR1);
	KT_EXPECT_EQ(hits[SIGUSR1], 1);
	KT_EXPECT_EQ(sigaction(SIGUSR1, NULL, &old), 0);
	KT_EXPECT(old.sa_handler == SIG_DFL);
	reset();
}

static int pipe_w = -1;

static void
safe_calls(int sig)
{
	char c = (char)('0' + sig);

	hits[sig]++;
	write(pipe_w, &c, 1);		/* async-signal-safe calls in a handler */
	getpid();
}

KTEST(signal, handler_makes_async_signal_safe_calls)
{
	int fds[2];
	char buf[4] = { 0 };

	reset();
	KT_ASSERT_EQ(pipe(fds), 0);
	pipe_w = fds[1];
	catch(SIGUSR1, safe_calls, 0, 0);
	raise(SIGUSR1);
	KT_EXPECT_EQ(read(fds[0], buf, sizeof(buf)), 1);
	KT_EXPECT_EQ(buf[0], '0' + SIGUSR1);
	close(fds[0]);
	close(fds[1]);
	reset();
}

/* -- the calls' errors ------------------------------------------------------------------------- */

KTEST(signal, sigaction_errors)
{
	struct sigaction sa;

	reset();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count;
	errno = 0;
	KT_EXPECT_EQ(sigaction(SIGKILL, &sa, NULL), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT_EQ(sigaction(SIGSTOP, &sa, NULL), -1);
	KT_EXPECT_EQ(sigaction(0, &sa, NULL), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT_EQ(sigaction(NSIG, &sa, NULL), -1);
	sa.sa_handler = (void (*)(int))KERNEL_ADDR;	/* no user address */
	errno = 0;
	KT_EXPECT_EQ(sigaction(SIGUSR1, &sa, NULL), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	errno = 0;
	KT_EXPECT_EQ(__sys_sigaction(SIGUSR1, (uint32_t)KERNEL_ADDR, 0), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	sa.sa_handler = count;
	sa.sa_flags = 0x2;				/* unknown flag */
	KT_EXPECT_EQ(sigaction(SIGUSR1, &sa, NULL), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	sa.sa_flags = 0;
	errno = 0;
	KT_EXPECT_EQ(sigprocmask(7, &sa.sa_mask, NULL), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	reset();
}

static void
kill_parent(void)
{
	errno = 0;
	if (kill(getppid(), 0) == 0 || errno != EPERM)	/* the parent is no descendant */
		_exit(1);
	if (kill(getpid(), 0) != 0)			/* itself: yes */
		_exit(2);
	_exit(0);
}

KTEST(signal, kill_checks_the_signal_and_permission)
{
	int status;

	reset();
	errno = 0;
	KT_EXPECT_EQ(kill(getpid(), NSIG), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT_EQ(kill(getpid(), -1), -1);
	KT_EXPECT_EQ(kill(99999, 0), -1);
	KT_EXPECT_EQ(errno, ESRCH);
	KT_EXPECT_EQ(kill(getpid(), 0), 0);
	status = child_status(kill_parent);
	KT_EXPECT(WIFEXITED(status));
	KT_EXPECT_EQ(WEXITSTATUS(status), 0);
}

KTEST(signal, upcall_calls_reject_bad_pointers)
{
	errno = 0;
	KT_EXPECT_EQ(__sys_upcall_register(0x1000, (uint32_t)KERNEL_ADDR), -1);	/* entry: no user address */
	KT_EXPECT_EQ(errno, EFAULT);
	errno = 0;
	KT_EXPECT_EQ(__sys_upcall_register((uint32_t)cr_upcall_entry, (uint32_t)KERNEL_ADDR), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	errno = 0;
	KT_EXPECT_EQ(__sys_upcall_resume(KERNEL_ADDR), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	errno = 0;
	KT_EXPECT_EQ(__sys_upcall_poke(77), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	raise(SIGCHLD);					/* still works afterwards */
}

/* -- default actions, seen by waitpid ------------------------------------------------------------ */

static void
wait_for_signal(void)
{
	for (;;)
		pause();
}

static void
raise_quit(void)
{
	raise(SIGQUIT);
}

static void
raise_usr1_blocked_then_exit(void)
{
	sigset_t set = 0;

	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);				/* pending, never delivered */
	_exit(7);
}

static void
abort_with_a_returning_handler(void)
{
	sigset_t set = 0;

	signal(SIGABRT, count);			/* returns: abort goes on to the default action */
	sigaddset(&set, SIGABRT);
	sigprocmask(SIG_BLOCK, &set, NULL);	/* abort unblocks it */
	abort();
}

KTEST(signal, abort_ends_with_sigabrt)
{
	int status = child_status(abort_with_a_returning_handler);

	KT_EXPECT(WIFSIGNALED(status));
	KT_EXPECT_EQ(WTERMSIG(status), SIGABRT);
}

KTEST(signal, default_actions_end_the_process_as_waitpid_says)
{
	int status = -1;
	pid_t c;

	reset();
	c = fork();
	if (c == 0)
		wait_for_signal();
	KT_ASSERT(c > 0);
	sleep_ms(20);
	KT_EXPECT_EQ(kill(c, SIGTERM), 0);
	KT_EXPECT_EQ(waitpid(c, &status, 0), c);
	KT_EXPECT(WIFSIGNALED(status));
	KT_EXPECT_EQ(WTERMSIG(status), SIGTERM);
	status = child_status(raise_quit);		/* core class: terminates, with a report */
	KT_EXPECT(WIFSIGNALED(status));
	KT_EXPECT_EQ(WTERMSIG(status), SIGQUIT);
	status = child_status(raise_usr1_blocked_then_exit);
	KT_EXPECT(WIFEXITED(status));
	KT_EXPECT_EQ(WEXITSTATUS(status), 7);
}

/* -- SIGCHLD, SIGPIPE ------------------------------------------------------------------------------ */

KTEST(signal, sigchld_comes_when_a_child_exits)
{
	int status;
	pid_t c;

	reset();
	catch_info(SIGCHLD);
	c = fork();
	if (c == 0)
		_exit(3);
	KT_ASSERT(c > 0);
	KT_EXPECT_EQ(waitpid(c, &status, 0), c);
	for (int i = 0; i < 100 && hits[SIGCHLD] == 0; i++)
		sleep_ms(1);
	KT_EXPECT_EQ(hits[SIGCHLD], 1);
	KT_EXPECT_EQ(last_info.si_signo, SIGCHLD);
	KT_EXPECT_EQ(last_info.si_code, CLD_EXITED);
	KT_EXPECT_EQ(last_info.si_pid, c);
	KT_EXPECT_EQ(last_info.si_status, 3);
	reset();
}

static void
write_to_closed_pipe(void)
{
	int fds[2];

	pipe(fds);
	close(fds[0]);
	write(fds[1], "x", 1);
	_exit(1);				/* not reached: SIGPIPE ends it */
}

KTEST(signal, sigpipe_and_epipe_on_a_pipe_with_no_reader)
{
	int fds[2], status;

	reset();
	status = child_status(write_to_closed_pipe);
	KT_EXPECT(WIFSIGNALED(status));
	KT_EXPECT_EQ(WTERMSIG(status), SIGPIPE);
	signal(SIGPIPE, SIG_IGN);
	KT_ASSERT_EQ(pipe(fds), 0);
	close(fds[0]);
	errno = 0;
	KT_EXPECT_EQ(write(fds[1], "x", 1), -1);
	KT_EXPECT_EQ(errno, EPIPE);
	close(fds[1]);
	catch(SIGPIPE, count, 0, 0);
	KT_ASSERT_EQ(pipe(fds), 0);
	close(fds[0]);
	KT_EXPECT_EQ(write(fds[1], "x", 1), -1);
	KT_EXPECT_EQ(hits[SIGPIPE], 1);
	close(fds[1]);
	reset();
}

/* -- faults ------------------------------------------------------------------------------------------- */

static sigjmp_buf fault_env;

static void
fault_handler(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	hits[sig]++;
	last_info = *si;
	siglongjmp(fault_env, sig);
}

static void
catch_faults(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
}

KTEST(signal, segv_handler_leaves_with_siglongjmp)
{
	volatile int *bad = (volatile int *)low_addr;
	sigset_t after = 1;
	int r;

	reset();
	catch_faults();
	if ((r = sigsetjmp(fault_env, 1)) == 0) {
		*bad = 1;
		KT_EXPECT(0);			/* not reached */
	}
	KT_EXPECT_EQ(r, SIGSEGV);
	KT_EXPECT_EQ(hits[SIGSEGV], 1);
	KT_EXPECT_EQ((uint32_t)last_info.si_addr, 0x40);
	KT_EXPECT_EQ(last_info.si_code, SEGV_MAPERR);
	sigprocmask(SIG_BLOCK, NULL, &after);
	KT_EXPECT_EQ(after, 0);			/* siglongjmp restored the mask */
	if ((r = sigsetjmp(fault_env, 1)) == 0)	/* and it works a second time */
		*bad = 2;
	KT_EXPECT_EQ(hits[SIGSEGV], 2);
	reset();
}

KTEST(signal, fpe_and_ill_handlers)
{
	volatile int zero = 0, r;

	reset();
	catch_faults();
	if ((r = sigsetjmp(fault_env, 1)) == 0)
		r = 10 / zero;
	KT_EXPECT_EQ(r, SIGFPE);
	if ((r = sigsetjmp(fault_env, 1)) == 0)
		__asm__ volatile("ud2");
	KT_EXPECT_EQ(r, SIGILL);
	KT_EXPECT_EQ(hits[SIGFPE], 1);
	KT_EXPECT_EQ(hits[SIGILL], 1);
	reset();
}

static void
fault_with_segv_blocked(void)
{
	sigset_t set = 0;

	catch_faults();
	sigaddset(&set, SIGSEGV);
	sigprocmask(SIG_BLOCK, &set, NULL);
	*(volatile int *)low_addr = 1;		/* blocked: the fault ends the process */
}

static void
handler_at_a_bad_address(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = (void (*)(int))0x7ff00000;	/* a user address, nothing mapped */
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
}

KTEST(signal, bad_handlers_end_the_process_not_the_kernel)
{
	int status;

	status = child_status(fault_with_segv_blocked);
	KT_EXPECT(WIFSIGNALED(status));
	KT_EXPECT_EQ(WTERMSIG(status), SIGSEGV);
	status = child_status(handler_at_a_bad_address);
	KT_EXPECT(WIFSIGNALED(status));
	KT_EXPECT_EQ(WTERMSIG(status), SIGSEGV);
}

/* -- blocking calls: EINTR or restart ------------------------------------------------------------ */

/* exit_after: a child that sleeps ms and exits (its SIGCHLD interrupts the parent). */
static pid_t
exit_after(int ms, int wfd)
{
	pid_t c = fork();

	if (c == 0) {
		sleep_ms(ms);
		if (wfd >= 0)
			write(wfd, "y", 1);
		_exit(0);
	}
	return c;
}

KTEST(signal, parked_read_answers_eintr)
{
	int fds[2], status;
	char c;
	pid_t k;

	reset();
	catch(SIGCHLD, count, 0, 0);
	KT_ASSERT_EQ(pipe(fds), 0);
	k = exit_after(30, -1);
	errno = 0;
	KT_EXPECT_EQ(read(fds[0], &c, 1), -1);	/* nobody writes: only the signal ends it */
	KT_EXPECT_EQ(errno, EINTR);
	KT_EXPECT_EQ(hits[SIGCHLD], 1);
	waitpid(k, &status, 0);
	close(fds[0]);
	close(fds[1]);
	reset();
}

KTEST(signal, sa_restart_restarts_the_read)
{
	int fds[2], status;
	char c = 0;
	pid_t k1, k2;

	reset();
	catch(SIGCHLD, count, SA_RESTART, 0);
	KT_ASSERT_EQ(pipe(fds), 0);
	k1 = exit_after(20, -1);			/* its exit interrupts the read */
	k2 = exit_after(120, fds[1]);			/* this one writes, later */
	KT_EXPECT_EQ(read(fds[0], &c, 1), 1);
	KT_EXPECT_EQ(c, 'y');
	KT_EXPECT(hits[SIGCHLD] >= 1);
	waitpid(k1, &status, 0);
	waitpid(k2, &status, 0);
	close(fds[0]);
	close(fds[1]);
	reset();
}

KTEST(signal, sleep_answers_eintr)
{
	struct timespec ts = { 5, 0 };
	int status;
	pid_t k;

	reset();
	catch(SIGCHLD, count, 0, 0);
	k = exit_after(20, -1);
	errno = 0;
	KT_EXPECT_EQ(nanosleep(&ts, NULL), -1);
	KT_EXPECT_EQ(errno, EINTR);
	KT_EXPECT_EQ(hits[SIGCHLD], 1);
	waitpid(k, &status, 0);
	reset();
}

/* -- sigsuspend, pause, alarm ---------------------------------------------------------------------- */

KTEST(signal, sigsuspend_waits_with_a_temporary_mask)
{
	sigset_t chld = 0, none = 0, after = 0;
	int status;
	pid_t k;

	reset();
	catch(SIGCHLD, count, 0, 0);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	k = exit_after(10, -1);
	waitpid(k, &status, 0);			/* SIGCHLD is pending now, blocked */
	KT_EXPECT_EQ(hits[SIGCHLD], 0);
	errno = 0;
	KT_EXPECT_EQ(sigsuspend(&none), -1);
	KT_EXPECT_EQ(errno, EINTR);
	KT_EXPECT_EQ(hits[SIGCHLD], 1);
	sigprocmask(SIG_BLOCK, NULL, &after);
	KT_EXPECT_EQ(after, chld);		/* the old mask is back */
	reset();
}

KTEST(signal, alarm_sends_sigalrm_and_answers_what_was_left)
{
	reset();
	catch(SIGALRM, count, 0, 0);
	KT_EXPECT_EQ(alarm(5), 0);
	KT_EXPECT_EQ(alarm(0), 5);		/* cancelled, 5 s were left */
	KT_EXPECT_EQ(alarm(1), 0);
	errno = 0;
	KT_EXPECT_EQ(pause(), -1);
	KT_EXPECT_EQ(errno, EINTR);
	KT_EXPECT_EQ(hits[SIGALRM], 1);
	KT_EXPECT_EQ(alarm(0), 0);
	reset();
}

/* -- threads ---------------------------------------------------------------------------------------------- */

static volatile cr_thread_t receiver;
static volatile int stop_spinning;

static void
who(int sig)
{
	hits[sig]++;
	receiver = cr_thread_self();
}

static void *
spinner(void *arg)
{
	(void)arg;
	while (!stop_spinning && hits[SIGUSR1] == 0)
		cr_thread_yield();
	return NULL;
}

KTEST(signal, a_thread_that_blocks_it_leaves_it_to_one_that_does_not)
{
	sigset_t set = 0, mine = 0;
	cr_thread_t t;

	reset();
	catch(SIGUSR1, who, 0, 0);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);		/* this thread's mask only */
	receiver = NULL;
	stop_spinning = 0;
	KT_ASSERT_EQ(cr_thread_create(&t, spinner, NULL, CR_PRI_DEFAULT, "spinner"), 0);
	kill(getpid(), SIGUSR1);			/* the process's (raise would be this thread's) */
	for (int i = 0; i < 2000 && hits[SIGUSR1] == 0; i++) {
		cr_thread_yield();
		sleep_ms(1);
	}
	stop_spinning = 1;
	cr_thread_join(t, NULL);
	KT_EXPECT_EQ(hits[SIGUSR1], 1);
	KT_EXPECT(receiver == t);
	sigprocmask(SIG_BLOCK, NULL, &mine);
	KT_EXPECT_EQ(mine, set);			/* the other thread's mask did not change it */
	reset();
}

static volatile int sleeper_ready;

/* chld_blocker: blocks SIGCHLD (this thread only), then parks in a long sleep. */
static void *
chld_blocker(void *arg)
{
	sigset_t set = 0;
	struct timespec ts = { 0, 400 * 1000000L };

	(void)arg;
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sleeper_ready = 1;
	nanosleep(&ts, NULL);
	return NULL;
}

/*
 * parked_read_in_a_threaded_program: the main thread parks in a pipe read while another thread,
 * which blocks SIGCHLD, parks in a sleep; a child's exit interrupts the read (the thread that
 * does not block it), which answers EINTR, or, with SA_RESTART, reads what a second child writes.
 */
static void
parked_read_in_a_threaded_program(struct ktest_ctx *ktc, int flags)
{
	int fds[2], status;
	char c = 0;
	cr_thread_t t;
	pid_t k1, k2 = -1;

	reset();
	catch(SIGCHLD, who, flags, 0);
	receiver = NULL;
	sleeper_ready = 0;
	KT_ASSERT_EQ(pipe(fds), 0);
	KT_ASSERT_EQ(cr_thread_create(&t, chld_blocker, NULL, CR_PRI_DEFAULT, "blocker"), 0);
	while (!sleeper_ready)
		cr_thread_yield();
	k1 = exit_after(30, -1);
	if (flags & SA_RESTART) {
		k2 = exit_after(150, fds[1]);
		KT_EXPECT_EQ(read(fds[0], &c, 1), 1);	/* restarted after the handler */
		KT_EXPECT_EQ(c, 'y');
	} else {
		errno = 0;
		KT_EXPECT_EQ(read(fds[0], &c, 1), -1);
		KT_EXPECT_EQ(errno, EINTR);
	}
	KT_EXPECT(hits[SIGCHLD] >= 1);
	KT_EXPECT(receiver == cr_thread_self());	/* not the thread that blocks it */
	cr_thread_join(t, NULL);
	waitpid(k1, &status, 0);
	if (k2 > 0)
		waitpid(k2, &status, 0);
	close(fds[0]);
	close(fds[1]);
	reset();
}

KTEST(signal, threaded_parked_read_answers_eintr)
{
	parked_read_in_a_threaded_program(ktc, 0);
}

KTEST(signal, threaded_parked_read_restarts_under_sa_restart)
{
	parked_read_in_a_threaded_program(ktc, SA_RESTART);
}

/* -- pthread_kill, and threads waiting in libcr ------------------------------------------------------- */

static void *
quick(void *arg)
{
	return arg;
}

KTEST(signal, pthread_kill_errors)
{
	pthread_t t;

	reset();
	KT_EXPECT_EQ(pthread_kill(pthread_self(), -1), EINVAL);
	KT_EXPECT_EQ(pthread_kill(pthread_self(), NSIG), EINVAL);
	KT_EXPECT_EQ(pthread_kill(pthread_self(), 0), 0);
	KT_ASSERT_EQ(pthread_create(&t, NULL, quick, NULL), 0);
	KT_EXPECT_EQ(pthread_kill(t, 0), 0);		/* alive until joined */
	pthread_join(t, NULL);
	KT_EXPECT_EQ(pthread_kill(t, 0), ESRCH);
	KT_EXPECT_EQ(pthread_kill(t, SIGUSR1), ESRCH);
	catch(SIGUSR2, SIG_IGN, 0, 0);
	KT_EXPECT_EQ(pthread_kill(pthread_self(), SIGUSR2), 0);	/* ignored: dropped */
	reset();
}

KTEST(signal, pthread_kill_to_self_runs_now_or_pends_while_blocked)
{
	sigset_t set = 0, pend = 0;

	reset();
	catch(SIGUSR1, who, 0, 0);
	receiver = NULL;
	KT_EXPECT_EQ(pthread_kill(pthread_self(), SIGUSR1), 0);
	KT_EXPECT_EQ(hits[SIGUSR1], 1);
	KT_EXPECT(receiver == cr_thread_self());
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	KT_EXPECT_EQ(pthread_kill(pthread_self(), SIGUSR1), 0);
	KT_EXPECT_EQ(hits[SIGUSR1], 1);			/* blocked: pending for this thread */
	sigpending(&pend);
	KT_EXPECT(sigismember(&pend, SIGUSR1) == 1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	KT_EXPECT_EQ(hits[SIGUSR1], 2);			/* unblocked: it ran */
	reset();
}

static volatile int spun;

static void *
busy_spinner(void *arg)
{
	(void)arg;
	while (!stop_spinning && hits[SIGUSR1] == 0)
		spun++;
	return NULL;
}

KTEST(signal, raise_in_a_threaded_program_goes_to_the_caller)
{
	pthread_t t;

	reset();
	catch(SIGUSR1, who, 0, 0);
	receiver = NULL;
	stop_spinning = 0;
	KT_ASSERT_EQ(pthread_create(&t, NULL, spinner, NULL), 0);
	KT_EXPECT_EQ(raise(SIGUSR1), 0);
	KT_EXPECT_EQ(hits[SIGUSR1], 1);			/* before raise returned */
	KT_EXPECT(receiver == cr_thread_self());
	stop_spinning = 1;
	pthread_join(t, NULL);
	reset();
}

KTEST(signal, pthread_kill_interrupts_a_thread_running_on_another_vcpu)
{
	pthread_t t;

	reset();
	if (!cr_vcpu_ensure(2))
		KT_SKIP("no second vCPU");
	catch(SIGUSR1, who, 0, 0);
	receiver = NULL;
	stop_spinning = 0;
	spun = 0;
	KT_ASSERT_EQ(pthread_create(&t, NULL, busy_spinner, NULL), 0);
	for (int i = 0; i < 500 && spun == 0; i++)
		sleep_ms(1);				/* it runs, somewhere */
	KT_EXPECT_EQ(pthread_kill(t, SIGUSR1), 0);
	for (int i = 0; i < 500 && hits[SIGUSR1] == 0; i++)
		sleep_ms(1);
	stop_spinning = 1;
	pthread_join(t, NULL);
	KT_EXPECT_EQ(hits[SIGUSR1], 1);
	KT_EXPECT(receiver == t);
	reset();
}

static pthread_mutex_t sig_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sig_cond = PTHREAD_COND_INITIALIZER;
static volatile int cond_flag, waiter_done, waiter_error;

static void *
mutex_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sig_mutex);		/* waits: main holds it */
	waiter_done = 1;
	pthread_mutex_unlock(&sig_mutex);
	return NULL;
}

static void *
cond_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sig_mutex);
	while (!cond_flag) {
		int e = pthread_cond_wait(&sig_cond, &sig_mutex);
		if (e != 0)
			waiter_error = e;		/* never EINTR */
	}
	waiter_done = 1;
	pthread_mutex_unlock(&sig_mutex);
	return NULL;
}

/* wait_for_hit: yield and sleep until sig's handler ran (at most about a second). */
static void
wait_for_hit(int sig)
{
	for (int i = 0; i < 500 && hits[sig] == 0; i++) {
		sched_yield();
		sleep_ms(1);
	}
}

/*
 * signal_a_waiter: t waits in libcr (fn: a mutex main holds, or a condition variable); a
 * signal (to t with pthread_kill, or to the process while main blocks it) runs its handler on t
 * at once, and t goes on waiting until main lets it go.
 */
static void
signal_a_waiter(struct ktest_ctx *ktc, void *(*fn)(void *), bool to_process)
{
	sigset_t set = 0;
	pthread_t t;

	reset();
	catch(SIGUSR1, who, 0, 0);
	receiver = NULL;
	cond_flag = waiter_done = waiter_error = 0;
	pthread_mutex_lock(&sig_mutex);
	KT_ASSERT_EQ(pthread_create(&t, NULL, fn, NULL), 0);
	if (to_process) {
		sigaddset(&set, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &set, NULL);	/* only t may take it (t has the old mask) */
	}
	if (fn == cond_waiter) {
		pthread_mutex_unlock(&sig_mutex);
		for (int i = 0; i < 100; i++)
			sched_yield();			/* t takes the mutex and waits */
		pthread_mutex_lock(&sig_mutex);
	} else {
		for (int i = 0; i < 100; i++)
			sched_yield();			/* t waits for the mutex */
	}
	if (to_process)
		KT_EXPECT_EQ(kill(getpid(), SIGUSR1), 0);
	else
		KT_EXPECT_EQ(pthread_kill(t, SIGUSR1), 0);
	pthread_mutex_unlock(&sig_mutex);
	wait_for_hit(SIGUSR1);
	KT_EXPECT_EQ(hits[SIGUSR1], 1);
	KT_EXPECT(receiver == t);
	pthread_mutex_lock(&sig_mutex);
	cond_flag = 1;
	pthread_cond_signal(&sig_cond);
	pthread_mutex_unlock(&sig_mutex);
	pthread_join(t, NULL);
	KT_EXPECT_EQ(waiter_done, 1);
	KT_EXPECT_EQ(waiter_error, 0);
	if (to_process)
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	reset();
}

KTEST(signal, pthread_kill_reaches_a_thread_waiting_for_a_mutex)
{
	pthread_mutex_lock(&sig_mutex);
	pthread_mutex_unlock(&sig_mutex);
	signal_a_waiter(ktc, mutex_waiter, false);
}

KTEST(signal, pthread_kill_reaches_a_thread_in_cond_wait_which_never_answers_eintr)
{
	signal_a_waiter(ktc, cond_waiter, false);
}

KTEST(signal, a_process_signal_reaches_the_one_thread_that_takes_it_in_a_cond_wait)
{
	signal_a_waiter(ktc, cond_waiter, true);
}

static volatile int suspend_result, suspend_errno, suspended;

static void *
suspender(void *arg)
{
	sigset_t none = 0;

	(void)arg;
	suspended = 1;
	errno = 0;
	suspend_result = sigsuspend(&none);
	suspend_errno = errno;
	return NULL;
}

KTEST(signal, threaded_sigsuspend_waits_for_its_thread_only)
{
	sigset_t set = 0, mine = 0;
	pthread_t t;
	int ran = 0;

	reset();
	catch(SIGUSR1, who, 0, 0);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);		/* t inherits it, sigsuspend lifts it */
	receiver = NULL;
	suspended = 0;
	suspend_result = 0;
	KT_ASSERT_EQ(pthread_create(&t, NULL, suspender, NULL), 0);
	while (!suspended)
		sched_yield();
	for (int i = 0; i < 50; i++, ran++)
		sched_yield();				/* this thread still runs */
	KT_EXPECT_EQ(ran, 50);
	KT_EXPECT_EQ(hits[SIGUSR1], 0);
	KT_EXPECT_EQ(kill(getpid(), SIGUSR1), 0);	/* only t lets it through */
	wait_for_hit(SIGUSR1);
	pthread_join(t, NULL);
	KT_EXPECT_EQ(hits[SIGUSR1], 1);
	KT_EXPECT(receiver == t);
	KT_EXPECT_EQ(suspend_result, -1);
	KT_EXPECT_EQ(suspend_errno, EINTR);
	pthread_sigmask(SIG_BLOCK, NULL, &mine);
	KT_EXPECT_EQ(mine, set);
	reset();
}

static void *
long_sleeper(void *arg)
{
	struct timespec ts = { 5, 0 };

	(void)arg;
	suspended = 1;
	errno = 0;
	suspend_result = nanosleep(&ts, NULL);
	suspend_errno = errno;
	return NULL;
}

KTEST(signal, pthread_kill_ends_a_threads_sleep_with_eintr)
{
	pthread_t t;

	reset();
	catch(SIGUSR1, who, 0, 0);
	suspended = 0;
	KT_ASSERT_EQ(pthread_create(&t, NULL, long_sleeper, NULL), 0);
	while (!suspended)
		sched_yield();
	sleep_ms(20);
	KT_EXPECT_EQ(pthread_kill(t, SIGUSR1), 0);
	pthread_join(t, NULL);
	KT_EXPECT_EQ(hits[SIGUSR1], 1);
	KT_EXPECT_EQ(suspend_result, -1);
	KT_EXPECT_EQ(suspend_errno, EINTR);
	reset();
}

/* -- sigaltstack ---------------------------------------------------------------------------------------- */

KTEST(signal, sigaltstack_errors_and_answers)
{
	static char stack[SIGSTKSZ];
	stack_t ss, old;

	memset(&old, 0, sizeof(old));
	KT_EXPECT_EQ(sigaltstack(NULL, &old), 0);
	KT_EXPECT_EQ(old.ss_flags, SS_DISABLE);		/* none yet */
	ss.ss_sp = stack;
	ss.ss_size = MINSIGSTKSZ - 1;
	ss.ss_flags = 0;
	errno = 0;
	KT_EXPECT_EQ(sigaltstack(&ss, NULL), -1);
	KT_EXPECT_EQ(errno, ENOMEM);
	ss.ss_size = sizeof(stack);
	ss.ss_flags = SS_ONSTACK;
	errno = 0;
	KT_EXPECT_EQ(sigaltstack(&ss, NULL), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(sigaltstack(KERNEL_ADDR, NULL), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	ss.ss_flags = 0;
	errno = 0;
	KT_EXPECT_EQ(sigaltstack(&ss, KERNEL_ADDR), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	KT_EXPECT_EQ(sigaltstack(&ss, NULL), 0);
	KT_EXPECT_EQ(sigaltstack(NULL, &old), 0);
	KT_EXPECT(old.ss_sp == stack);
	KT_EXPECT_EQ(old.ss_size, sizeof(stack));
	KT_EXPECT_EQ(old.ss_flags, 0);			/* not on it */
	ss.ss_flags = SS_DISABLE;
	KT_EXPECT_EQ(sigaltstack(&ss, NULL), 0);
	KT_EXPECT_EQ(sigaltstack(NULL, &old), 0);
	KT_EXPECT_EQ(old.ss_flags, SS_DISABLE);
}

static char *alt_base;

/* on_alt: a handler that says whether it runs on the alternate stack: exit 42 if so, else 43. */
static void
on_alt(int sig)
{
	char here;
	stack_t now;

	(void)sig;
	sigaltstack(NULL, &now);
	if (&here >= alt_base && &here < alt_base + SIGSTKSZ && now.ss_flags == SS_ONSTACK) {
		stack_t ss = { alt_base, 0, SIGSTKSZ };
		_exit(sigaltstack(&ss, NULL) == -1 && errno == EPERM ? 42 : 44);	/* on it: EPERM */
	}
	_exit(43);
}

static volatile int depth_sink, depth_limit = 0x7fffffff;

/* recurse: deeper until the stack overflows (depth_limit is never reached). */
static int
recurse(int n)
{
	volatile char pad[512];

	pad[0] = (char)n;
	depth_sink += pad[0];
	if (n >= depth_limit)
		return 0;
	return recurse(n + 1) + pad[0];
}

/* overflow_with: a SIGSEGV handler with flags (SA_ONSTACK or not), then a stack overflow. */
static void
overflow_with(int flags)
{
	stack_t ss;

	alt_base = malloc(SIGSTKSZ);
	ss.ss_sp = alt_base;
	ss.ss_size = SIGSTKSZ;
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	catch(SIGSEGV, on_alt, flags, 0);
	recurse(0);
}

static void
overflow_onstack(void)
{
	overflow_with(SA_ONSTACK);
}

static void
overflow_plain(void)
{
	overflow_with(0);
}

KTEST(signal, stack_overflow_is_caught_on_the_alternate_stack)
{
	int status = child_status(overflow_onstack);

	KT_EXPECT(WIFEXITED(status));
	KT_EXPECT_EQ(WEXITSTATUS(status), 42);		/* on it, and EPERM changing it there */
	status = child_status(overflow_plain);		/* no SA_ONSTACK: no room, killed */
	KT_EXPECT(WIFSIGNALED(status));
	KT_EXPECT_EQ(WTERMSIG(status), SIGSEGV);
}

static void
raise_onstack(void)
{
	alt_base = malloc(SIGSTKSZ);
	stack_t ss = { alt_base, 0, SIGSTKSZ };
	sigaltstack(&ss, NULL);
	catch(SIGUSR1, on_alt, SA_ONSTACK, 0);
	kill(getpid(), SIGUSR1);
	_exit(45);
}

KTEST(signal, sa_onstack_handler_runs_on_the_alternate_stack)
{
	int status = child_status(raise_onstack);

	KT_EXPECT(WIFEXITED(status));
	KT_EXPECT_EQ(WEXITSTATUS(status), 42);
}

/* -- sigwait, sigwaitinfo, sigtimedwait ------------------------------------------------------------- */

KTEST(signal, sigwaitinfo_takes_a_blocked_default_action_signal_without_acting)
{
	sigset_t set = 0, pend = 0;
	siginfo_t si;

	reset();
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);		/* SIG_DFL: delivered, it would end us */
	KT_EXPECT_EQ(kill(getpid(), SIGUSR1), 0);
	memset(&si, 0, sizeof(si));
	KT_EXPECT_EQ(sigwaitinfo(&set, &si), SIGUSR1);
	KT_EXPECT_EQ(si.si_signo, SIGUSR1);
	KT_EXPECT_EQ(si.si_code, SI_USER);
	KT_EXPECT_EQ(si.si_pid, getpid());
	sigpending(&pend);
	KT_EXPECT_EQ(pend & set, 0u);			/* taken */
	reset();
}

KTEST(signal, sigtimedwait_times_out_with_eagain_and_checks_its_timeout)
{
	sigset_t set = 0;
	struct timespec zero = { 0, 0 }, short_ = { 0, 50 * 1000000L }, bad = { 0, 1000000000L };
	struct timespec t0, t1;
	int sig = 0;

	reset();
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	errno = 0;
	KT_EXPECT_EQ(sigtimedwait(&set, NULL, &zero), -1);	/* only looks */
	KT_EXPECT_EQ(errno, EAGAIN);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = 0;
	KT_EXPECT_EQ(sigtimedwait(&set, NULL, &short_), -1);
	KT_EXPECT_EQ(errno, EAGAIN);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	KT_EXPECT((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 40);
	errno = 0;
	KT_EXPECT_EQ(sigtimedwait(&set, NULL, &bad), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(sigtimedwait(&set, KERNEL_ADDR, &zero), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	raise(SIGUSR2);
	KT_EXPECT_EQ(sigwait(&set, &sig), 0);
	KT_EXPECT_EQ(sig, SIGUSR2);
	reset();
}

KTEST(signal, sigwaitinfo_answers_eintr_for_another_signal_handled)
{
	sigset_t set = 0;

	reset();
	catch(SIGALRM, count, 0, 0);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	alarm(1);
	errno = 0;
	KT_EXPECT_EQ(sigwaitinfo(&set, NULL), -1);
	KT_EXPECT_EQ(errno, EINTR);
	KT_EXPECT_EQ(hits[SIGALRM], 1);
	reset();
}

static volatile int waited_sig;

/* sig_waiter: on a vCPU of its own (sigwait waits with its whole vCPU), waits for *arg. */
static void *
sig_waiter(void *arg)
{
	int sig = 0;

	if (cr_thread_migrate(1) != 0)
		return NULL;
	suspended = 1;
	if (sigwait((sigset_t *)arg, &sig) == 0)
		waited_sig = sig;
	return NULL;
}

/*
 * Every thread blocks SIGUSR1 (SIG_DFL: delivered, it would end the process); one waits for it
 * in sigwait, on another vCPU, while this one idles in a sleep meanwhile and then sends it.
 */
KTEST(signal, sigwait_in_a_threaded_program_takes_the_signal_every_thread_blocks)
{
	static sigset_t set;
	pthread_t t;

	reset();
	if (!cr_vcpu_ensure(2))
		KT_SKIP("no second vCPU");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	suspended = 0;
	waited_sig = 0;
	KT_ASSERT_EQ(pthread_create(&t, NULL, sig_waiter, &set), 0);	/* with this mask */
	for (int i = 0; i < 500 && !suspended; i++)
		sleep_ms(1);
	KT_ASSERT(suspended);
	sleep_ms(20);					/* this vCPU idles meanwhile */
	KT_EXPECT_EQ(kill(getpid(), SIGUSR1), 0);
	pthread_join(t, NULL);
	KT_EXPECT_EQ(waited_sig, SIGUSR1);
	reset();
}
