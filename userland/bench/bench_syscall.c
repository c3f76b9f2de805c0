/*
 * In-guest benchmarks of system-call messaging and user threads (../shared/BENCHMARKS.md): the
 * null call sync, async one at a time and in batches, through the ring, two processes
 * ping-ponging through pipes, fork-exit-wait, and the user-thread switch and port round trip. Each prints a BENCH line (see kernel/include/sys/kbench.h for the protocol); argv[1]
 * is a glob that selects benchmarks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/kbench.h>
#include <sys/ktest.h>
#include <sys/ring.h>
#include <sys/sysmsg.h>
#include <sys/wait.h>
#include <cr/ring.h>
#include <cr/sysport.h>
#include <cr/thread.h>

#define ROUNDS	10000

static inline uint64_t
rdtsc(void)
{
	uint64_t v;

	__asm__ volatile("rdtsc" : "=A"(v));
	return v;
}

/* empty: the cost of the benchmark loop itself, n times. */
static uint64_t
empty(uint32_t n)
{
	uint64_t t0 = rdtsc();

	for (uint32_t i = 0; i < n; i++)
		__asm__ volatile("" ::: "memory");
	return rdtsc() - t0;
}

static void
report(const char *name, uint32_t iterations, uint64_t insns, uint64_t baseline)
{
	printf("BENCH %s iterations=%u insns=%llu baseline=%llu\n", name, iterations,
	    (unsigned long long)insns, (unsigned long long)baseline);
}

/*
 * TIME_CALLS: name's figure: call, 100 times to warm up, then ROUNDS times timed. A macro, so
 * the timed loop makes the very call written (no call through a pointer).
 */
#define TIME_CALLS(name, call)	do {					\
	for (int i_ = 0; i_ < 100; i_++)				\
		call;							\
	uint64_t t0_ = kbench_start();					\
	for (int i_ = 0; i_ < ROUNDS; i_++)				\
		call;							\
	uint64_t t1_ = kbench_stop();					\
	report(name, ROUNDS, t1_ - t0_, empty(ROUNDS));			\
} while (0)

static void
null_sync(const char *name)
{
	TIME_CALLS(name, cr_null());
}

/* getpid_sync: getpid as a synchronous message (Linux: getpid through int $0x80). */
static void
getpid_sync(const char *name)
{
	TIME_CALLS(name, getpid());
}

/*
 * null_async_one: an async null message sent and reaped, one per trap: lwkt_sendmsg (the kernel
 * answers at once; sendmsg replies it to the reply port, as the contract says) and
 * lwkt_waitport.
 */
static void
null_async_one(const char *name)
{
	struct null_msg m;

	cr_null_msg(&m);
	for (int r = -10; r < ROUNDS; r++) {
		static uint64_t t0;
		if (r == 0)
			t0 = kbench_start();
		lwkt_sendmsg(cr_syscall_port, &m.hdr);
		lwkt_waitport(&cr_reply_port, 0);
		if (r == ROUNDS - 1)
			report(name, ROUNDS, kbench_stop() - t0, empty(ROUNDS));
	}
}

/*
 * null_async_batch: batch async null messages per trap (cr_submit); each is answered at once and
 * complete in place, collected with lwkt_waitmsg where it is. The messages are reused, as
 * completed messages may be.
 */
static void
null_async_batch(const char *name, int batch)
{
	static struct null_msg msgs[128];
	static lwkt_msg_t v[128];
	int rounds = ROUNDS / batch;

	for (int i = 0; i < batch; i++) {
		cr_null_msg(&msgs[i]);
		v[i] = &msgs[i].hdr;
	}
	for (int r = -10; r < rounds; r++) {
		static uint64_t t0;
		if (r == 0)
			t0 = kbench_start();
		cr_submit(v, batch);
		for (int i = 0; i < batch; i++)
			lwkt_waitmsg(v[i], 0);
		if (r == rounds - 1)
			report(name, rounds * batch, kbench_stop() - t0, empty(rounds));
	}
}

