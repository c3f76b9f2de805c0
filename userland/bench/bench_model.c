/*
 * The two threading models compared (docs/dillon-vs-kse.md): the same workloads, run once in
 * Dillon's model (bench_model) and once in Elischer's (bench_model@kse: CR_SCHED=kse), each
 * figure named model.dillon.NAME or model.kse.NAME, in guest instructions per operation (BENCH
 * lines: kernel/include/shared/sys/kbench.h). Every workload runs on one vCPU:
 *
 *   null          a call that never waits, in a threaded program
 *   block_wake    two threads ping-pong a byte through two pipes: each read blocks and is woken
 *   readers12     16 readers parked on 16 pipes, one writer: per reader woken (and its ack)
 *   compute_io    a compute thread and 4 I/O threads: per chunk of computing, one I/O wake
 *   server100     100 worker threads, a dispatcher: per request (request, work, reply)
 *
 * It also prints the kernel memory a blocked call holds, from kstat (KSTAT lines: pages and
 * kmalloc objects, with 12 readers blocked).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/kbench.h>
#include <sys/kstat.h>
#include <sys/ktest.h>
#include <cr/sysport.h>
#include <cr/thread.h>

static const char *model;

/*
 * banner: what runs, first in the file: it also keeps this program's timed rdtsc instructions at
 * other addresses than bench_syscall's (the profiler finds a benchmark's window by address).
 */
static void
banner(const char *glob)
{
	printf("# bench_model: the %s model, benchmarks matching %s\n",
	    cr_kse ? "KSE" : "Dillon", glob);
}

static inline uint64_t
rdtsc(void)
{
	uint64_t v;

	__asm__ volatile("rdtsc" : "=A"(v));
	return v;
}

static uint64_t
empty(uint32_t n)
{
	uint64_t t0 = rdtsc();

	for (uint32_t i = 0; i < n; i++)
		__asm__ volatile("" ::: "memory");
	return rdtsc() - t0;
}

static void
report(const char *what, uint32_t iterations, uint64_t insns, uint64_t baseline)
{
	printf("BENCH model.%s.%s iterations=%u insns=%llu baseline=%llu\n", model, what,
	    iterations, (unsigned long long)insns, (unsigned long long)baseline);
}

static bool
wanted(const char *glob, const char *what)
{
	char name[64];

	snprintf(name, sizeof(name), "model.%s.%s", model, what);
	return glob_match(glob, name);
}

/* -- null ---------------------------------------------------------------------------------- */

static void *
idle_partner(void *arg)
{
	return arg;
}

/* null: cr_null with a second thread made (so Dillon's stubs send MSGF_ASYNC). */
static void
null_call(void)
{
	enum { N = 5000 };
	cr_thread_t td;

	cr_thread_create(&td, idle_partner, NULL, CR_PRI_DEFAULT, "partner");
	cr_thread_join(td, NULL);
	for (int i = 0; i < 100; i++)
		cr_null();
	uint64_t t0 = kbench_start();
	for (int i = 0; i < N; i++)
		cr_null();
	uint64_t t1 = kbench_stop();
	report("null", N, t1 - t0, empty(N));
}

/* -- block_wake ------------------------------------------------------------------------------ */

static int pa[2], pb[2];

static void *
echo_partner(void *arg)
{
	char c;

	for (int i = 0; i < (int)(intptr_t)arg; i++) {
		read(pa[0], &c, 1);
		write(pb[1], &c, 1);
	}
	return NULL;
}

/* block_wake: per operation one write and one read that blocks and is woken. */
static void
block_wake(void)
{
	enum { N = 1000, WARM = 10 };
	cr_thread_t td;
	char c = 'x';

	pipe(pa);
	pipe(pb);
	cr_thread_create(&td, echo_partner, (void *)(intptr_t)(N + WARM), CR_PRI_DEFAULT, "echo");
	for (int i = 0; i < WARM; i++) {
		write(pa[1], &c, 1);
		read(pb[0], &c, 1);
	}
	uint64_t t0 = kbench_start();
	for (int i = 0; i < N; i++) {
		write(pa[1], &c, 1);
		read(pb[0], &c, 1);
	}
	uint64_t t1 = kbench_stop();
	cr_thread_join(td, NULL);
	report("block_wake", 2 * N, t1 - t0, empty(N));
	close(pa[0]); close(pa[1]); close(pb[0]); close(pb[1]);
}

