/*
 * The kernel event rings (sys/trace.h, docs/trace.md). Compiled to nothing unless KTRACE is
 * defined: only the trace kernel (build/kernel/kernel-trace.elf) records events.
 *
 * One ring per CPU (trace_rings[gd_cpuid]), written only by its own CPU with interrupts off, so
 * neither another CPU nor an interrupt's own events ever tear a record, and no lock or atomic is
 * needed. Each record carries the TSC, one clock for every CPU, by which the host merges the
 * rings. The rings record from trace_init (the start of kmain) on; with the word `trace` on the
 * command line, shutdown stops them and waits, halted, for the host to copy them out of guest
 * memory (toolchain/trace.py) and end QEMU.
 */
#ifdef KTRACE
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/ipiq.h>
#include <sys/proc.h>
#include <sys/sysent.h>
#include <sys/trace.h>
#include <machine/cpufunc.h>
#include <string.h>

struct trace_ring trace_rings[MAXCPU];

_Static_assert(sizeof(struct trace_rec) == 32, "the host reads 32-byte records");
_Static_assert((TRACE_NRECS & (TRACE_NRECS - 1)) == 0, "TRACE_NRECS must be a power of two");
_Static_assert(sizeof(struct trace_ring) % 32 == 0, "the host reads the rings back to back");

/* How long shutdown waits for the other CPUs to stop their rings: TSC ticks (0.1 s). */
#define TRACE_STOP_WAIT	100000000ull

/* trace_init: fill in every CPU's ring header and start recording (before the first event). */
void
trace_init(void)
{
	for (int c = 0; c < MAXCPU; c++) {
		struct trace_ring *tr = &trace_rings[c];
		tr->tr_magic = TRACE_MAGIC;
		tr->tr_version = TRACE_VERSION;
		tr->tr_recsize = sizeof(struct trace_rec);
		tr->tr_nrecs = TRACE_NRECS;
		tr->tr_head = 0;
		tr->tr_enabled = 1;
	}
}

/* trace_event: append one record to this CPU's ring; callable anywhere, interrupt handlers included. */
void
trace_event(uint32_t type, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3)
{
	uint32_t eflags;
	struct globaldata *gd;
	struct trace_ring *tr;
	struct thread *td;
	struct trace_rec *r;
	uint16_t pid;
	int cpu;

	__asm__ volatile("pushfl; popl %0; cli" : "=r"(eflags) : : "memory");
	gd = mycpu;
	cpu = gd->gd_cpuid;
	tr = &trace_rings[cpu];
	__asm__("" : "+r"(tr));			/* kept in a register (GCC would redo the multiply) */
	if (tr->tr_enabled) {
		/* every load before the first store: the byte stores below may alias anything */
		td = gd->gd_curthread;
		pid = td != NULL && td->td_proc != NULL ? (uint16_t)td->td_proc->p_pid : 0;
		r = &tr->tr_recs[(uint32_t)tr->tr_head & (TRACE_NRECS - 1)];
		__asm__("" : "+r"(r));		/* likewise the index arithmetic */
		r->tr_tsc = rdtsc();
		r->tr_type = (uint8_t)type;
		r->tr_cpu = (uint8_t)cpu;
		r->tr_pid = pid;
		r->tr_td = (uint32_t)td;
		r->tr_arg[0] = a0;
		r->tr_arg[1] = a1;
		r->tr_arg[2] = a2;
		r->tr_arg[3] = a3;
		__asm__ volatile("" ::: "memory");	/* the record is whole before it counts */
		tr->tr_head++;
	}
	if (eflags & 0x200)
		sti();
}

/* trace_thread_name: record td's name (up to 23 bytes) in two records. */
void
trace_thread_name(struct thread *td)
{
	uint32_t w[6] = { 0 };

	memcpy(w, td->td_name, sizeof(w) < sizeof(td->td_name) ? sizeof(w) : sizeof(td->td_name));
	trace_event(TR_THREAD, (uint32_t)td, w[0], w[1], w[2]);
	trace_event(TR_THREAD_NAME2, (uint32_t)td, w[3], w[4], w[5]);
}

