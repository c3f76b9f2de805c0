/*
 * Kernel tests of multiprocessor operation (docs/smp.md): every CPU was brought up and ticks,
 * and the IPI message queues between CPUs. On a one-CPU machine they skip: each needs a
 * second CPU, and each fails on a kernel that does not really run one.
 */
#include "testutil.h"
#include <sys/ipiq.h>
#include <machine/cpufunc.h>
#include <machine/lapic.h>

#define NEED_CPUS(n) do { if (ncpus < (n)) KT_SKIP("needs " #n " CPUs"); } while (0)

/* wait_until: spin (interrupts on) until *flag reaches want or 50 ticks pass; true if it did. */
static bool
wait_until(volatile int *flag, int want)
{
	uint64_t until = mycpu->gd_hardticks + 50;

	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) < want && mycpu->gd_hardticks < until)
		__asm__ volatile("pause");
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE) >= want;
}

KTEST(smp, every_cpu_runs_and_ticks)
{
	NEED_CPUS(2);
	for (int c = 0; c < ncpus; c++) {
		struct globaldata *gd = globaldata_find(c);
		KT_ASSERT(gd != NULL);
		KT_EXPECT_EQ(gd->gd_cpuid, c);
		KT_EXPECT(gd->gd_started || c == 0);
		KT_EXPECT(gd->gd_self == gd);
		for (int d = 0; d < c; d++)
			KT_EXPECT(globaldata_find(d)->gd_apic_id != gd->gd_apic_id);
	}
	uint64_t before[MAXCPU];
	for (int c = 0; c < ncpus; c++)
		before[c] = globaldata_find(c)->gd_hardticks;
	lwkt_sleep(3);
	for (int c = 0; c < ncpus; c++)
		KT_EXPECT(globaldata_find(c)->gd_hardticks > before[c]);	/* its own clock */
}

struct ipi_probe {
	volatile int	ran;		/* requests run */
	int		cpu[IPIQ_SIZE * 4];	/* the CPU each ran on, by sequence number */
	int		order_ok;	/* each request found its predecessors done */
};

static void
ipi_record(void *arg1, int seq)
{
	struct ipi_probe *p = arg1;

	p->cpu[seq] = mycpu->gd_cpuid;
	if (p->ran != seq)
		p->order_ok = 0;
	__atomic_store_n(&p->ran, seq + 1, __ATOMIC_RELEASE);
}

KTEST(smp, ipiq_runs_on_the_target_in_order)
{
	static struct ipi_probe p;

	NEED_CPUS(2);
	p.ran = 0;
	p.order_ok = 1;
	for (int i = 0; i < 8; i++)
		lwkt_send_ipiq(globaldata_find(1), ipi_record, &p, i);
	KT_ASSERT(wait_until(&p.ran, 8));
	KT_EXPECT(p.order_ok);
	for (int i = 0; i < 8; i++)
		KT_EXPECT_EQ(p.cpu[i], 1);
}

/* ipi_hold: the target CPU stays in this request until the sender has found the ring full
 * (bounded by a billion TSC counts: it may run with interrupts off), so the requests behind it
 * pile up. */
static void
ipi_hold(void *arg1, int arg2)
{
	struct lwkt_ipiq *q = arg1;
	uint64_t until = rdtsc() + 1000000000ull;

	while (*(volatile uint64_t *)&q->iq_full <= (uint64_t)arg2 && rdtsc() < until)
		__asm__ volatile("pause");
}

KTEST(smp, ipiq_full_queue_waits_and_loses_nothing)
{
	static struct ipi_probe p;
	struct lwkt_ipiq *q = lwkt_ipiq_of(0, 1);
	uint64_t full = q->iq_full;
	int n = IPIQ_SIZE * 4;

	NEED_CPUS(2);
	KT_ASSERT(mycpu->gd_cpuid == 0);
	p.ran = 0;
	p.order_ok = 1;
	/* CPU 1 is held in the first request until this CPU has had to wait for room. */
	lwkt_send_ipiq(globaldata_find(1), ipi_hold, q, (int)full);
	for (int i = 0; i < n; i++)
		lwkt_send_ipiq(globaldata_find(1), ipi_record, &p, i);
	KT_ASSERT(wait_until(&p.ran, n));
	KT_EXPECT(p.order_ok);
	KT_EXPECT(q->iq_full > full);
	KT_EXPECT(q->iq_rindex == q->iq_windex);
}

KTEST(smp, ipiq_to_this_cpu_runs_at_once)
{
	static struct ipi_probe p;

	p.ran = 0;
	p.order_ok = 1;
	lwkt_send_ipiq(mycpu, ipi_record, &p, 0);
	KT_EXPECT_EQ(p.ran, 1);
	KT_EXPECT_EQ(p.cpu[0], mycpu->gd_cpuid);
}