/* -- readers12 ------------------------------------------------------------------------------- */

#define NREAD	12		/* 2 descriptors each, of OPEN_MAX (32) */
static int rp[NREAD][2], ack[2];

static void *
parked_reader(void *arg)
{
	int i = (int)(intptr_t)arg;
	char c;

	for (;;) {
		if (read(rp[i][0], &c, 1) != 1 || c == 'q')
			return NULL;
		write(ack[1], &c, 1);
	}
}

static struct kstat
ks(void)
{
	struct kstat k;

	memset(&k, 0, sizeof(k));
	kstat(&k, sizeof(k));
	return k;
}

/*
 * readers12: NREAD readers wait on their own pipes; the writer writes one byte to each and
 * reads their NREAD acks. Per operation: a reader woken, its ack. With the readers parked, the
 * kernel memory they hold is measured too.
 */
static void
readers(const char *glob)
{
	enum { ROUNDS = 60, WARM = 3 };
	cr_thread_t td[NREAD];
	char c = 'r', buf[NREAD];
	struct kstat idle, parked;

	pipe(ack);
	for (int i = 0; i < NREAD; i++)
		pipe(rp[i]);
	idle = ks();
	for (int i = 0; i < NREAD; i++)
		cr_thread_create(&td[i], parked_reader, (void *)(intptr_t)i, CR_PRI_DEFAULT, "reader");
	for (int r = 0; r < WARM; r++) {
		for (int i = 0; i < NREAD; i++)
			write(rp[i][1], &c, 1);
		for (int got = 0; got < NREAD; got += (int)read(ack[0], buf, NREAD - got))
			;
	}
	parked = ks();			/* every reader parked (the writer's own ack read done) */
	if (wanted(glob, "readers12")) {
		uint64_t t0 = kbench_start();
		for (int r = 0; r < ROUNDS; r++) {
			for (int i = 0; i < NREAD; i++)
				write(rp[i][1], &c, 1);
			for (int got = 0; got < NREAD; got += (int)read(ack[0], buf, NREAD - got))
				;
		}
		uint64_t t1 = kbench_stop();
		report("readers12", ROUNDS * NREAD, t1 - t0, empty(ROUNDS * NREAD));
	}
	if (wanted(glob, "memory")) {
		int32_t pages = (int32_t)(idle.ks_pages_free - parked.ks_pages_free);
		int32_t objs = (int32_t)(parked.ks_kmalloc_in_use - idle.ks_kmalloc_in_use);
		printf("KSTAT model.%s.blocked_call pages=%d kmalloc=%d calls=%d kse_contexts=%u "
		    "outstanding=%u\n", model, pages, objs, NREAD, parked.ks_kse_calls,
		    parked.ks_sysmsg_outstanding - idle.ks_sysmsg_outstanding);
	}
	c = 'q';
	for (int i = 0; i < NREAD; i++)
		write(rp[i][1], &c, 1);
	for (int i = 0; i < NREAD; i++) {
		cr_thread_join(td[i], NULL);
		close(rp[i][0]);
		close(rp[i][1]);
	}
	close(ack[0]);
	close(ack[1]);
}

/* -- compute_io ------------------------------------------------------------------------------ */

#define NIO	4
static int io[NIO][2];
static volatile uint32_t io_done;

static void *
io_thread(void *arg)
{
	int i = (int)(intptr_t)arg;
	char c;

	for (;;) {
		if (read(io[i][0], &c, 1) != 1 || c == 'q')
			return NULL;
		io_done++;
	}
}

/* work: a fixed chunk of computing. */
static uint32_t
work(uint32_t x)
{
	for (int k = 0; k < 200; k++)
		x = x * 1103515245u + 12345u;
	return x;
}

