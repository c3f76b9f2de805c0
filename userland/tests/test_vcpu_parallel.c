/*
 * KTAP tests of a process's vCPUs on several CPUs (docs/smp.md, "Processes on several CPUs"):
 * vCPUs spread over the CPUs run ring-3 code at the same instant; a process whose vCPUs compute
 * on other CPUs ends cleanly when it exits or is killed; a fault on another CPU is the process's
 * like any other; a page one vCPU unmaps faults on the vCPU that reads it on another CPU (the
 * TLB shootdown); system calls from another CPU are answered (on the home CPU). Each case skips
 * with one CPU: every one of them would fail or hang on a uniprocessor kernel.
 *
 * Children report by exit status (0: all their checks held; otherwise the number of the check
 * that failed) and end with _exit.
 */
#include <sys/ktest.h>
#include <sys/kstat.h>
#include <sys/syscalls.h>
#include <sys/wait.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cr/thread.h>

#define PAGE		4096
#define CHECK(n, cond)	do { if (!(cond)) _exit(n); } while (0)

static struct kstat
ks(void)
{
	struct kstat k;

	memset(&k, 0, sizeof(k));
	kstat(&k, sizeof(k));
	return k;
}

/* need_cpus: skip unless the kernel runs at least n CPUs. */
#define NEED_CPUS(n)							\
	do {								\
		if (sysconf(_SC_NPROCESSORS_ONLN) < (n))		\
			KT_SKIP("needs " #n " CPUs");			\
	} while (0)

/* -- running at the same instant -------------------------------------------------------------- */

#define ROUNDS		20000
static volatile uint32_t ping, pong;
static volatile int partner_on;

/* echo: on its own vCPU, answer every ping with the same pong; no system call, no yield. */
static void
echo(void *arg)
{
	(void)arg;
	partner_on = 1;
	for (uint32_t i = 1; i <= ROUNDS; i++) {
		while (ping != i)
			__asm__ volatile("pause");
		pong = i;
	}
}

/*
 * 20,000 round trips through two words of shared memory, between the main vCPU and one on
 * another CPU, neither making a system call or yielding: each round trip needs the other vCPU to
 * run while this one waits, so on one CPU each would take a clock tick's preemption (10 ms: 200
 * s in all). Here they must all be done with fewer preemptions than a tenth of the rounds (not
 * timed: a loaded host may stall a CPU's thread for a while; it gives up after 1,000 ticks).
 */
KTEST(vcpu_parallel, two_vcpus_run_ring_3_at_the_same_instant)
{
	struct kstat before, after;
	uint32_t i;

	NEED_CPUS(2);
	ping = pong = 0;
	KT_ASSERT(cr_vcpu_start_on(echo, NULL, 1) > 0);
	while (!partner_on)
		cr_thread_yield();
	before = ks();
	for (i = 1; i <= ROUNDS; i++) {
		ping = i;
		for (uint32_t spins = 0; pong != i; spins++) {
			__asm__ volatile("pause");
			if ((spins & 0xfffff) == 0xfffff && ks().ks_ticks - before.ks_ticks > 1000)
				break;		/* not in parallel: give up, and fail below */
		}
		if (pong != i)
			break;
	}
	after = ks();
	KT_EXPECT_EQ(i, ROUNDS + 1);
	KT_EXPECT(after.ks_preemptions - before.ks_preemptions < ROUNDS / 10);
	ping = ROUNDS + 1;		/* let the partner end, whatever happened */
}

/* -- exit and kill while vCPUs compute elsewhere ---------------------------------------------- */

static volatile uint32_t spinning[8];

/* spin: count, forever, in ring 3 on its vCPU. */
static void
spin(void *arg)
{
	volatile uint32_t *n = arg;

	for (;;)
		(*n)++;
}

/* spinning_child: 3 more vCPUs counting on other CPUs; returns once each has counted. */
static void
spinning_child(void)
{
	int ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);

	for (int v = 0; v < 3; v++)
		CHECK(10 + v, cr_vcpu_start_on(spin, (void *)&spinning[v], 1 + v % (ncpus - 1)) > 0);
	for (int v = 0; v < 3; v++)
		while (spinning[v] == 0)
			;
}

/* exit_child: a child whose three other vCPUs compute elsewhere exits 7; its status. */
static int
exit_child(void)
{
	int status = -1;
	pid_t child;

	if ((child = fork()) == 0) {
		spinning_child();
		exit(7);			/* the other three are in ring 3 on other CPUs */
	}
	if (child < 0 || waitpid(child, &status, 0) != child)
		return -1;
	return status;
}

KTEST(vcpu_parallel, exit_ends_vcpus_computing_on_other_cpus_and_leaks_nothing)
{
	struct kstat before, after;
	int status;

	NEED_CPUS(2);
	status = exit_child();			/* the first: this process's own memory settles */
	KT_EXPECT(WIFEXITED(status));
	KT_EXPECT_EQ(WEXITSTATUS(status), 7);
	before = ks();
	status = exit_child();
	after = ks();
	KT_EXPECT(WIFEXITED(status));
	KT_EXPECT_EQ(WEXITSTATUS(status), 7);
	KT_EXPECT_EQ(after.ks_threads, before.ks_threads);
	KT_EXPECT_EQ(after.ks_procs, before.ks_procs);
	KT_EXPECT_EQ(after.ks_pages_free, before.ks_pages_free);
	KT_EXPECT_EQ(after.ks_kmalloc_in_use, before.ks_kmalloc_in_use);
}

