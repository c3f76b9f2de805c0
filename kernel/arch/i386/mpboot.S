/*
 * The start-up trampoline of the other CPUs (mp_machdep.c copies it to MP_TRAMPOLINE, below
 * 1 MiB, and points each CPU's STARTUP IPI at it). A CPU arrives in real mode at
 * MP_TRAMPOLINE:0; the code loads a GDT of its own (flat code 0x08 and data 0x10, the kernel's
 * selectors), enters protected mode, turns on paging with the kernel's page directory, takes
 * the stack mp_machdep.c left in mp_tramp_esp and calls ap_main. Everything in it is addressed
 * relative to MP_TRAMPOLINE, since it runs from the copy.
 */
#include <machine/segments.h>

#define MP_TRAMPOLINE	0x8000		/* mp_machdep.c: the same */
#define REL(x)		(MP_TRAMPOLINE + (x) - mp_trampoline)

	.text
	.code16
	.globl	mp_trampoline
mp_trampoline:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	REL(tramp_gdtr)
	movl	%cr0, %eax
	orl	$1, %eax		/* PE */
	movl	%eax, %cr0
	ljmpl	$GSEL_KCODE, $REL(tramp32)

	.code32
tramp32:
	movw	$GSEL_KDATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movl	%cr4, %eax
	orl	$0x10, %eax		/* PSE: the kernel maps RAM with 4 MiB pages */
	movl	%eax, %cr4
	movl	REL(mp_tramp_cr3), %eax
	movl	%eax, %cr3
	movl	%cr0, %eax
	orl	$0x80010000, %eax	/* PG, WP */
	movl	%eax, %cr0
	movl	REL(mp_tramp_esp), %esp
	xorl	%ebp, %ebp		/* ends every backtrace */
	movl	$ap_main, %eax
	call	*%eax
1:	cli
	hlt
	jmp	1b

	.p2align 3
tramp_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: code, flat, ring 0 */
	.quad	0x00cf92000000ffff	/* 0x10: data, flat, ring 0 */
tramp_gdtr:
	.word	3 * 8 - 1
	.long	REL(tramp_gdt)
	.globl	mp_tramp_cr3, mp_tramp_esp
mp_tramp_cr3:
	.long	0
mp_tramp_esp:
	.long	0
	.globl	mp_trampoline_end
mp_trampoline_end:
