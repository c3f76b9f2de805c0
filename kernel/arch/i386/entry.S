/*
 * The first instructions: the multiboot v1 header, then _start, which the boot loader (QEMU's
 * -kernel) enters in 32-bit protected mode with paging off, %eax = the multiboot magic and
 * %ebx = the multiboot information structure.
 */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000003	/* modules page-aligned, memory information wanted */

	.section .multiboot, "a"
	.p2align 2
multiboot_header:
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.text
	.globl	_start
	.type	_start, @function
_start:
	cli
	movl	$boot_stack_top, %esp
	xorl	%ebp, %ebp		/* ends every backtrace */
	pushl	%ebx
	pushl	%eax
	call	kmain
1:	cli
	hlt
	jmp	1b

	.bss
	.p2align 12
	/* Never mapped (pmap_bootstrap): thread0 running off its stack faults here. */
	.globl	boot_stack_guard
boot_stack_guard:
	.space	8192			/* KSTACK_GUARD */
	.globl	boot_stack
boot_stack:
	.space	16384
	.globl	boot_stack_top
boot_stack_top:
