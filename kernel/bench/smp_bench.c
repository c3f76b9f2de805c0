/*
 * Benchmarks between CPUs (docs/smp.md): an IPI message round trip (lwkt.port.pingpong.cross_cpu,
 * a port round trip to a thread of another CPU, is in lwkt_bench.c beside its one-CPU form).
 * They need two CPUs (image bench-smp2); with one they are skipped.
 * Under -icount QEMU runs the CPUs round robin on one host thread, and the TSC is the virtual
 * clock: it counts the instructions of every CPU, so a figure is the guest's whole work per
 * operation, both CPUs together. The waiting CPU halts (it does not spin): a halted CPU gives
 * the host thread to the other at once, which keeps the figures deterministic and free of
 * spin-wait instructions.
 */
#include <sys/systm.h>
#include <sys/globaldata.h>
#include <sys/ipiq.h>
#include <sys/kbench.h>
#include <machine/cpufunc.h>

#define ROUNDS	2000

static volatile uint32_t pongs;

static void
ipi_pong(void *arg1, int arg2)
{
	(void)arg1;
	(void)arg2;
	pongs++;
}

/* ipi_ping: on the far CPU, answer the sender with a request of its own. */
static void
ipi_ping(void *arg1, int arg2)
{
	(void)arg2;
	lwkt_send_ipiq(arg1, ipi_pong, NULL, 0);
}

/* halt_until: sleep in hlt until an IPI request of the other CPU has made pongs reach n. */
static void
halt_until(uint32_t n)
{
	for (;;) {
		cli();
		if (pongs >= n)
			break;
		__asm__ volatile("sti; hlt" ::: "memory");	/* the IPI runs the request here */
	}
	sti();
}

/*
 * lwkt.ipiq.roundtrip: CPU 0 queues a request for CPU 1 (and interrupts it), which queues one
 * back: the cost of asking another CPU and hearing back, both CPUs' instructions counted.
 */
KBENCH(lwkt_ipiq_roundtrip, "lwkt.ipiq.roundtrip")
{
	struct globaldata *far;

	if (ncpus < 2 || mycpu->gd_cpuid != 0) {
		kb->kb_skip = "needs 2 CPUs";
		return;
	}
	far = globaldata_find(1);
	pongs = 0;
	for (uint32_t i = 1; i <= 100; i++) {
		lwkt_send_ipiq(far, ipi_ping, mycpu, 0);
		halt_until(i);
	}
	pongs = 0;
	uint64_t t0 = kbench_start();
	for (uint32_t i = 1; i <= ROUNDS; i++) {
		lwkt_send_ipiq(far, ipi_ping, mycpu, 0);
		halt_until(i);
	}
	uint64_t t1 = kbench_stop();
	kbench_report(kb, ROUNDS, t1 - t0, kbench_empty_loop(ROUNDS));
}
