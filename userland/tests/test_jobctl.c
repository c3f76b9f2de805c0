/*
 * KTAP tests of job control (docs/upcalls.md, "Job control"): the stop signals' default action
 * stops the whole process, SIGCONT continues it (even when ignored), SIGKILL ends a stopped
 * one, waitpid reports stops with WUNTRACED and continues with WCONTINUED (once each), SIGCHLD
 * on a stop unless SA_NOCLDSTOP, a call a stop cut short starts again after SIGCONT, and a
 * threaded process stops on every vCPU.
 */
#include <sys/ktest.h>
#include <sys/errno.h>
#include <sys/wait.h>
#include <cr/thread.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ticker: a child that writes a byte to wfd every 5 ms, forever (vcpus: threads doing so). */
static void *
tick(void *arg)
{
	int wfd = (int)(intptr_t)arg;

	for (;;) {
		write(wfd, "t", 1);
		sleep_ms(5);
	}
	return NULL;
}

/* spin: computes forever, writing a byte now and then (a vCPU that never waits). */
static void *
spin(void *arg)
{
	int wfd = (int)(intptr_t)arg;

	for (volatile uint32_t i = 0;; i++)
		if ((i & 0xfffff) == 0)
			write(wfd, "s", 1);
	return NULL;
}

static pid_t
ticker(int wfd, bool threaded)
{
	pid_t c = fork();

	if (c == 0) {
		if (threaded) {
			cr_thread_t t;
			cr_vcpu_ensure(2);
			cr_thread_create(&t, spin, (void *)(intptr_t)wfd, CR_PRI_DEFAULT, "spin");
		}
		tick((void *)(intptr_t)wfd);
	}
	return c;
}

/* pending: bytes that can be read from rfd without waiting, read and counted. */
static int
pending(int rfd)
{
	char c;
	int n = 0;
	struct pollfd p = { rfd, POLLIN, 0 };

	while (poll(&p, 1, 0) == 1 && (p.revents & POLLIN) && read(rfd, &c, 1) == 1)
		n++;
	return n;
}

/* running: c writes to rfd within 2 s (its start-up may take a while on a loaded host). */
static bool
running(int rfd)
{
	for (int i = 0; i < 200; i++) {
		if (pending(rfd) > 0)
			return true;
		sleep_ms(10);
	}
	return false;
}

