/*
 * _start: the first user instruction. The kernel leaves argc, argv[], NULL, envp[], NULL on
 * the stack; hand them to __libcr_start, which calls main and exit.
 */
	.section .text.start, "ax"
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp		/* the outermost frame, for backtraces */
	movl	%esp, %eax
	andl	$-16, %esp		/* the i386 ABI wants 16-byte alignment at calls */
	subl	$12, %esp
	pushl	%eax			/* pointer to argc */
	call	__libcr_start
	hlt				/* not reached: __libcr_start calls exit */
