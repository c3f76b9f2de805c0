/*
 * The kernel event ring (sys/trace.h, docs/trace.md). Compiled to nothing unless KTRACE is
 * defined: only the trace kernel (build/kernel/kernel-trace.elf) records events.
 *
 * One ring for the machine: records are written with interrupts off, so an interrupt's own
 * events never tear one. (With SMP this becomes one ring per CPU.) The ring records from the
 * first event on; with the word `trace` on the command line, shutdown stops it and waits, halted,
 * for the host to copy it out of guest memory (toolchain/trace.py) and end QEMU.
 */
#ifdef KTRACE
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/globaldata.h>
#include <sys/proc.h>
#include <sys/sysent.h>
#include <sys/trace.h>
#include <machine/cpufunc.h>
#include <string.h>

struct trace_ring trace_ring = {
	.tr_magic = TRACE_MAGIC,
	.tr_version = TRACE_VERSION,
	.tr_recsize = sizeof(struct trace_rec),
	.tr_nrecs = TRACE_NRECS,
	.tr_enabled = 1,
};

_Static_assert(sizeof(struct trace_rec) == 32, "the host reads 32-byte records");
_Static_assert((TRACE_NRECS & (TRACE_NRECS - 1)) == 0, "TRACE_NRECS must be a power of two");

/* trace_event: append one record; callable anywhere, interrupt handlers included. */
void
trace_event(uint32_t type, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3)
{
	uint32_t eflags;
	struct thread *td;
	struct trace_rec *r;

	__asm__ volatile("pushfl; popl %0; cli" : "=r"(eflags) : : "memory");
	if (trace_ring.tr_enabled) {
		td = curthread;
		r = &trace_ring.tr_recs[trace_ring.tr_head & (TRACE_NRECS - 1)];
		r->tr_tsc = rdtsc();
		r->tr_type = (uint8_t)type;
		r->tr_cpu = (uint8_t)mycpu->gd_cpuid;
		r->tr_pid = td != NULL && td->td_proc != NULL ? (uint16_t)td->td_proc->p_pid : 0;
		r->tr_td = (uint32_t)td;
		r->tr_arg[0] = a0;
		r->tr_arg[1] = a1;
		r->tr_arg[2] = a2;
		r->tr_arg[3] = a3;
		__asm__ volatile("" ::: "memory");	/* the record is whole before it counts */
		trace_ring.tr_head++;
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
 * trace_shutdown: with `trace` on the command line, name every live thread (their creation may
 * have been overwritten), stop recording, tell the host and halt: the host reads the ring and
 * ends QEMU. The verdict travels on the console line instead of isa-debug-exit.
 */
void
trace_shutdown(int verdict)
{
	struct thread *td;

	if (!cmdline_flag("trace"))
		return;
	TAILQ_FOREACH(td, &mycpu->gd_tdallq, td_allq)	/* the idle thread included */
		trace_thread_name(td);
	trace_ring.tr_enabled = 0;
	printf("TRACE-READY verdict=%d events=%llu ring=%u\n", verdict,
	    (unsigned long long)trace_ring.tr_head, (unsigned)TRACE_NRECS);
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