/* kill_and_reap: SIGKILL ends c (stopped or not), which waitpid reports. */
static void
kill_and_reap(struct ktest_ctx *ktc, pid_t c)
{
	int status = 0;

	KT_EXPECT_EQ(kill(c, SIGKILL), 0);
	KT_EXPECT_EQ(waitpid(c, &status, 0), c);
	KT_EXPECT(WIFSIGNALED(status));
	KT_EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

static void
stop_and_continue(struct ktest_ctx *ktc, bool threaded, int stopsig)
{
	int fds[2], status = 0;
	pid_t c;

	KT_ASSERT_EQ(pipe(fds), 0);
	c = ticker(fds[1], threaded);
	KT_ASSERT(c > 0);
	KT_EXPECT(running(fds[0]));			/* it runs */
	KT_EXPECT_EQ(kill(c, stopsig), 0);
	KT_EXPECT_EQ(waitpid(c, &status, WUNTRACED), c);
	KT_EXPECT(WIFSTOPPED(status));
	KT_EXPECT_EQ(WSTOPSIG(status), stopsig);
	KT_EXPECT(!WIFSIGNALED(status) && !WIFEXITED(status));
	sleep_ms(30);
	pending(fds[0]);				/* what was on its way */
	sleep_ms(100);
	KT_EXPECT_EQ(pending(fds[0]), 0);		/* stopped: every vCPU */
	KT_EXPECT_EQ(waitpid(c, &status, WUNTRACED | WNOHANG), 0);	/* reported once */
	KT_EXPECT_EQ(kill(c, SIGCONT), 0);
	KT_EXPECT_EQ(waitpid(c, &status, WCONTINUED), c);
	KT_EXPECT(WIFCONTINUED(status));
	KT_EXPECT(!WIFSTOPPED(status) && !WIFSIGNALED(status) && !WIFEXITED(status));
	KT_EXPECT(running(fds[0]));			/* it runs again */
	kill_and_reap(ktc, c);
	close(fds[0]);
	close(fds[1]);
}

KTEST(jobctl, sigstop_stops_the_process_and_sigcont_continues_it)
{
	stop_and_continue(ktc, false, SIGSTOP);
}

KTEST(jobctl, sigtstp_sigttin_sigttou_stop_by_default)
{
	stop_and_continue(ktc, false, SIGTSTP);
	stop_and_continue(ktc, false, SIGTTIN);
	stop_and_continue(ktc, false, SIGTTOU);
}

KTEST(jobctl, a_threaded_process_stops_on_every_vcpu)
{
	stop_and_continue(ktc, true, SIGSTOP);
}

KTEST(jobctl, sigkill_ends_a_stopped_process)
{
	int fds[2], status = 0;
	pid_t c;

	KT_ASSERT_EQ(pipe(fds), 0);
	c = ticker(fds[1], false);
	KT_EXPECT_EQ(kill(c, SIGSTOP), 0);
	KT_EXPECT_EQ(waitpid(c, &status, WUNTRACED), c);
	KT_EXPECT(WIFSTOPPED(status));
	kill_and_reap(ktc, c);
	close(fds[0]);
	close(fds[1]);
}

KTEST(jobctl, a_stop_is_not_reported_without_wuntraced)
{
	int fds[2], status = 0;
	pid_t c;

	KT_ASSERT_EQ(pipe(fds), 0);
	c = ticker(fds[1], false);
	KT_EXPECT_EQ(kill(c, SIGSTOP), 0);
	sleep_ms(50);
	KT_EXPECT_EQ(waitpid(c, &status, WNOHANG), 0);
	KT_EXPECT_EQ(waitpid(c, &status, WNOHANG | WCONTINUED), 0);
	KT_EXPECT_EQ(waitpid(c, &status, WNOHANG | WUNTRACED), c);	/* still there */
	KT_EXPECT(WIFSTOPPED(status));
	kill(c, SIGKILL);
	waitpid(c, &status, 0);
	close(fds[0]);
	close(fds[1]);
}

static volatile int chld_code, chld_status, chld_hits;

static void
on_chld(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	chld_hits++;
	chld_code = si->si_code;
	chld_status = si->si_status;
}

static void
catch_chld(int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(SIGCHLD, &sa, NULL);
	chld_hits = chld_code = chld_status = 0;
}

KTEST(jobctl, sigchld_on_stop_and_continue_unless_sa_nocldstop)
{
	int fds[2], status = 0;
	pid_t c;

	KT_ASSERT_EQ(pipe(fds), 0);
	catch_chld(0);
	c = ticker(fds[1], false);
	KT_EXPECT_EQ(kill(c, SIGTSTP), 0);
	KT_EXPECT_EQ(waitpid(c, &status, WUNTRACED), c);
	for (int i = 0; i < 100 && chld_hits == 0; i++)
		sleep_ms(1);
	KT_EXPECT_EQ(chld_hits, 1);
	KT_EXPECT_EQ(chld_code, CLD_STOPPED);
	KT_EXPECT_EQ(chld_status, SIGTSTP);
	KT_EXPECT_EQ(kill(c, SIGCONT), 0);
	for (int i = 0; i < 100 && chld_hits == 1; i++)
		sleep_ms(1);
	KT_EXPECT_EQ(chld_hits, 2);
	KT_EXPECT_EQ(chld_code, CLD_CONTINUED);

	catch_chld(SA_NOCLDSTOP);
	KT_EXPECT_EQ(kill(c, SIGSTOP), 0);
	KT_EXPECT_EQ(waitpid(c, &status, WUNTRACED), c);
	KT_EXPECT_EQ(kill(c, SIGCONT), 0);
	sleep_ms(30);
	KT_EXPECT_EQ(chld_hits, 0);			/* neither the stop nor the continue */
	kill(c, SIGKILL);
	waitpid(c, &status, 0);
	signal(SIGCHLD, SIG_DFL);
	close(fds[0]);
	close(fds[1]);
}

static volatile int tstp_hits;

static void
on_tstp(int sig)
{
	(void)sig;
	tstp_hits++;
}

KTEST(jobctl, caught_or_ignored_stop_signals_do_not_stop)
{
	int status = 0;

	signal(SIGTSTP, on_tstp);
	tstp_hits = 0;
	KT_EXPECT_EQ(raise(SIGTSTP), 0);
	KT_EXPECT_EQ(tstp_hits, 1);			/* the handler ran: no stop */
	signal(SIGTSTP, SIG_IGN);
	KT_EXPECT_EQ(raise(SIGTSTP), 0);		/* dropped */
	signal(SIGTSTP, SIG_DFL);
	KT_EXPECT_EQ(sigaction(SIGSTOP, &(struct sigaction){ .sa_handler = SIG_IGN }, NULL), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	(void)status;
}

/* sleeper: a child that sleeps 200 ms and exits 0 if the sleep answered 0, 1 if not. */
static pid_t
sleeper(void)
{
	pid_t c = fork();

	if (c == 0) {
		struct timespec ts = { 0, 200 * 1000000L };
		_exit(nanosleep(&ts, NULL) == 0 ? 0 : 1);
	}
	return c;
}

KTEST(jobctl, a_call_the_stop_cut_short_starts_again_after_sigcont)
{
	int status = 0;
	pid_t c = sleeper();

	KT_ASSERT(c > 0);
	sleep_ms(30);
	KT_EXPECT_EQ(kill(c, SIGSTOP), 0);
	KT_EXPECT_EQ(waitpid(c, &status, WUNTRACED), c);
	KT_EXPECT(WIFSTOPPED(status));
	sleep_ms(50);
	KT_EXPECT_EQ(kill(c, SIGCONT), 0);
	KT_EXPECT_EQ(waitpid(c, &status, 0), c);	/* WCONTINUED not asked: the exit */
	KT_EXPECT(WIFEXITED(status));
	KT_EXPECT_EQ(WEXITSTATUS(status), 0);		/* no EINTR */
}

KTEST(jobctl, sigcont_continues_even_when_ignored)
{
	int fds[2], status = 0;
	pid_t c;

	KT_ASSERT_EQ(pipe(fds), 0);
	c = fork();
	if (c == 0) {
		signal(SIGCONT, SIG_IGN);
		tick((void *)(intptr_t)fds[1]);
	}
	sleep_ms(30);
	KT_EXPECT_EQ(kill(c, SIGSTOP), 0);
	KT_EXPECT_EQ(waitpid(c, &status, WUNTRACED), c);
	KT_EXPECT_EQ(kill(c, SIGCONT), 0);
	KT_EXPECT_EQ(waitpid(c, &status, WCONTINUED), c);
	KT_EXPECT(WIFCONTINUED(status));
	kill(c, SIGKILL);
	waitpid(c, &status, 0);
	close(fds[0]);
	close(fds[1]);
}

KTEST(jobctl, wait_options_are_checked)
{
	int status;

	errno = 0;
	KT_EXPECT_EQ(waitpid(-1, &status, 0x100), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT_EQ(waitpid(-1, &status, WUNTRACED | WCONTINUED | WNOHANG), -1);
	KT_EXPECT_EQ(errno, ECHILD);
}