/* trace_sysmsg: a call taken, with the first 24 bytes of its arguments (zeros past its end). */
void
trace_sysmsg(const void *call, uint32_t uaddr, uint32_t cmd, uint32_t kmflags, const void *args)
{
	uint32_t w[6] = { 0 };
	uint32_t size = sysent[cmd].sy_msgsize - sizeof(struct lwkt_msg);

	memcpy(w, args, size < sizeof(w) ? size : sizeof(w));
	trace_event(TR_SYSMSG, (uint32_t)call, uaddr, cmd, kmflags);
	trace_event(TR_SYSMSG_ARGS, (uint32_t)call, w[0], w[1], w[2]);
	trace_event(TR_SYSMSG_ARGS, (uint32_t)call, w[3], w[4], w[5]);
}

/*
 * trace_stop_cpu: name every live thread of this CPU (the idle thread included: their creation
 * may have been overwritten) and stop this CPU's ring; then count itself off *pending (NULL:
 * nobody waits). Each CPU stops its own ring, so no record is cut short. An IPI request on the
 * other CPUs (its TR_IPI_RUN is the ring's last record).
 */
static void
trace_stop_cpu(void *pending, int unused)
{
	struct globaldata *gd = mycpu;
	struct thread *td;

	(void)unused;
	TAILQ_FOREACH(td, &gd->gd_tdallq, td_allq)
		trace_thread_name(td);
	trace_rings[gd->gd_cpuid].tr_enabled = 0;
	if (pending != NULL)
		__atomic_sub_fetch((int *)pending, 1, __ATOMIC_RELEASE);
}

/*
 * trace_shutdown: with `trace` on the command line, have every other CPU stop its ring (an IPI
 * request each; a CPU that has not within TRACE_STOP_WAIT has its ring stopped from here), stop
 * this one's, tell the host and halt: the host reads the rings and ends QEMU. The verdict
 * travels on the console line instead of isa-debug-exit. Interrupts are off (shutdown); the
 * critical section is never left, so nothing deferred runs and no thread switches meanwhile.
 */
void
trace_shutdown(int verdict)
{
	struct globaldata *gd = mycpu;
	int pending = ncpus - 1;
	uint64_t events = 0, start;

	if (!cmdline_flag("trace"))
		return;
	crit_enter();
	for (int c = 0; c < ncpus; c++)
		if (c != gd->gd_cpuid)
			lwkt_send_ipiq(globaldata_find(c), trace_stop_cpu, &pending, 0);
	start = rdtsc();
	while (__atomic_load_n(&pending, __ATOMIC_ACQUIRE) != 0 && rdtsc() - start < TRACE_STOP_WAIT) {
		lwkt_process_ipiq();		/* a CPU may be waiting for this one meanwhile */
		__asm__ volatile("pause");
	}
	trace_stop_cpu(NULL, 0);
	for (int c = 0; c < MAXCPU; c++) {
		if (c < ncpus && trace_rings[c].tr_enabled)
			printf("TRACE: CPU %d did not stop its ring; stopped from CPU %d\n", c, gd->gd_cpuid);
		trace_rings[c].tr_enabled = 0;	/* and the rings of CPUs that never started */
		events += trace_rings[c].tr_head;
	}
	printf("TRACE-READY verdict=%d events=%llu ring=%u\n", verdict,
	    (unsigned long long)events, (unsigned)TRACE_NRECS);
	for (;;) {
		cli();
		halt();
	}
}
#endif

/*
 * sys_utrace: a user-level scheduler event in the ring (abi/upcall.h UTR_), recorded on the
 * calling vCPU's thread: libcr's switches, parks, wakes and upcalls beside the kernel's events.
 * UTR_PROBE records nothing. Answers ENOSYS on a kernel that does not trace.
 */
#include <sys/errno.h>
#include <sys/sysmsg.h>
#include <abi/upcall.h>
#ifdef KTRACE
int
sys_utrace(struct utrace_msg *msg)
{
	if (msg->event > UTR_MAX)
		return EINVAL;
	if (msg->event != UTR_PROBE)
		TRACE(TR_USER, msg->event, msg->a, msg->b, 0);
	return 0;
}
#else
int
sys_utrace(struct utrace_msg *msg)
{
	(void)msg;
	return ENOSYS;
}
#endif
