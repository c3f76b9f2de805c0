/*
 * setjmp, longjmp, sigsetjmp: the register half of <setjmp.h> (siglongjmp, which restores the
 * mask first, is in signal.c). The layout: ebx, esi, edi, ebp, esp (the caller's, after the
 * return), eip (the return address); a sigjmp_buf adds savemask and the mask.
 */
	.text
	.globl	setjmp, _setjmp, longjmp, _longjmp, sigsetjmp
	.type	setjmp, @function
setjmp:
_setjmp:
	movl	4(%esp), %eax
	movl	%ebx, 0(%eax)
	movl	%esi, 4(%eax)
	movl	%edi, 8(%eax)
	movl	%ebp, 12(%eax)
	leal	4(%esp), %ecx		/* the caller's stack pointer once setjmp has returned */
	movl	%ecx, 16(%eax)
	movl	(%esp), %ecx
	movl	%ecx, 20(%eax)
	xorl	%eax, %eax
	ret
	.size	setjmp, . - setjmp

	.type	longjmp, @function
longjmp:
_longjmp:
	movl	4(%esp), %edx
	movl	8(%esp), %eax
	testl	%eax, %eax
	jnz	1f
	incl	%eax			/* longjmp(env, 0) makes setjmp answer 1 */
1:	movl	0(%edx), %ebx
	movl	4(%edx), %esi
	movl	8(%edx), %edi
	movl	12(%edx), %ebp
	movl	16(%edx), %esp
	jmp	*20(%edx)
	.size	longjmp, . - longjmp

	/* sigsetjmp(env, savemask): env[6] = savemask; with it, env[7] = the mask; then setjmp. */
	.type	sigsetjmp, @function
sigsetjmp:
	movl	4(%esp), %eax
	movl	8(%esp), %ecx
	movl	%ecx, 24(%eax)
	testl	%ecx, %ecx
	jz	setjmp
	subl	$8, %esp
	pushl	%eax
	call	__cr_sigmask_save	/* env[7]; callee-saved registers survive */
	addl	$12, %esp
	jmp	setjmp
	.size	sigsetjmp, . - sigsetjmp
