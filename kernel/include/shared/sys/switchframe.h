/*
 * The stack a thread is switched to, shared by the kernel (arch/i386/swtch.S: cpu_switch_to) and
 * libcr (lwkt/switch.S: cr_switch). Both switch routines push the callee-saved registers ebp,
 * ebx, esi and edi on the stack of the thread they leave, store its stack pointer in the thread's
 * first word, load the other's, pop its four registers and return (the kernel's also saves and
 * restores eflags, one word below):
 *
 *	td_sp ──▶ [ edi ][ esi ][ ebx ][ ebp ][ return address ] ... higher addresses
 *
 * switch_frame() lays out a new thread's stack so that the first switch to it returns into its
 * side's start stub (SWITCH_START_STUB below), with the thread in ebx; the stub calls the side's C
 * entry with the thread as argument.
 */
#ifndef _SYS_SWITCHFRAME_H_
#define _SYS_SWITCHFRAME_H_

#define SWITCH_FRAME_REGS	4	/* words the switch pops before it returns */

#ifdef __ASSEMBLER__

/*
 * SWITCH_START_STUB name, entry: a new thread's first return lands at `name`, with its thread in
 * ebx; it ends the frame-pointer chain (backtraces stop here) and calls entry(thread), which
 * never returns.
 */
	.macro	SWITCH_START_STUB name, entry
	.globl	\name
	.type	\name, @function
\name:
	xorl	%ebp, %ebp
	pushl	%ebx
	call	\entry
	ud2
	.size	\name, . - \name
	.endm

#else

#include <sys/types.h>

/* switch_frame: the stack pointer a new thread starts with (stack_top is its stack's end). */
static inline uint32_t *
switch_frame(void *stack_top, void (*start)(void), void *td)
{
	uint32_t *sp = stack_top;

	*--sp = 0;				/* start's own return address: none */
	*--sp = (uint32_t)start;		/* where the switch returns to */
	*--sp = 0;				/* ebp */
	*--sp = (uint32_t)td;			/* ebx: start passes it to the C entry */
	*--sp = 0;				/* esi */
	*--sp = 0;				/* edi */
	return sp;
}

#endif
#endif