KTEST(vcpu_parallel, kill_ends_vcpus_computing_on_other_cpus)
{
	struct kstat before = ks(), after;
	int status = -1, fds[2];
	pid_t child;
	char c = 0;

	NEED_CPUS(2);
	KT_ASSERT_EQ(pipe(fds), 0);
	if ((child = fork()) == 0) {
		spinning_child();
		write(fds[1], "r", 1);
		spin((void *)&spinning[3]);	/* every vCPU computes */
	}
	KT_ASSERT(child > 0);
	KT_EXPECT_EQ(read(fds[0], &c, 1), 1);
	KT_EXPECT_EQ(kill(child, SIGKILL), 0);
	KT_ASSERT_EQ(waitpid(child, &status, 0), child);
	KT_EXPECT(WIFSIGNALED(status));
	KT_EXPECT_EQ(WTERMSIG(status), SIGKILL);
	close(fds[0]);
	close(fds[1]);
	after = ks();
	KT_EXPECT_EQ(after.ks_threads, before.ks_threads);
	KT_EXPECT_EQ(after.ks_procs, before.ks_procs);
}

/* -- faults on another CPU ---------------------------------------------------------------------- */

static void
write_null(void *arg)
{
	(void)arg;
	*(volatile int *)0 = 1;
}

KTEST(vcpu_parallel, a_fault_on_another_cpu_ends_the_process)
{
	int status = -1;
	pid_t child;

	NEED_CPUS(2);
	if ((child = fork()) == 0) {
		CHECK(1, cr_vcpu_start_on(write_null, NULL, 1) > 0);
		for (;;)
			cr_thread_yield();	/* until the fault ends us */
	}
	KT_ASSERT(child > 0);
	KT_ASSERT_EQ(waitpid(child, &status, 0), child);
	KT_EXPECT(WIFSIGNALED(status));
	KT_EXPECT_EQ(WTERMSIG(status), SIGSEGV);
}

/* -- the TLB shootdown -------------------------------------------------------------------------- */

static volatile uint32_t *reader_page;
static volatile uint32_t reads;

/* reader: read the page for ever on its vCPU, on another CPU: its TLB holds the translation. */
static void
reader(void *arg)
{
	(void)arg;
	while (reader_page == NULL)
		;
	for (;;) {
		(void)reader_page[0];
		reads++;
	}
}

/*
 * A vCPU on another CPU reads a heap page in a loop; the main vCPU gives the page back (sbrk
 * shrinks the heap). The reader's next read must fault (SIGSEGV ends the child): without the
 * shootdown its TLB would go on translating to the freed page, and the child would end 0.
 */
KTEST(vcpu_parallel, a_page_unmapped_by_one_vcpu_faults_on_another_cpu)
{
	int status = -1;
	pid_t child;

	NEED_CPUS(2);
	if ((child = fork()) == 0) {
		CHECK(2, cr_vcpu_start_on(reader, NULL, 1) > 0);	/* it waits for the page */
		char *top = sbrk(0);
		char *page = (char *)(((uintptr_t)top + PAGE - 1) & ~(uintptr_t)(PAGE - 1));
		CHECK(1, sbrk((page - top) + PAGE) != (void *)-1);	/* the heap's last page */
		((volatile uint32_t *)page)[0] = 42;
		reader_page = (volatile uint32_t *)page;
		while (reads < 1000)
			;
		CHECK(3, sbrk(-PAGE) != (void *)-1);	/* unmapped: the reader must fault now */
		uint32_t seen = reads;
		struct kstat k0 = ks();
		while (ks().ks_ticks - k0.ks_ticks < 200)
			;
		_exit(reads == seen ? 4 : 5);	/* not reached: the fault ended the process */
	}
	KT_ASSERT(child > 0);
	KT_ASSERT_EQ(waitpid(child, &status, 0), child);
	KT_EXPECT(WIFSIGNALED(status));
	KT_EXPECT_EQ(WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), SIGSEGV);
}

/* -- placement ------------------------------------------------------------------------------------ */

KTEST(vcpu_parallel, rfork_places_a_vcpu_on_the_cpu_asked_and_refuses_others)
{
	int ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);

	KT_EXPECT(ncpus >= 1);
	KT_EXPECT_EQ(cr_vcpu_add_on(ncpus), -1);		/* no such CPU */
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT_EQ(cr_vcpu_add_on(255), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT(cr_vcpu_add_on(ncpus - 1) > 0);		/* the last CPU there is */
}

/* -- system calls from another CPU -------------------------------------------------------------- */

static volatile int calls_ok, calls_done;

/* caller: on its vCPU (another CPU), system calls whose answers it can check. */
static void
caller(void *arg)
{
	int fds[2], ok = 1;
	char buf[4];

	(void)arg;
	for (int i = 0; i < 200 && ok; i++) {
		ok = getpid() > 0 && pipe(fds) == 0 && write(fds[1], "abc", 3) == 3 &&
		    read(fds[0], buf, 3) == 3 && memcmp(buf, "abc", 3) == 0 && close(fds[0]) == 0 &&
		    close(fds[1]) == 0;
	}
	calls_ok = ok;
	calls_done = 1;
}

KTEST(vcpu_parallel, system_calls_from_another_cpu_are_answered)
{
	struct kstat before = ks();

	NEED_CPUS(2);
	calls_ok = calls_done = 0;
	KT_ASSERT(cr_vcpu_start_on(caller, NULL, 1) > 0);
	while (!calls_done)
		cr_thread_yield();
	KT_EXPECT(calls_ok);
	KT_EXPECT(ks().ks_vcpu_moves - before.ks_vcpu_moves >= 200);	/* made there, run home */
}
