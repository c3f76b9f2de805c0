/*
 * trap(): where every interrupt, exception and system call arrives. A write to a copy-on-write
 * page is resolved and retried; any other fault in ring 3 kills the process with a report and
 * the kernel carries on; a fault in the kernel is a panic.
 */
#include <sys/systm.h>
#include <sys/proc.h>
#include <sys/globaldata.h>
#include <sys/ksysmsg.h>
#include <sys/trace.h>
#include <sys/uaccess.h>
#include <vm/kstack.h>
#include <vm/vm.h>
#include <machine/cpufunc.h>
#include <machine/lapic.h>
#include <machine/segments.h>
#include <machine/trap.h>
#include <abi/signal.h>

void	pic_eoi(int irq);
void	clock_intr(struct trapframe *tf);
void	lapic_timer_intr(struct trapframe *tf);
void	lwkt_ipiq_intr(void);
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

/*
 * user_fault: a ring-3 fault goes to the process's handler for its signal (SIGSEGV, SIGFPE,
 * SIGILL, ...: kern_sig.c) when there is one the vCPU does not block; otherwise it is reported
 * and the process ends.
 */
static void
user_fault(struct trapframe *tf)
{
	bool overflow = stack_overflow(tf);

	/* (A stack overflow too: a SIGSEGV handler with SA_ONSTACK runs on the alternate stack.) */
	if (sig_fault(tf, (int)tf->tf_trapno, tf->tf_trapno == T_PAGEFLT ? rcr2() : 0))
		return;

	printf("proc %d (%s): %s (vector %u) at eip 0x%08x", curproc->p_pid, curproc->p_comm,
	    overflow ? "stack overflow" : trap_name(tf->tf_trapno), tf->tf_trapno, tf->tf_eip);
	if (tf->tf_trapno == T_PAGEFLT)
		printf(", address 0x%08x (%s)", rcr2(), (tf->tf_err & 2) ? "write" : "read");
	printf(": killed\n");
	print_frame(tf);
	sti();
	proc_exit(proc_wait_status(PEND_FAULT, (int)tf->tf_trapno));
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

/*
 * intr_user_return_slow: an interrupt (a device's, or a local APIC's: another CPU's tick, an
 * IPI) is about to return to a vCPU computing in ring 3: a killed process ends, a stopped one
 * stops (job control), and a signal (or poke) the vCPU does not block is taken now. Every CPU's:
 * a vCPU that runs on another CPU than the boot CPU takes its signals at that CPU's ticks too.
 */
static __attribute__((noinline)) void
intr_user_return_slow(struct globaldata *gd, struct trapframe *tf)
{
	struct proc *p = curproc;
	thread_t td = curthread;
	bool signal = ((td->td_ast & TDA_UPCALL) || p->p_sigpending != 0) &&
	    td->td_upcall_entry != 0 && gd->gd_intr_nesting == 0;
	bool away = false;

	if (!p->p_killed && !(p->p_stopped && gd->gd_intr_nesting == 0) && !signal)
		return;
	if (gd->gd_cpuid != PROC_HOME_CPU && gd->gd_intr_nesting == 0) {
		sti();			/* the work is the home CPU's (kern/kern_vcpu_place.c) */
		vcpu_go_home();
		gd = mycpu;
		away = true;
	}
	if (p->p_killed) {
		sti();
		proc_exit(proc_wait_status(PEND_KILLED, SIGKILL));
	}
	if (p->p_stopped && gd->gd_intr_nesting == 0) {
		sti();
		sig_stopped_wait();
	}
	if (((td->td_ast & TDA_UPCALL) || p->p_sigpending != 0) &&
	    td->td_upcall_entry != 0 && gd->gd_intr_nesting == 0)
		sig_ast_trap(tf);
	if (away)
		vcpu_go_back();
}

/* intr_user_return: the test inline (an interrupt of the kernel, an IPI's usual case, pays one). */
static inline __attribute__((always_inline)) void
intr_user_return(struct globaldata *gd, struct trapframe *tf)
{
	if (__builtin_expect(TF_FROM_USER(tf), 0) && curproc != NULL)
		intr_user_return_slow(gd, tf);
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
	intr_user_return(gd, tf);
}

/*
 * apic_intr: a local APIC vector (traps.toml's apic): a CPU's timer, or an IPI saying its IPI
 * queues have messages (kern/lwkt_ipiq.c). The spurious vector takes no EOI.
 */
static void
apic_intr(struct trapframe *tf)
{
	struct globaldata *gd = mycpu;

	if (tf->tf_trapno == T_SPURIOUS)
		return;
	gd->gd_intr_nesting++;
	if (tf->tf_trapno == T_LTIMER) {
		lapic_timer_intr(tf);
	} else {
		gd->gd_ipis++;
		lapic_eoi();
		lwkt_ipiq_intr();
	}
	gd->gd_intr_nesting--;
	intr_user_return(gd, tf);
}

/*
 * syscall_ast: a system call is about to return to ring 3 and curthread->td_ast is set (the
 * exit path of syscall_entry calls it with interrupts on, then checks again).
 */
void
syscall_ast(struct syscall_regs *r)
{
	thread_t td = curthread;

	/* Away from the home CPU (a vCPU placed elsewhere): its work is done there. */
	if ((td->td_ast & TDA_HOMEWORK) && td->td_gd->gd_cpuid != PROC_HOME_CPU)
		vcpu_go_home();

	if (td->td_ast & TDA_KSEDONE)
		kse_call_return(r);	/* a KSE call's context: UPC_UNBLOCKED, and it ends */
	if (td->td_ast & TDA_KILLED)
		proc_exit(proc_wait_status(PEND_KILLED, SIGKILL));
	if (td->td_ast & (TDA_UPCALL | TDA_SIGINTR | TDA_RESUME))
		sig_ast_syscall(r);	/* clears them */
	if (td->td_ast & TDA_YIELD) {
		/* A tick came during the call: round robin, as if it had come in ring 3. */
		__atomic_and_fetch(&td->td_ast, ~TDA_YIELD, __ATOMIC_RELAXED);
		if (lwkt_should_yield(td)) {
			lwkt_stats.preemptions++;
			lwkt_yield();
		}
	}
	if (td->td_ast & TDA_GOBACK)
		vcpu_go_back();		/* to its own CPU for ring 3 */
}

/*
 * page_fault_resolved: a write to a present user page faulted: if the page is copy-on-write in the address
 * space in use, that address space gets a page of its own (vm/pmap.c) and the write is retried.
 * The same whether ring 3 wrote or the kernel did for it (copyout into a buffer fork shared,
 * the answer of a system call): only a fault that is not copy-on-write goes on to EFAULT or a
 * kill; nor does one that another CPU's vCPU resolved first (pmap_fault_raced). Page faults
 * come through an interrupt gate: this runs with interrupts off.
 */
static __attribute__((noinline)) bool
page_fault_resolved(const struct trapframe *tf)
{
	if ((tf->tf_err & (PGEX_P | PGEX_W)) == (PGEX_P | PGEX_W) &&
	    pmap_cow_fault(pmap_current(), rcr2()) == 0)
		return true;
	/* With several CPUs: another vCPU of the process may have resolved it meanwhile. */
	return ncpus > 1 && pmap_fault_raced(pmap_current(), rcr2(), tf->tf_err & PGEX_W);
}

/* cow_fault: the test inline (every interrupt passes it), the rest out of line. */
static inline __attribute__((always_inline)) bool
cow_fault(const struct trapframe *tf)
{
	return tf->tf_trapno == T_PAGEFLT && page_fault_resolved(tf);
}

static inline __attribute__((always_inline)) void trap_here(struct trapframe *tf);

/*
 * user_trap_at_home: a fault in ring 3 on another CPU than the process's home: the vCPU moves
 * home (kern/kern_vcpu_place.c), the fault is handled there as if it had come there (the
 * faulting address goes with it in %cr2), and the vCPU moves back. Called with interrupts off.
 */
static void
user_trap_at_home(struct trapframe *tf)
{
	uint32_t cr2 = rcr2();

	sti();
	vcpu_go_home();
	cli();
	__asm__ volatile("movl %0, %%cr2" : : "r"(cr2));
	trap_here(tf);
	sti();
	vcpu_go_back();
}

void
trap(struct trapframe *tf)
{
	if (__builtin_expect(tf->tf_trapno < T_IRQ0, 0) && TF_FROM_USER(tf) &&
	    curthread->td_gd->gd_cpuid != PROC_HOME_CPU) {
		user_trap_at_home(tf);
		return;
	}
	trap_here(tf);
}

/* trap_here: a trap, exception or interrupt, handled on this CPU (interrupts off). */
static inline __attribute__((always_inline)) void
trap_here(struct trapframe *tf)
{
	uint32_t fixup;

	if (cow_fault(tf))
		return;
	/* A fault at a listed access to user memory (machine/uaccess.h): it answers EFAULT. */
	if (tf->tf_trapno == T_PAGEFLT && !TF_FROM_USER(tf) && rcr2() >= USER_BASE &&
	    rcr2() < USER_TOP && (fixup = uaccess_fixup(tf->tf_eip)) != 0) {
		tf->tf_eip = fixup;
		return;
	}
	if (tf->tf_trapno >= T_IRQ0 && tf->tf_trapno < T_IRQ0 + 16) {
		device_intr(tf);
		return;
	}
	if (tf->tf_trapno >= T_LTIMER) {
		apic_intr(tf);
		return;
	}
	if (!TF_FROM_USER(tf))
		kernel_fault(tf);
	user_fault(tf);		/* a fault in ring 3: the process ends */
}
