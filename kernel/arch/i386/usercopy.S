/*
 * user_copy(dst, src, len): copy between the kernel and the current process's memory without
 * walking page tables first. The two string moves are in the exception table (machine/uaccess.h):
 * a page fault in either (an unmapped or read-only user page) resumes at copy_fault, so the copy
 * answers EFAULT instead of panicking. Callers check that the user range lies in user space;
 * the MMU checks the rest.
 */
	.text
	.globl	user_copy
	.type	user_copy, @function
user_copy:
	pushl	%edi
	pushl	%esi
	movl	12(%esp), %edi
	movl	16(%esp), %esi
	movl	20(%esp), %ecx
	movl	%ecx, %edx
	shrl	$2, %ecx
1:	rep movsl
	.pushsection __ex_table, "a"
	.balign	4
	.long	1b, copy_fault
	.popsection
	movl	%edx, %ecx
	andl	$3, %ecx
1:	rep movsb
	.pushsection __ex_table, "a"
	.balign	4
	.long	1b, copy_fault
	.popsection
	xorl	%eax, %eax
	popl	%esi
	popl	%edi
	ret
copy_fault:
	movl	$14, %eax		/* EFAULT */
	popl	%esi
	popl	%edi
	ret
	.size	user_copy, . - user_copy
