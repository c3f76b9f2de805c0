/*
 * cpu_switch_to(from, to), from in %eax and to in %edx (regparm): save the callee-saved
 * registers and flags of the running thread on its stack, store its stack pointer in
 * from->td_sp, load to->td_sp, restore and return into `to`. A new thread's stack is laid out
 * by switch_frame (sys/switchframe.h, which libcr's switch shares) and thread_start_frame to
 * return into cpu_thread_start.
 */
#include <sys/switchframe.h>

#define TD_SP	0		/* offsetof(struct thread, td_sp): checked by lwkt_thread.c */

	.text
	.globl	cpu_switch_to
	.type	cpu_switch_to, @function
cpu_switch_to:
	pushl	%ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	pushfl
	movl	%esp, TD_SP(%eax)
	movl	TD_SP(%edx), %esp
	popfl
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret
	.size	cpu_switch_to, . - cpu_switch_to

	/* A new thread's first return lands here, with its struct thread in %ebx. */
	SWITCH_START_STUB cpu_thread_start, lwkt_thread_entry
