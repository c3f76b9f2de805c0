/*
 * IPI message queues (sys/ipiq.h, docs/smp.md), DragonFly's lwkt_ipiq in spirit: a CPU never
 * touches another CPU's scheduler state; it queues a request (a function and its arguments) on
 * the ring it owns towards that CPU, and the target runs the request itself, inside a critical
 * section, in queue order.
 *
 * Each ring has one writer (its sending CPU, which advances iq_windex after filling the slot)
 * and one reader (the target, which advances iq_rindex after running a request): the indices,
 * published with release stores and read with acquire loads, are the only synchronisation.
 *
 * Interrupts: the target's gd_npoll says "it will look at its queues": the sender raises the
 * IPI only when it turns gd_npoll from 0 to 1; the target clears it before it drains, so a
 * request queued after the drain started either is seen by that drain or finds gd_npoll 0 and
 * interrupts again. A request that finds its ring full makes the sender drain its own queues
 * while it waits, so two CPUs sending to each other cannot deadlock.
 */
#include <sys/systm.h>
#include <sys/globaldata.h>
#include <sys/ipiq.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/trace.h>
#include <machine/lapic.h>
#include <machine/trap.h>

static struct lwkt_ipiq ipiqs[MAXCPU][MAXCPU];	/* [from][to] */

struct lwkt_ipiq *
lwkt_ipiq_of(int from, int to)
{
	return &ipiqs[from][to];
}

void
lwkt_send_ipiq(struct globaldata *target, ipifunc_t func, void *arg1, int arg2)
{
	struct globaldata *gd = mycpu;
	struct lwkt_ipiq *q;
	uint32_t w;

	crit_enter();
	if (target == gd) {
		func(arg1, arg2);
		crit_exit();
		return;
	}
	q = &ipiqs[gd->gd_cpuid][target->gd_cpuid];
	w = q->iq_windex;
	while (w - __atomic_load_n(&q->iq_rindex, __ATOMIC_ACQUIRE) >= IPIQ_SIZE) {
		q->iq_full++;
		lwkt_process_ipiq();		/* the target may be waiting on our queues */
		__asm__ volatile("pause");
	}
	q->iq_ring[w % IPIQ_SIZE] = (struct ipiq_req){ func, arg1, arg2 };
	TRACE_IPI_SEND(target->gd_cpuid, &q->iq_ring[w % IPIQ_SIZE], w);	/* before it can run */
	__atomic_store_n(&q->iq_windex, w + 1, __ATOMIC_RELEASE);
	q->iq_sent++;
	if (__atomic_exchange_n(&target->gd_npoll, 1, __ATOMIC_SEQ_CST) == 0) {
		q->iq_ipis++;
		lapic_send_ipi(target->gd_apic_id, T_IPIQ);
	}
	crit_exit();
}

/* ipiq_sender: the CPU that writes ring q (for the trace kernel's hooks). */
static inline int
ipiq_sender(const struct lwkt_ipiq *q)
{
	return (int)((q - &ipiqs[0][0]) / MAXCPU);
}

/* drain: run the requests of one ring, oldest first; true if there were any. */
static bool
drain(struct lwkt_ipiq *q)
{
	uint32_t r = q->iq_rindex, w = __atomic_load_n(&q->iq_windex, __ATOMIC_ACQUIRE);

	if (r == w)
		return false;
	for (; r != w; r++) {
		struct ipiq_req req = q->iq_ring[r % IPIQ_SIZE];
		__atomic_store_n(&q->iq_rindex, r + 1, __ATOMIC_RELEASE);
		TRACE_IPI_RUN(ipiq_sender(q), &req, r);
		req.func(req.arg1, req.arg2);
		TRACE_IPI_DONE(ipiq_sender(q), r);
	}
	return true;
}

void
lwkt_process_ipiq(void)
{
	struct globaldata *gd = mycpu;
	bool again;

	crit_enter();
	gd_reqflags_clear(gd, RQF_IPIQ);
	do {
		__atomic_store_n(&gd->gd_npoll, 0, __ATOMIC_SEQ_CST);
		again = false;
		for (int from = 0; from < ncpus; from++)
			if (from != gd->gd_cpuid)
				again |= drain(&ipiqs[from][gd->gd_cpuid]);
	} while (again);
	crit_exit();
}

struct sync_call {
	ipifunc_t	func;
	void		*arg1;
	int		arg2;
	volatile int	pending;	/* CPUs that have not run it yet */
};

static void sync_run(void *arg1, int unused);

/* sync_wait: wait for every CPU of sc to have run it, running this CPU's requests meanwhile. */
static void
sync_wait(struct sync_call *sc)
{
	while (__atomic_load_n(&sc->pending, __ATOMIC_ACQUIRE) != 0) {
		lwkt_process_ipiq();
		__asm__ volatile("pause");
	}
}

/* lwkt_send_ipiq_wait: run func(arg1, arg2) on CPU target and return when it has. */
void
lwkt_send_ipiq_wait(struct globaldata *target, ipifunc_t func, void *arg1, int arg2)
{
	struct sync_call sc = { func, arg1, arg2, 1 };

	if (target == mycpu) {
		func(arg1, arg2);
		return;
	}
	crit_enter();
	lwkt_send_ipiq(target, sync_run, &sc, 0);
	sync_wait(&sc);
	crit_exit();
}

/* sync_run: one target's part of lwkt_send_ipiq_all_wait. */
static void
sync_run(void *arg1, int unused)
{
	struct sync_call *sc = arg1;

	(void)unused;
	sc->func(sc->arg1, sc->arg2);
	__atomic_sub_fetch(&sc->pending, 1, __ATOMIC_RELEASE);
}

/*
 * lwkt_send_ipiq_all_wait: run func(arg1, arg2) on every other CPU and return when all have
 * (a TLB shootdown: vm/kstack.c). While it waits, this CPU runs the requests sent to it, so two
 * CPUs waiting on each other both get on.
 */
void
lwkt_send_ipiq_all_wait(ipifunc_t func, void *arg1, int arg2)
{
	struct globaldata *gd = mycpu;
	struct sync_call sc = { func, arg1, arg2, ncpus - 1 };

	if (sc.pending == 0)
		return;
	crit_enter();
	for (int c = 0; c < ncpus; c++)
		if (c != gd->gd_cpuid)
			lwkt_send_ipiq(globaldata_find(c), sync_run, &sc, 0);
	sync_wait(&sc);
	crit_exit();
}

/*
 * lwkt_ipiq_intr: the IPI (trap.c, interrupts off). Outside a critical section the requests run
 * now; inside one, when the section ends (RQF_IPIQ, like a deferred tick).
 */
void
lwkt_ipiq_intr(void)
{
	struct globaldata *gd = mycpu;

	gd->gd_reqflags |= RQF_IPIQ;
	if (gd->gd_curthread->td_critcount == 0 && gd->gd_intr_nesting == 1)
		lwkt_process_ipiq();
}
