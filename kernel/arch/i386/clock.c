/*
 * The periodic tick: the PIT (8254) channel 0 at HZ, on IRQ 0, on the boot CPU; every other CPU
 * ticks at HZ from its local APIC timer (lapic.c). The interrupt itself only
 * counts; the service (timer messages, user-code preemption) runs at once unless the interrupted
 * thread is in a critical section, in which case crit_exit runs it.
 */
#include <sys/systm.h>
#include <sys/globaldata.h>
#include <sys/proc.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/timer.h>
#include <sys/ipiq.h>
#include <sys/file.h>
#include <machine/cpufunc.h>
#include <machine/lapic.h>
#include <machine/trap.h>

#define PIT_HZ		1193182
#define PIT_CH0		0x40
#define PIT_MODE	0x43

void	pic_eoi(int irq);
void	pic_unmask(int irq);

void
clock_init(void)
{
	uint32_t divisor = PIT_HZ / HZ;

	outb(PIT_MODE, 0x34);			/* channel 0, lobyte/hibyte, rate generator */
	outb(PIT_CH0, divisor & 0xff);
	outb(PIT_CH0, divisor >> 8);
	pic_unmask(0);
}

/*
 * intr_service: the deferred part of interrupts: serve every tick counted but not served yet,
 * and run the console's line discipline over new input. The timer service (sys/timer.h) is
 * the boot CPU's: another CPU's ticks only count and preempt its user code.
 */
void
intr_service(void)
{
	struct globaldata *gd = mycpu;

	crit_enter();
	if (gd->gd_reqflags & RQF_IPIQ)
		lwkt_process_ipiq();
	if (gd->gd_reqflags & RQF_CONSOLE) {
		gd->gd_reqflags &= ~RQF_CONSOLE;
		console_service();
	}
	gd->gd_reqflags &= ~RQF_TIMER;
	if (__builtin_expect(gd->gd_cpuid != 0, 0)) {
		gd->gd_ticks = gd->gd_hardticks;
	} else {
		while (gd->gd_ticks < gd->gd_hardticks) {
			gd->gd_ticks++;
			timer_tick();
		}
		if (__builtin_expect(console_deferred, 0))
			console_service();
	}
	crit_exit();
}

/*
 * clock_intr: IRQ 0. User code is preempted here: after the service, a thread interrupted in
 * ring 3 yields to any runnable thread of its priority or above (round robin each tick). A tick
 * that finds a process's thread in the kernel (a system call) marks it TDA_YIELD: the thread
 * yields when the call returns to ring 3 (trap.c: syscall_ast), so a program that makes many calls is
 * preempted as often as one that only computes.
 */
/*
 * clock_tick_in_call: the tick found td, a process's thread, in a system call: it yields on the
 * way out (syscall_ast), and, if the process has a pending signal, looks whether its vCPU still
 * blocks it. libcr changes a vCPU's mask without a call when it switches user threads (the mask
 * word of the upcall area), so a pending signal the thread switched to lets through is known
 * only at a tick: one in ring 3 takes it (trap.c), and one here must too, or a vCPU whose
 * threads spend their time in calls (a yield that polls for completions) never takes it.
 */
static void
clock_tick_in_call(thread_t td)
{
	td_ast_set(td, TDA_YIELD);
	if (td->td_proc->p_sigpending != 0 && !(td->td_flags & (TDF_KSECALL | TDF_KSEPOOL)))
		td_ast_set(td, TDA_UPCALL);	/* sig_ast_syscall: delivered if it is not blocked */
}

static inline __attribute__((always_inline)) void
clock_tick(struct globaldata *gd, struct trapframe *tf)
{
	thread_t td = gd->gd_curthread;

	if (td->td_critcount > 0)
		gd->gd_reqflags |= RQF_TIMER;
	else
		intr_service();
	if (TF_FROM_USER(tf))
		lwkt_stats.user_ticks++;
	else if (td->td_proc != NULL && !(td->td_flags & TDF_KPOLL))
		clock_tick_in_call(td);		/* (a polled ring's thread never returns to ring 3) */
	if (TF_FROM_USER(tf) && lwkt_should_yield(td)) {
		lwkt_stats.preemptions++;
		gd->gd_intr_nesting--;		/* leaving the interrupt part: switching is allowed */
		sti();
		lwkt_yield();
		cli();
		gd->gd_intr_nesting++;
	}
}

void
clock_intr(struct trapframe *tf)
{
	struct globaldata *gd = mycpu;

	gd->gd_hardticks++;
	pic_eoi(0);
	clock_tick(gd, tf);
}

/* lapic_timer_intr: the local APIC timer of a CPU other than the boot CPU: its clock tick. */
void
lapic_timer_intr(struct trapframe *tf)
{
	struct globaldata *gd = mycpu;

	gd->gd_hardticks++;
	lapic_eoi();
	clock_tick(gd, tf);
}