/*
 * null_shim: the null call answered by a user-level shim port in front of the kernel port: the
 * stub's message goes to the shim, which answers SYS_null itself; no trap at all.
 */
static struct lwkt_port null_shim_port;

static int
null_shim_put(lwkt_port_t port, lwkt_msg_t msg)
{
	(void)port;
	if (msg->ms_cmd == SYS_null)
		return 0;
	return cr_kernel_port.mp_putport(&cr_kernel_port, msg);
}

static void
null_shim(const char *name)
{
	lwkt_initport_putonly(&null_shim_port, null_shim_put);
	cr_syscall_port = &null_shim_port;
	TIME_CALLS(name, cr_null());
	cr_syscall_port = &cr_kernel_port;
}

/* null_ring: 32 messages a round through the shared ring, reaped from the completion queue. */
static void
null_ring(const char *name)
{
	static struct null_msg msgs[32];
	struct ring_shared *rs = __sys_ring_setup(64, 0);
	int rounds = ROUNDS / 32;

	if (rs == (void *)-1) {
		printf("BENCH-ERROR %s ring_setup failed\n", name);
		return;
	}
	uint32_t *sq = (uint32_t *)((char *)rs + rs->sq_off), *cq = (uint32_t *)((char *)rs + rs->cq_off);
	uint64_t t0 = 0;
	for (int r = -10; r < rounds; r++) {
		if (r == 0)
			t0 = kbench_start();
		for (int i = 0; i < 32; i++) {
			msgs[i].hdr.ms_cmd = SYS_null;
			msgs[i].hdr.ms_flags = MSGF_ASYNC;
			sq[rs->sq_tail++ & rs->mask] = (uint32_t)&msgs[i];
		}
		__sys_ring_enter(32, 32, 0);
		while (rs->cq_head != rs->cq_tail)
			(void)cq[rs->cq_head++ & rs->mask];
	}
	report(name, rounds * 32, kbench_stop() - t0, empty(rounds));
}

/* pipe_pingpong: a byte to a child and back through two pipes; one way is half a round. */
/*
 * pipe_rounds: a byte out on wfd and back on rfd (a partner echoes it), warmup times, then rounds
 * times timed; answers the guest instructions of the timed rounds.
 */
static uint64_t
pipe_rounds(int wfd, int rfd, int warmup, int rounds)
{
	char c = 'x';

	for (int i = 0; i < warmup; i++) {
		write(wfd, &c, 1);
		read(rfd, &c, 1);
	}
	uint64_t t0 = kbench_start();
	for (int i = 0; i < rounds; i++) {
		write(wfd, &c, 1);
		read(rfd, &c, 1);
	}
	return kbench_stop() - t0;
}

static void
pipe_pingpong(const char *name)
{
	int to[2], from[2], status;
	char a[8], b[8];

	pipe(to);
	pipe(from);
	snprintf(a, sizeof(a), "%d", to[0]);
	snprintf(b, sizeof(b), "%d", from[1]);
	char *argv[] = { "pipe_echo", a, b, NULL };
	pid_t pid = spawnv("/bin/pipe_echo", argv);
	if (pid < 0) {
		printf("BENCH-ERROR %s cannot spawn /bin/pipe_echo\n", name);
		return;
	}
	uint64_t insns = pipe_rounds(to[1], from[0], 100, ROUNDS);
	close(to[1]);			/* the child sees end of file and exits */
	waitpid(pid, &status, 0);
	report(name, 2 * ROUNDS, insns, empty(ROUNDS));
}

/* fork_round: fork, the child _exits at once, the parent waits for it; 0, or -1 on a failure. */
static int
fork_round(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	return pid > 0 && waitpid(pid, &status, 0) == pid ? 0 : -1;
}

/*
 * fork_exit_wait: a process's whole life per round (fork_round). The address space is shared
 * copy-on-write, and each side copies the few pages it writes (its stack, libcr's data) before
 * the child goes.
 */