/*
 * compute_io: the main thread computes in chunks; after each it hands one I/O thread a byte
 * (its read completes) and yields, so the I/O thread runs. Per operation: one chunk, one
 * completion delivered and its thread run (the figure includes the chunk's ~1000 instructions).
 */
static void
compute_io(void)
{
	enum { N = 800 };
	cr_thread_t td[NIO];
	uint32_t x = 1;
	char c = 'i';

	for (int i = 0; i < NIO; i++) {
		pipe(io[i]);
		cr_thread_create(&td[i], io_thread, (void *)(intptr_t)i, CR_PRI_DEFAULT, "io");
	}
	for (int i = 0; i < 8; i++) {		/* warm-up: io_done counts these too */
		x = work(x);
		write(io[i % NIO][1], &c, 1);
		cr_thread_yield();
	}
	uint64_t t0 = kbench_start();
	for (int i = 0; i < N; i++) {
		x = work(x);
		write(io[i % NIO][1], &c, 1);
		cr_thread_yield();
	}
	uint64_t t1 = kbench_stop();
	uint32_t ran = io_done;
	c = 'q';
	for (int i = 0; i < NIO; i++) {
		write(io[i][1], &c, 1);
		cr_thread_join(td[i], NULL);
		close(io[i][0]);
		close(io[i][1]);
	}
	report("compute_io", N, t1 - t0, empty(N));
	printf("KSTAT model.%s.compute_io io_wakes=%u of %d (the rest ran after the loop)\n", model,
	    ran - 8, N);
	if (x == 0)
		printf("(x %u)\n", x);
}

/* -- server100 ------------------------------------------------------------------------------- */

#define NWORK	100
static int req[2], rep[2];

static void *
worker(void *arg)
{
	char c;

	(void)arg;
	for (;;) {
		if (read(req[0], &c, 1) != 1 || c == 'q')
			return NULL;
		c = (char)work((uint32_t)c);		/* the request's work */
		write(rep[1], &c, 1);
	}
}

/*
 * server100: 100 worker threads wait for requests on one pipe (a process has 32 descriptors,
 * so they share it); the dispatcher writes 100 one-byte requests, each taken by one worker,
 * which does some work and replies on a shared pipe the dispatcher reads. Per operation: one
 * request, its work and its reply.
 */
static void
server(void)
{
	enum { ROUNDS = 10 };
	cr_thread_t td[NWORK];
	char c = 's', buf[64];

	pipe(req);
	pipe(rep);
	for (int i = 0; i < NWORK; i++)
		cr_thread_create(&td[i], worker, NULL, CR_PRI_DEFAULT, "worker");
	uint64_t t0 = 0;
	for (int r = 0; r < ROUNDS + 1; r++) {
		if (r == 1)
			t0 = kbench_start();		/* the first round warms up */
		for (int i = 0; i < NWORK; i++)
			write(req[1], &c, 1);
		for (int got = 0; got < NWORK; ) {
			int n = (int)read(rep[0], buf, NWORK - got < 64 ? NWORK - got : 64);
			if (n <= 0)
				break;
			got += n;
		}
	}
	uint64_t t1 = kbench_stop();
	c = 'q';
	for (int i = 0; i < NWORK; i++)
		write(req[1], &c, 1);
	for (int i = 0; i < NWORK; i++)
		cr_thread_join(td[i], NULL);
	close(req[0]);
	close(req[1]);
	close(rep[0]);
	close(rep[1]);
	report("server100", ROUNDS * NWORK, t1 - t0, empty(ROUNDS * NWORK));
}

int
main(int argc, char **argv)
{
	const char *glob = argc > 1 ? argv[1] : "*";

	model = cr_kse ? "kse" : "dillon";
	banner(glob);
	if (wanted(glob, "null"))
		null_call();
	if (wanted(glob, "block_wake"))
		block_wake();
	if (wanted(glob, "readers12") || wanted(glob, "memory"))
		readers(glob);
	if (wanted(glob, "compute_io"))
		compute_io();
	if (wanted(glob, "server100"))
		server();
	return 0;
}
