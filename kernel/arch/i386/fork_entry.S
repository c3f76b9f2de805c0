/*
 * sys_fork(msg): the handler the dispatch table names for fork, in front of fork_syscall()
 * (kern/kern_fork.c).
 *
 * The child returns to ring 3 with every register the parent had at the trap (the trap keeps
 * all but %eax), but syscall_entry saves only what C clobbers (struct syscall_frame). The rest,
 * %ebx, %esi, %edi and %ebp, are callee-saved in C: the fast path never touches them, so they
 * still hold ring 3's values when it calls a handler. This entry saves them, and the message's
 * user address (which the fast path keeps in its copy's ms_error), as a struct fork_regs
 * (machine/trap.h) and calls fork_syscall(msg, regs).
 *
 * Called from anywhere but the fast path (the trace kernel's general path, where syscall_slow
 * saved a struct fork_regs under the frame), it passes regs = NULL and fork_syscall finds them.
 */
#define MS_ERROR	28		/* offsetof(struct lwkt_msg, ms_error): kern_sysmsg.c checks */

	.text
	.globl	sys_fork
	.type	sys_fork, @function
sys_fork:
	movl	4(%esp), %eax			/* msg, the fast path's copy */
	cmpl	$syscall_fast_return, (%esp)
	jne	1f
	pushl	%ebp
	pushl	%edi
	pushl	%esi
	pushl	%ebx
	pushl	MS_ERROR(%eax)			/* fr_uaddr */
	movl	%esp, %edx
	pushl	%edx				/* regs */
	pushl	%eax				/* msg */
	call	fork_syscall
	addl	$28, %esp			/* the callee-saved registers are unchanged */
	ret
1:	pushl	$0				/* regs: not from the fast path */
	pushl	%eax
	call	fork_syscall
	addl	$8, %esp
	ret
	.size	sys_fork, . - sys_fork