static void
fork_exit_wait(const char *name)
{
	enum { FORKS = 1000 };
	int failed = 0;

	for (int i = 0; i < 10; i++)
		failed |= fork_round();
	uint64_t t0 = kbench_start();
	for (int i = 0; i < FORKS; i++)
		failed |= fork_round();
	uint64_t t1 = kbench_stop();
	if (failed)
		printf("BENCH-ERROR %s fork or wait failed\n", name);
	else
		report(name, FORKS, t1 - t0, empty(FORKS));
}

static int parked_fds[2];

/* parked: a thread that parks in a read of an empty pipe until the benchmark ends. */
static void *
parked(void *arg)
{
	char c;

	(void)arg;
	read(parked_fds[0], &c, 1);
	return NULL;
}

/*
 * null_sync_threaded: syscall.null.sync from a program with 3 user threads, 2 of them parked in
 * blocking calls: a call answered at once must cost what it costs unthreaded.
 */
static void
null_sync_threaded(const char *name)
{
	cr_thread_t td[2];

	pipe(parked_fds);
	for (int i = 0; i < 2; i++)
		cr_thread_create(&td[i], parked, NULL, CR_PRI_DEFAULT, "parked");
	cr_thread_yield();		/* both run and park */
	TIME_CALLS(name, cr_null());
	write(parked_fds[1], "xx", 2);
	for (int i = 0; i < 2; i++)
		cr_thread_join(td[i], NULL);
	close(parked_fds[0]);
	close(parked_fds[1]);
}

static void *
yielder(void *arg)
{
	for (int i = 0; i < (int)(intptr_t)arg; i++)
		cr_thread_yield();
	return NULL;
}

/* uthread_switch: the main thread and a partner yield to each other; each yield is a switch. */
static void
uthread_switch(const char *name)
{
	cr_thread_t td;

	cr_thread_create(&td, yielder, (void *)(ROUNDS + 100), CR_PRI_DEFAULT, "yielder");
	for (int i = 0; i < 100; i++)
		cr_thread_yield();
	uint64_t t0 = kbench_start();
	for (int i = 0; i < ROUNDS; i++)
		cr_thread_yield();
	uint64_t t1 = kbench_stop();
	cr_thread_join(td, NULL);
	report(name, 2 * ROUNDS, t1 - t0, empty(ROUNDS));
}

/* echo: the partner of the ping-pongs, a server's loop: each reply and the next wait in one call. */
static void *
echo(void *arg)
{
	lwkt_port_t port = &cr_thread_self()->td_msgport;
	lwkt_msg_t msg = lwkt_waitport(port, 0);

	for (int i = 1; i < (int)(intptr_t)arg; i++)
		msg = lwkt_replywait(msg, 0, port);
	lwkt_replymsg(msg, 0);
	return NULL;
}

/*
 * pingpong_with: messages to a thread running partner (an echo), warm-up, then rounds of them,
 * one way each; the partner is joined.
 */
static void
pingpong_with(const char *name, void *(*partner)(void *), int warmup, int rounds)
{
	cr_thread_t td;
	struct lwkt_msg m;

	cr_thread_create(&td, partner, (void *)(intptr_t)(warmup + rounds), CR_PRI_DEFAULT, "echo");
	lwkt_initmsg(&m, &cr_thread_self()->td_msgport, 0);
	for (int i = 0; i < warmup; i++)
		lwkt_domsg(&td->td_msgport, &m, 0);
	uint64_t t0 = kbench_start();
	for (int i = 0; i < rounds; i++)
		lwkt_domsg(&td->td_msgport, &m, 0);
	uint64_t t1 = kbench_stop();
	cr_thread_join(td, NULL);
	report(name, 2 * rounds, t1 - t0, empty(rounds));
}

/* uthread_pingpong: a message to another user thread's port and back (lwkt_domsg). */
static void
uthread_pingpong(const char *name)
{
	pingpong_with(name, echo, 100, ROUNDS);
}

static void *
nothing(void *arg)
{
	return arg;
}

