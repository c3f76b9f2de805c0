/*
 * user_copy(dst, src, len): copy between the kernel and the current process's memory without
 * walking page tables first. A page fault inside the copy (an unmapped or read-only user page)
 * lands in kernel_fault, which sees curthread->td_onfault set and resumes at copy_fault, so
 * the copy answers EFAULT instead of panicking. Callers check that the user range lies in user
 * space; the MMU checks the rest.
 */
#define TD_ONFAULT	4	/* offsetof(struct thread, td_onfault): checked by lwkt_thread.c */

	.text
	.globl	user_copy
	.type	user_copy, @function
user_copy:
	pushl	%edi
	pushl	%esi
	movl	%fs:4, %eax		/* curthread */
	pushl	TD_ONFAULT(%eax)	/* a copy this one interrupted (completion at interrupt time) */
	movl	$copy_fault, TD_ONFAULT(%eax)
	movl	16(%esp), %edi
	movl	20(%esp), %esi
	movl	24(%esp), %ecx
	movl	%ecx, %edx
	shrl	$2, %ecx
	rep movsl
	movl	%edx, %ecx
	andl	$3, %ecx
	rep movsb
	popl	TD_ONFAULT(%eax)	/* give the interrupted copy its recovery point back */
	xorl	%eax, %eax
	popl	%esi
	popl	%edi
	ret
copy_fault:
	movl	%fs:4, %eax
	popl	TD_ONFAULT(%eax)
	movl	$14, %eax		/* EFAULT */
	popl	%esi
	popl	%edi
	ret
	.size	user_copy, . - user_copy
