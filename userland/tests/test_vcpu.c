/* KTAP tests of virtual CPUs: rfork makes another kernel-scheduled context of the process. */
#include <sys/ktest.h>
#include <sys/kstat.h>
#include <sys/wait.h>
#include <cr/thread.h>
#include <cr/tls.h>
#include <errno.h>
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

static int
run(char *arg, int do_kill)
{
	char *argv[] = { "vcpuspin", arg, NULL };
	int status = -1;

	pid_t pid = spawnv("/bin/vcpuspin", argv);
	if (pid < 0)
		return -1;
	if (do_kill) {
		for (int i = 0; i < 20; i++)
			__sys_sleep_ns(10000000ull);	/* let both vCPUs get going */
		kill(pid, 9);
	}
	waitpid(pid, &status, 0);
	return status;
}

KTEST(vcpu, exit_ends_every_vcpu_and_leaks_nothing)
{
	struct kstat before, after;

	kstat(&before, sizeof(before));
	KT_EXPECT_EQ(run(NULL, 0), 0);		/* main returns while the other vCPU computes */
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
	KT_EXPECT_EQ(run("stay", 1), 137);
	kstat(&after, sizeof(after));
	KT_EXPECT_EQ(after.ks_threads, before.ks_threads);
	KT_EXPECT_EQ(after.ks_pages_free, before.ks_pages_free);
}
