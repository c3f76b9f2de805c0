/*
 * The common path of every trap: save the registers the stubs did not, switch to the kernel's
 * data segments, call trap(frame), then restore and return with iret. trapret_to() enters a
 * prepared frame directly: that is how a process first reaches ring 3.
 */
#include <machine/segments.h>

	.text
	.globl	trap_common
	.type	trap_common, @function
trap_common:
	cld			/* the kernel's string copies run forwards, whatever was interrupted */
	pushl	%ds
	pushl	%es
	pushl	%fs
	pushl	%gs
	pushal				/* the stack now holds a struct trapframe (trap.h) */
	movw	$GSEL_KDATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	$GSEL_KPCPU, %ax	/* mycpu, curthread */
	movw	%ax, %fs
	xorl	%eax, %eax		/* the kernel has no use for %gs: never keep a user (LDT) */
	movw	%ax, %gs		/* selector that may outlive its process's LDT */
	pushl	%esp
	call	trap
	addl	$4, %esp
	jmp	trapret

	.globl	trapret
trapret:
	popal
	popl	%gs
	popl	%fs
	popl	%es
	popl	%ds
	addl	$8, %esp		/* vector number and error code */
	iret

	/* trapret_to(struct trapframe *tf): load tf as the stack and leave through trapret. */
	.globl	trapret_to
	.type	trapret_to, @function
trapret_to:
	movl	4(%esp), %esp
	jmp	trapret

	/*
	 * double_fault_entry: the double-fault task starts here (gdt.c), on its own stack, with
	 * the CPU's error code (always 0) pushed. It never returns.
	 */
	.globl	double_fault_entry
	.type	double_fault_entry, @function
double_fault_entry:
	addl	$4, %esp
	xorl	%ebp, %ebp
	call	double_fault
1:	cli
	hlt
	jmp	1b
