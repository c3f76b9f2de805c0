/*
 * trap(): where every interrupt, exception and system call arrives. A fault in ring 3 kills
 * the process with a report and the kernel carries on; a fault in the kernel is a panic.
 */
#include <sys/systm.h>
#include <sys/proc.h>
#include <machine/cpufunc.h>
#include <machine/trap.h>

void	syscall(struct trapframe *tf);
void	pic_eoi(int irq);

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

/* user_fault: report a ring-3 fault and end the process. */
static void
user_fault(struct trapframe *tf)
{
	printf("proc %d (%s): %s (vector %u) at eip 0x%08x", curproc->p_pid, curproc->p_comm,
	    trap_name(tf->tf_trapno), tf->tf_trapno, tf->tf_eip);
	if (tf->tf_trapno == T_PAGEFLT)
		printf(", address 0x%08x (%s)", rcr2(), (tf->tf_err & 2) ? "write" : "read");
	printf(": killed\n");
	print_frame(tf);
	proc_exit(EXIT_FAULT_BASE + (int)tf->tf_trapno);
}

/* kernel_fault: the one-line panic reason names the vector, the address and the eip. */
static void
kernel_fault(struct trapframe *tf)
{
	cli();
	printf("\npanic: %s (vector %u) at eip 0x%08x", trap_name(tf->tf_trapno), tf->tf_trapno,
	    tf->tf_eip);
	if (tf->tf_trapno == T_PAGEFLT)
		printf(", address 0x%08x", rcr2());
	printf(", error 0x%x\n", tf->tf_err);
	print_frame(tf);
	printf("backtrace:\n  #0 0x%08x\n", tf->tf_eip);
	backtrace_from(tf->tf_ebp, 1);
	panic_stop();
}

void
trap(struct trapframe *tf)
{
	if (tf->tf_trapno == T_SYSCALL) {
		syscall(tf);
		return;
	}
	if (tf->tf_trapno >= T_IRQ0 && tf->tf_trapno < T_IRQ0 + 16) {
		pic_eoi((int)tf->tf_trapno - T_IRQ0);	/* no device interrupts are used yet */
		return;
	}
	if (TF_FROM_USER(tf))
		user_fault(tf);
	kernel_fault(tf);
}
