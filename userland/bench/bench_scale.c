/*
 * proc.scale.k1, k2, k4: does a compute-bound program with k vCPUs finish k times sooner on k
 * CPUs (issue 11, docs/smp.md)? The user-level twin of the kernel's lwkt.scale.kN: the same
 * workload (kbench_compute, KBENCH_SCALE_BLOCKS blocks, sys/kbench.h) split in k equal shares,
 * one per vCPU 0..k-1, each a libcr thread pinned to its vCPU (cr_vcpu_start) computing with no
 * system call. The figure is the makespan per block: the busiest CPU's instructions inside the
 * window (BENCH ... cpu=max), counted per CPU by `invoke bench`. The vCPUs are made, and have
 * waited once, before the window; inside it the only calls are the kicks that start the shares
 * and the waits for their ends. Where the kernel places the vCPUs is its business: while every
 * vCPU of a process runs on CPU 0, k vCPUs finish no sooner than one.
 * argv[1] is a glob that selects benchmarks (image bench-smp4).
 */
#include <stdio.h>
#include <sys/kbench.h>
#include <sys/ktest.h>
#include <cr/sync.h>
#include <cr/thread.h>

#define MAX_K	4

struct share {
	struct cr_sem	go;		/* posted: compute blocks */
	uint32_t	blocks;
	uint32_t	result;
};

static struct share shares[MAX_K];
static struct cr_sem done;		/* posted by each share of vCPUs 1..k-1 when computed */

/* worker: the thread of vCPU n (arg): compute each share it is given, then say so. */
static void
worker(void *arg)
{
	struct share *s = arg;

	for (;;) {
		cr_sem_wait(&s->go);
		s->result = kbench_compute(s->blocks * KBENCH_SCALE_UNITS, s->result);
		cr_sem_post(&done);
	}
}

/* run_round: shares for vCPUs 0..k-1 of blocks in all; vCPU 0's is this thread's own. */
static void
run_round(int k, uint32_t blocks)
{
	for (int n = 0; n < k; n++) {
		shares[n].blocks = blocks / k;
		shares[n].result = n + 1;
	}
	for (int n = 1; n < k; n++)
		cr_sem_post(&shares[n].go);
	shares[0].result = kbench_compute(shares[0].blocks * KBENCH_SCALE_UNITS, shares[0].result);
	for (int n = 1; n < k; n++)
		cr_sem_wait(&done);
}

static void
scale(const char *name, int k)
{
	run_round(k, 0);			/* every vCPU of the k has woken once */
	uint64_t t0 = kbench_start_percpu();
	run_round(k, KBENCH_SCALE_BLOCKS);
	uint64_t t1 = kbench_stop_percpu();
	printf("BENCH %s iterations=%u insns=%llu baseline=0 cpu=max\n", name, KBENCH_SCALE_BLOCKS,
	    (unsigned long long)(t1 - t0));
}

int
main(int argc, char **argv)
{
	static const struct { const char *name; int k; } runs[] = {
		{ "proc.scale.k1", 1 }, { "proc.scale.k2", 2 }, { "proc.scale.k4", 4 },
	};
	const char *glob = argc > 1 ? argv[1] : "*";

	cr_sem_init(&done, 0);
	for (int n = 1; n < MAX_K; n++) {
		cr_sem_init(&shares[n].go, 0);
		if (cr_vcpu_start(worker, &shares[n]) != n) {
			printf("BENCH-ERROR proc.scale.k%d cannot add vCPU %d\n", MAX_K, n);
			return 1;
		}
	}
	for (unsigned i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		if (glob_match(glob, runs[i].name))
			scale(runs[i].name, runs[i].k);
	return 0;
}
