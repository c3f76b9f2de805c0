/*
 * KTAP tests of the upcall mechanism itself (docs/upcalls.md), below <signal.h>: registration,
 * the frame's context and message, upcall_resume restoring what the context says, pokes to this
 * vCPU and to an idle one, an upcall taken by a vCPU computing in ring 3, and the kernel's
 * answers to bad entries, areas and contexts. The case with a second vCPU comes last.
 */
#include <sys/ktest.h>
#include <sys/errno.h>
#include <sys/wait.h>
#include <abi/upcall.h>
#include <cr/sched.h>
#include <cr/thread.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int poked, poked_from = -1, poked_on = -1;

static void
poke_hook(int from)
{
	poked++;
	poked_from = from;
	poked_on = cr_vcpu_self();
}

static int
wait_status(pid_t c)
{
	int status = -1;

	if (c < 0 || waitpid(c, &status, 0) != c)
		return -1;
	return status;
}

KTEST(upcall, register_answers_the_vcpu_id)
{
	struct upcall_area *area = &cr_vcpus[0].vc_upcall;

	area->ua_vcpu = 99;
	KT_EXPECT_EQ(__sys_upcall_register((uint32_t)cr_upcall_entry, (uint32_t)area), 0);
	KT_EXPECT_EQ(area->ua_vcpu, 0);
	errno = 0;
	KT_EXPECT_EQ(__sys_upcall_register((uint32_t)cr_upcall_entry, (uint32_t)area + 2), -1);
	KT_EXPECT_EQ(errno, EINVAL);			/* misaligned */
	KT_EXPECT_EQ(__sys_upcall_register((uint32_t)cr_upcall_entry, (uint32_t)area), 0);	/* as before */
}

KTEST(upcall, a_poke_enters_the_entry_before_the_call_returns)
{
	uint32_t before = cr_vcpus[0].vc_upcall.ua_upcalls;

	cr_upcall_poke_hook = poke_hook;
	poked = 0;
	KT_EXPECT_EQ(__sys_upcall_poke(0), 0);
	KT_EXPECT_EQ(poked, 1);
	KT_EXPECT_EQ(poked_from, 0);
	KT_EXPECT_EQ(cr_vcpus[0].vc_upcall.ua_upcalls, before + 1);	/* the kernel counts it */
	cr_upcall_poke_hook = NULL;
}

static volatile unsigned int seen_flags, seen_eax, seen_mask;

static void
rewrite_answer(int sig, siginfo_t *si, void *ctx)
{
	struct upcall_ctx *c = ctx;

	(void)sig;
	(void)si;
	seen_flags = c->uc_flags;
	seen_eax = c->uc_eax;
	seen_mask = c->uc_sigmask;
	c->uc_eax = EAGAIN;		/* the interrupted call now answers this */
}

KTEST(upcall, resume_restores_what_the_context_says)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = rewrite_answer;
	sa.sa_flags = SA_SIGINFO;
	KT_ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	errno = 0;
	KT_EXPECT_EQ(raise(SIGUSR1), -1);		/* kill answered 0; the context says EAGAIN */
	KT_EXPECT_EQ(errno, EAGAIN);
	KT_EXPECT_EQ(seen_flags & UCF_SYSCALL, UCF_SYSCALL);
	KT_EXPECT_EQ(seen_eax, 0);
	KT_EXPECT_EQ(seen_mask, 0);
	signal(SIGUSR1, SIG_DFL);
}

KTEST(upcall, bad_contexts_and_entries_are_refused)
{
	errno = 0;
	KT_EXPECT_EQ(__sys_upcall_resume((void *)0x1000), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	errno = 0;
	KT_EXPECT_EQ(__sys_upcall_register(0xc0000000u, (uint32_t)&cr_vcpus[0].vc_upcall), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	errno = 0;
	KT_EXPECT_EQ(__sys_upcall_poke(-1), -1);
	KT_EXPECT_EQ(errno, EINVAL);
}

static void
exit_42(int sig)
{
	(void)sig;
	_exit(42);
}

KTEST(upcall, a_vcpu_computing_in_ring_3_takes_it_at_a_tick)
{
	struct timespec ts = { 0, 30 * 1000000L };
	pid_t c;

	c = fork();
	if (c == 0) {
		signal(SIGUSR1, exit_42);
		for (;;)
			__asm__ volatile("" ::: "memory");	/* no call: only a tick reaches it */
	}
	KT_ASSERT(c > 0);
	nanosleep(&ts, NULL);
	KT_EXPECT_EQ(kill(c, SIGUSR1), 0);
	int status = wait_status(c);
	KT_EXPECT(WIFEXITED(status));
	KT_EXPECT_EQ(WEXITSTATUS(status), 42);
	c = fork();
	if (c == 0)
		for (;;)
			__asm__ volatile("" ::: "memory");
	nanosleep(&ts, NULL);
	kill(c, SIGTERM);				/* default: terminate */
	status = wait_status(c);
	KT_EXPECT(WIFSIGNALED(status));
	KT_EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

static void
unregistered_handler(void)
{
	signal(SIGUSR1, exit_42);
	__sys_upcall_register(0, 0);		/* no entry: the handler cannot be entered */
	raise(SIGUSR1);
	_exit(1);
}

KTEST(upcall, a_handler_with_no_entry_ends_the_process)
{
	pid_t c = fork();

	if (c == 0)
		unregistered_handler();
	int status = wait_status(c);
	KT_EXPECT(WIFSIGNALED(status));
	KT_EXPECT_EQ(WTERMSIG(status), SIGSEGV);	/* with a report on the console */
}

/*
 * A vCPU whose stack pointer is no user address (here: in the kernel's half) when a signal with
 * a handler comes: the kernel cannot push the frame, reports it and ends the process (SIGSEGV).
 */
KTEST(upcall, no_room_for_the_frame_ends_the_process_not_the_kernel)
{
	struct timespec ts = { 0, 30 * 1000000L };
	pid_t c = fork();

	if (c == 0) {
		signal(SIGUSR1, exit_42);
		__asm__ volatile("movl $0x1000, %%esp\n1:\tjmp 1b" ::: "memory");
	}
	KT_ASSERT(c > 0);
	nanosleep(&ts, NULL);
	KT_EXPECT_EQ(kill(c, SIGUSR1), 0);
	int status = wait_status(c);
	KT_EXPECT(WIFSIGNALED(status));
	KT_EXPECT_EQ(WTERMSIG(status), SIGSEGV);
}

KTEST(upcall, a_poke_wakes_an_idle_vcpu)
{
	int v = cr_vcpu_add();
	struct timespec ts = { 0, 1000000L };

	KT_ASSERT(v > 0);
	cr_upcall_poke_hook = poke_hook;
	poked = 0;
	for (int i = 0; i < 500 && cr_vcpus[v].vc_upcall.ua_vcpu == 0; i++)
		nanosleep(&ts, NULL);		/* until its idle thread has registered (ESRCH before) */
	KT_EXPECT_EQ(__sys_upcall_poke(cr_vcpus[v].vc_id), 0);
	for (int i = 0; i < 500 && poked == 0; i++)
		nanosleep(&ts, NULL);
	KT_EXPECT_EQ(poked, 1);
	KT_EXPECT_EQ(poked_on, v);			/* entered on that vCPU, from this one */
	KT_EXPECT_EQ(poked_from, 0);
	cr_upcall_poke_hook = NULL;
}
