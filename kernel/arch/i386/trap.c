/*
 * trap(): where every interrupt, exception and system call arrives. A fault in ring 3 kills
 * the process with a report and the kernel carries on; a fault in the kernel is a panic.
 */
#include <sys/systm.h>
#include <sys/proc.h>
#include <sys/globaldata.h>
#include <sys/ksysmsg.h>
#include <sys/trace.h>
#include <vm/kstack.h>
#include <vm/vm.h>
#include <machine/cpufunc.h>
#include <machine/segments.h>
#include <machine/trap.h>

void	pic_eoi(int irq);
void	clock_intr(struct trapframe *tf);
void	console_intr(void);
void	intr_service(void);

static void
print_frame(const struct trapframe *tf)
{
	printf("  eax %08x ebx %08x ecx %08x edx %08x\n", tf->tf_eax, tf->tf_ebx, tf->tf_ecx,
	    tf->tf_edx);
	printf("  esi %08x edi %08x ebp %08x esp %08x\n", tf->tf_esi, tf->tf_edi, tf->tf_ebp,
	    TF_FROM_USER(tf) ? tf->tf_esp : (uint32_t)&tf->tf_esp);
	printf("  eip %08x cs %04x eflags %08x err %08x\n", tf->tf_eip, tf->tf_cs & 0xffff,
	    tf->tf_eflags, tf->tf_err);
}

/* stack_overflow: a page fault in the unmapped guard right below the user stack. */
static bool
stack_overflow(struct trapframe *tf)
{
	uint32_t addr = rcr2();

	return tf->tf_trapno == T_PAGEFLT &&
	    addr >= USER_STACK_BOTTOM - USER_STACK_GUARD_PAGES * PAGE_SIZE && addr < USER_STACK_BOTTOM;
}

/* user_fault: report a ring-3 fault and end the process. */
static void
user_fault(struct trapframe *tf)
{
	bool overflow = stack_overflow(tf);

	printf("proc %d (%s): %s (vector %u) at eip 0x%08x", curproc->p_pid, curproc->p_comm,
	    overflow ? "stack overflow" : trap_name(tf->tf_trapno), tf->tf_trapno, tf->tf_eip);
	if (tf->tf_trapno == T_PAGEFLT)
		printf(", address 0x%08x (%s)", rcr2(), (tf->tf_err & 2) ? "write" : "read");
	printf(": killed\n");
	print_frame(tf);
	sti();
	proc_exit(EXIT_FAULT_BASE + (int)tf->tf_trapno);
}

/*
 * double_fault: the double-fault task (trapentry.S). A kernel stack overflow ends here: the
 * page fault on the stack's guard could not be pushed on the overflowed stack. The state the
 * fault interrupted is in the main TSS; curthread is the thread that overflowed.
 */
void
double_fault(void)
{
	uint32_t eip, esp, ebp;
	thread_t td = curthread;

	tss_interrupted(&eip, &esp, &ebp);
	if (td != NULL && kstack_in_guard(td->td_kstack, esp))
		printf("\npanic: kernel stack overflow in %s (esp 0x%08x, eip 0x%08x)\n", td->td_name,
		    esp, eip);
	else
		printf("\npanic: %s (vector 8) at eip 0x%08x, esp 0x%08x\n", trap_name(8), eip, esp);
	printf("backtrace:\n  #0 0x%08x\n", eip);
	backtrace_from(ebp, 1);
	panic_stop();
}

/* kernel_fault: the one-line panic reason names the vector, the address and the eip. */
static void
kernel_fault(struct trapframe *tf)
{
	cli();
	if (tf->tf_trapno == T_PAGEFLT && kstack_in_guard(curthread->td_kstack, rcr2())) {
		printf("\npanic: kernel stack overflow in %s (page fault at 0x%08x, eip 0x%08x)\n",
		    curthread->td_name, rcr2(), tf->tf_eip);
	} else {
		printf("\npanic: %s (vector %u) at eip 0x%08x", trap_name(tf->tf_trapno),
		    tf->tf_trapno, tf->tf_eip);
		if (tf->tf_trapno == T_PAGEFLT)
			printf(", address 0x%08x", rcr2());
		printf(", error 0x%x\n", tf->tf_err);
	}
	print_frame(tf);
	printf("backtrace:\n  #0 0x%08x\n", tf->tf_eip);
	backtrace_from(tf->tf_ebp, 1);
	panic_stop();
}

/* device_intr: a hardware interrupt, run with interrupts off on the interrupted stack. */
static void
device_intr(struct trapframe *tf)
{
	struct globaldata *gd = mycpu;
	int irq = (int)tf->tf_trapno - T_IRQ0;

	gd->gd_intr_nesting++;
	TRACE_INTR_ENTER(irq);
	if (irq == 0) {
		clock_intr(tf);
	} else if (irq == 4) {
		console_intr();
		pic_eoi(irq);
		if (curthread->td_critcount == 0 && gd->gd_intr_nesting == 1) {
			gd->gd_intr_nesting--;
			intr_service();		/* complete waiting reads now */
			gd->gd_intr_nesting++;
		}
	} else if (irq != 7 && irq != 15) {	/* 7 and 15 may be spurious: no EOI then */
		pic_eoi(irq);
	}
	TRACE_INTR_EXIT(irq);
	gd->gd_intr_nesting--;
	/* A process killed while it computes in ring 3 ends at its next interrupt. */
	if (TF_FROM_USER(tf) && curproc != NULL && curproc->p_killed) {
		sti();
		proc_exit(EXIT_KILLED);
	}
}

/* user_yield: a tick came during the system call: round robin, as if it had come in ring 3. */
static __attribute__((noinline)) void
user_yield(void)
{
	curthread->td_flags &= ~TDF_USER_YIELD;	/* a tick's |= racing this is lost: harmless */
	if (lwkt_should_yield(curthread)) {
		lwkt_stats.preemptions++;
		lwkt_yield();
	}
}

void
trap(struct trapframe *tf)
{
	/* The system call first: it is the hot path. */
	if (__builtin_expect(tf->tf_trapno == T_SYSCALL && TF_FROM_USER(tf), 1)) {
		TRACE_SYSCALL_ENTER(tf->tf_eax);
		sti();			/* the call may block: let interrupts in as in any kernel code */
		tf->tf_eax = (uint32_t)sysmsg_trap(tf->tf_eax);
		TRACE_SYSCALL_EXIT(tf->tf_eax);
		if (__builtin_expect(curproc->p_killed, 0))
			proc_exit(EXIT_KILLED);
		if (__builtin_expect(curthread->td_flags & TDF_USER_YIELD, 0))
			user_yield();
		cli();		/* trapret must not be interrupted half-way back to ring 3 */
		return;
	}
	/* A fault inside user_copy on a user address: the copy answers EFAULT. */
	if (tf->tf_trapno == T_PAGEFLT && !TF_FROM_USER(tf) && curthread->td_onfault != 0 &&
	    rcr2() >= USER_BASE && rcr2() < USER_TOP) {
		tf->tf_eip = curthread->td_onfault;
		return;
	}
	if (tf->tf_trapno >= T_IRQ0 && tf->tf_trapno < T_IRQ0 + 16) {
		device_intr(tf);
		return;
	}
	if (!TF_FROM_USER(tf))
		kernel_fault(tf);
	user_fault(tf);		/* a fault in ring 3: the process ends */
}
