/*
 * cr_switch(from, to): save the callee-saved registers on from's stack and its stack pointer in
 * from->td_sp, then load to's, and to's TLS selector into %gs: a user-thread switch, no system
 * call. A new thread's stack is laid
 * out by cr_thread_create to return into cr_thread_start.
 */
	.text
	.globl	cr_switch
	.type	cr_switch, @function
cr_switch:
	movl	4(%esp), %eax		/* from */
	movl	8(%esp), %edx		/* to */
	pushl	%ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	movl	%esp, (%eax)
	movl	(%edx), %esp
	movw	4(%edx), %gs		/* the new thread's TLS: one segment load, no system call */
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret
	.size	cr_switch, . - cr_switch

	/* A new thread's first return: its struct thread is in %ebx. */
	.globl	cr_thread_start
	.type	cr_thread_start, @function
cr_thread_start:
	xorl	%ebp, %ebp
	pushl	%ebx
	call	cr_thread_entry
	ud2
	.size	cr_thread_start, . - cr_thread_start
