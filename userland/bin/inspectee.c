/*
 * inspectee: a process in a known state, for `invoke inspect` and its tests. It leaves two
 * asynchronous calls in flight (a read of an empty pipe, a one-hour sleep), starts a second vCPU
 * with a user thread on it that reads another empty pipe (threaded now, so that read is an
 * asynchronous call that parks only its thread), prints what it made and the kernel's counters
 * (kstat) on one line, then reads a line from the console, parking the main thread too: both
 * vCPUs then wait idle in the kernel (waitport). When a line comes, it exits: exit aborts and
 * reclaims the calls still in flight.
 */
#include <sys/kstat.h>
#include <cr/sysport.h>
#include <cr/thread.h>
#include <stdio.h>
#include <unistd.h>

#define READ_TAG	0x1d5e	/* the tag of the asynchronous read, to find it again */

static int vcpu_pipe[2];
static volatile int vcpu_reading;
static cr_thread_t vcpu_td;		/* the user thread on vCPU 1, printed for the uthreads view */
static char vcpu_buf[16];

/* vcpu_main: a user thread on the second vCPU reads a pipe nobody writes, and parks. */
static void
vcpu_main(void *arg)
{
	(void)arg;
	vcpu_td = cr_thread_self();
	vcpu_reading = 1;
	read(vcpu_pipe[0], vcpu_buf, sizeof(vcpu_buf));
}

int
main(void)
{
	static struct read_msg rd;
	static struct sleep_ns_msg sl;
	static char buf[32], line[8];
	int pfd[2], vcpu;
	struct kstat ks;

	if (pipe(pfd) != 0 || pipe(vcpu_pipe) != 0) {
		printf("inspectee: pipe failed\n");
		return 1;
	}
	cr_read_msg(&rd, pfd[0], buf, sizeof(buf));
	rd.hdr.ms_tag = READ_TAG;
	lwkt_sendmsg(cr_syscall_port, &rd.hdr);
	cr_sleep_ns_msg(&sl, 3600ull * 1000000000ull);
	lwkt_sendmsg(cr_syscall_port, &sl.hdr);
	if ((vcpu = cr_vcpu_start(vcpu_main, NULL)) < 0) {
		printf("inspectee: rfork failed\n");
		return 1;
	}
	while (!vcpu_reading)
		sched_yield();
	usleep(20000);		/* the vCPU runs meanwhile and blocks in its read */
	kstat(&ks, sizeof(ks));
	printf("INSPECTEE pid=%d read_msg=%#x read_fd=%d read_len=%u tag=%#x sleep_msg=%#x vcpu_fd=%d "
	    "main_td=%#x vcpu_td=%#x vcpu=%d pages_free=%u kmalloc_in_use=%u threads=%u procs=%u pipes=%u "
	    "outstanding=%u\n",
	    getpid(), (unsigned)&rd, pfd[0], (unsigned)sizeof(buf), READ_TAG, (unsigned)&sl,
	    vcpu_pipe[0], (unsigned)cr_thread_self(), (unsigned)vcpu_td, vcpu, ks.ks_pages_free,
	    ks.ks_kmalloc_in_use, ks.ks_threads, ks.ks_procs, ks.ks_pipes, ks.ks_sysmsg_outstanding);
	read(0, line, sizeof(line));
	printf("inspectee: done\n");
	return 0;
}