/* uthread_create_join: a thread made, run to its end and joined (stack and TLS reused). */
static void
uthread_create_join(const char *name)
{
	cr_thread_t td;
	int rounds = ROUNDS / 10;

	for (int i = 0; i < 10; i++) {
		cr_thread_create(&td, nothing, NULL, CR_PRI_DEFAULT, "nothing");
		cr_thread_join(td, NULL);
	}
	uint64_t t0 = kbench_start();
	for (int i = 0; i < rounds; i++) {
		cr_thread_create(&td, nothing, NULL, CR_PRI_DEFAULT, "nothing");
		cr_thread_join(td, NULL);
	}
	uint64_t t1 = kbench_stop();
	report(name, rounds, t1 - t0, empty(rounds));
}

static int pp_a[2], pp_b[2];

/* pipe_partner: read a byte from pp_a and send it back on pp_b, n times. */
static void *
pipe_partner(void *arg)
{
	char c;

	for (int i = 0; i < (int)(intptr_t)arg; i++) {
		read(pp_a[0], &c, 1);
		write(pp_b[1], &c, 1);
	}
	return NULL;
}

/*
 * uthread_park_wake: two user threads of one process ping-pong a byte through two pipes. Each
 * read finds its pipe empty, so the call answers EASYNC and parks its thread; the other's write
 * completes it in the kernel, and the idle vCPU collects the completion (waitport) and wakes the
 * reader. One operation: one write, one parked read, its delivery and the wake.
 */
static void
uthread_park_wake(const char *name)
{
	cr_thread_t td;
	int rounds = ROUNDS / 5;

	pipe(pp_a);
	pipe(pp_b);
	cr_thread_create(&td, pipe_partner, (void *)(intptr_t)(rounds + 10), CR_PRI_DEFAULT, "partner");
	uint64_t insns = pipe_rounds(pp_a[1], pp_b[0], 10, rounds);
	cr_thread_join(td, NULL);
	report(name, 2 * rounds, insns, empty(rounds));
}

static void *
far_echo(void *arg)
{
	cr_thread_migrate(1);
	return echo(arg);
}

/*
 * uthread_pingpong_cross_vcpu: uthread.port.pingpong with the partner on another vCPU: each
 * message wakes an idle vCPU (vcpu_wake) and each side waits in the kernel for the other
 * (waitport). Last: from here on the program has two vCPUs and takes the scheduler lock.
 */
static void
uthread_pingpong_cross_vcpu(const char *name)
{
	if (cr_vcpu_add() == 1)
		pingpong_with(name, far_echo, 10, ROUNDS / 10);
}

enum { KPOLL_MSGS = 1024 };	/* more than a ring's two queues hold: none is reused in flight */

/*
 * kpoll_calls: n null calls through the polled ring r, messages taken round robin from msgs: the
 * submission queue kept full, completions reaped as they come, no trap (cr_ring_submit traps
 * only to wake a sleeping thread). When it can neither push nor reap it pauses (`pause`: QEMU
 * then lets the other CPU run, where the polling thread takes the queue).
 */
static void
kpoll_calls(struct cr_ring *r, struct null_msg *msgs, uint32_t n)
{
	struct null_msg *m = msgs, *end = msgs + KPOLL_MSGS;
	uint32_t sent = 0, done = 0;

	while (done < n) {
		uint32_t before = sent + done;
		while (sent < n && cr_ring_push(r, &m->hdr)) {
			sent++;
			if (++m == end)
				m = msgs;
		}
		cr_ring_submit(r);
		while (cr_ring_reap(r) != NULL)
			done++;
		if (sent + done == before)
			__asm__ volatile("pause");
	}
}

/* null_ring_kpoll_run: the benchmark on the polled ring r; 0, or 1 after a BENCH-ERROR line. */
static int
null_ring_kpoll_run(struct cr_ring *r, const char *name)
{
	struct null_msg *msgs;

	/* The heap, not the program's data: every fork of later benchmarks would share the pages. */
	if ((msgs = malloc(KPOLL_MSGS * sizeof(*msgs))) == NULL) {
		printf("BENCH-ERROR %s no memory\n", name);
		return 1;
	}
	for (int i = 0; i < KPOLL_MSGS; i++)
		cr_null_msg(&msgs[i]);
	kpoll_calls(r, msgs, 1000);			/* warm-up */
	/* Counted on the submitting CPU alone (docs/smp.md): this process's vCPU 0 runs on CPU 0,
	 * the polling thread on CPU 1. No baseline is taken off: an empty loop timed here would
	 * count the polling thread's instructions too (the TSC is every CPU's), so the figure
	 * includes this loop's own few instructions a call. */
	uint64_t t0 = kbench_start_percpu();
	kpoll_calls(r, msgs, ROUNDS);
	uint64_t t1 = kbench_stop_percpu();
	printf("BENCH %s iterations=%u insns=%llu baseline=0 cpu=0\n", name, ROUNDS,
	    (unsigned long long)(t1 - t0));
	return 0;
}

