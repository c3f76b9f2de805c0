/*
 * lwkt.scale.k1, k2, k4: does a compute-bound job finish k times sooner on k CPUs (issue 11,
 * docs/smp.md)? KBENCH_SCALE_BLOCKS blocks of kbench_compute (sys/kbench.h) split in k equal
 * shares, one kernel thread per CPU 0..k-1. The figure is the makespan: the instructions of the
 * busiest CPU inside the window (cpu=max), per block; under -icount the TSC would count every
 * CPU's instructions together, so a QEMU plugin counts each CPU's (invoke bench). All three run
 * on one machine of 4 CPUs (image bench-smp4); with fewer they are skipped.
 */
#include <sys/systm.h>
#include <sys/globaldata.h>
#include <sys/kbench.h>
#include <sys/msgport.h>
#include <sys/thread.h>

#define SCALE_CPUS	4		/* the most any of them uses, and what each needs */

struct scale_msg {
	struct lwkt_msg	hdr;
	uint32_t	blocks;		/* this share */
	uint32_t	result;
};

/*
 * scale_worker: a share's thread: answer two messages, a warm-up of no work and the timed
 * share, each with its blocks of work done, then end.
 */
static void
scale_worker(void *arg)
{
	thread_t td = curthread;

	(void)arg;
	for (int i = 0; i < 2; i++) {
		struct scale_msg *m = lwkt_waitport(&td->td_msgport, 0);
		m->result = kbench_compute(m->blocks * KBENCH_SCALE_UNITS, m->result);
		lwkt_replymsg(&m->hdr, 0);
	}
}

/* scale_round: send every worker its share and wait for every answer. */
static void
scale_round(thread_t *td, struct scale_msg *m, int k, uint32_t blocks)
{
	for (int c = 0; c < k; c++) {
		lwkt_initmsg(&m[c].hdr, &curthread->td_msgport, 0);
		m[c].blocks = blocks / k;
		m[c].result = c + 1;
		lwkt_sendmsg(&td[c]->td_msgport, &m[c].hdr);
	}
	for (int c = 0; c < k; c++)
		lwkt_waitmsg(&m[c].hdr, 0);
}

/*
 * scale: the workers are made and answer a first message of no work before the window, so the
 * window holds the messages out, the shares and the answers back: the coordinator (this
 * thread, CPU 0) waits in the scheduler while CPU 0's worker computes, the others halt when
 * done.
 */
static void
scale(struct kbench_ctx *kb, int k)
{
	struct scale_msg m[SCALE_CPUS];
	thread_t td[SCALE_CPUS];
	int pri = curthread->td_pri;

	if (ncpus < SCALE_CPUS || mycpu->gd_cpuid != 0) {
		kb->kb_skip = "needs 4 CPUs (k = 1, 2 and 4 are measured on one machine)";
		return;
	}
	for (int c = 0; c < k; c++) {
		if (lwkt_create_cpu(scale_worker, NULL, &td[c], pri, 0, "bench-scale", c) != 0) {
			kbench_fail(kb, "no memory for a worker thread");
			return;		/* the ones made wait on their ports for good */
		}
	}
	scale_round(td, m, k, 0);
	uint64_t t0 = kbench_start_percpu();
	scale_round(td, m, k, KBENCH_SCALE_BLOCKS);
	uint64_t t1 = kbench_stop_percpu();
	lwkt_yield();			/* let CPU 0's worker end */
	kbench_report_cpu(kb, KBENCH_SCALE_BLOCKS, t1 - t0, 0, KBENCH_CPU_MAX);
}

KBENCH(lwkt_scale_k1, "lwkt.scale.k1")
{
	scale(kb, 1);
}

KBENCH(lwkt_scale_k2, "lwkt.scale.k2")
{
	scale(kb, 2);
}

KBENCH(lwkt_scale_k4, "lwkt.scale.k4")
{
	scale(kb, 4);
}