/*
 * null_ring_kpoll: null calls through a polled ring (RING_SETUP_KPOLL: docs/smp.md). One CPU:
 * ring_setup answers ENOTSUP and there is no line. A process has one ring: when this one has
 * syscall.null.ring's already (EEXIST), a child runs it. Its figure counts both CPUs' guest
 * instructions (the TSC under -icount); the submitting CPU's share is measured per CPU
 * (docs/smp.md, "The kernel-polled ring").
 */
static void
null_ring_kpoll(const char *name)
{
	struct cr_ring r;
	int status;

	if (cr_ring_setup(&r, 256, CR_RING_KPOLL) == 0) {
		null_ring_kpoll_run(&r, name);
		return;
	}
	if (errno == ENOTSUP)
		return;				/* one CPU: no polled ring, no line */
	if (errno != EEXIST) {
		printf("BENCH-ERROR %s ring_setup failed\n", name);
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int error = cr_ring_setup(&r, 256, CR_RING_KPOLL) != 0 ||
		    null_ring_kpoll_run(&r, name) != 0;
		fflush(stdout);
		_exit(error);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		printf("BENCH-ERROR %s fork, wait or ring_setup failed\n", name);
}

int
main(int argc, char **argv)
{
	const char *glob = argc > 1 ? argv[1] : "*";

	if (glob_match(glob, "syscall.null.sync"))
		null_sync("syscall.null.sync");
	if (glob_match(glob, "syscall.getpid.sync"))
		getpid_sync("syscall.getpid.sync");
	if (glob_match(glob, "syscall.null.async.batch1"))
		null_async_one("syscall.null.async.batch1");
	if (glob_match(glob, "syscall.null.async.batch8"))
		null_async_batch("syscall.null.async.batch8", 8);
	if (glob_match(glob, "syscall.null.async.batch32"))
		null_async_batch("syscall.null.async.batch32", 32);
	if (glob_match(glob, "syscall.null.async.batch128"))
		null_async_batch("syscall.null.async.batch128", 128);
	if (glob_match(glob, "syscall.null.shim"))
		null_shim("syscall.null.shim");
	if (glob_match(glob, "syscall.null.ring"))
		null_ring("syscall.null.ring");
	if (glob_match(glob, "syscall.null.ring.kpoll"))
		null_ring_kpoll("syscall.null.ring.kpoll");
	if (glob_match(glob, "proc.pipe.pingpong"))
		pipe_pingpong("proc.pipe.pingpong");
	if (glob_match(glob, "proc.fork_exit_wait"))
		fork_exit_wait("proc.fork_exit_wait");
	/* Last: once a second thread exists, every call takes the threaded (async) path. */
	if (glob_match(glob, "syscall.null.sync.threaded"))
		null_sync_threaded("syscall.null.sync.threaded");
	if (glob_match(glob, "uthread.switch"))
		uthread_switch("uthread.switch");
	if (glob_match(glob, "uthread.port.pingpong"))
		uthread_pingpong("uthread.port.pingpong");
	if (glob_match(glob, "uthread.create_join"))
		uthread_create_join("uthread.create_join");
	if (glob_match(glob, "uthread.async.park_wake"))
		uthread_park_wake("uthread.async.park_wake");
	if (glob_match(glob, "uthread.port.pingpong.cross_vcpu"))
		uthread_pingpong_cross_vcpu("uthread.port.pingpong.cross_vcpu");
	return 0;
}
