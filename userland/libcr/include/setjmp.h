/*
 * <setjmp.h>: non-local jumps (signal/setjmp.S). A jmp_buf keeps the callee-saved registers,
 * the stack pointer and the return address; a sigjmp_buf also whether the mask was saved, and
 * the mask, which siglongjmp restores (the way out of a signal handler, SIGSEGV's included).
 */
#ifndef _SETJMP_H_
#define _SETJMP_H_

typedef int jmp_buf[6];			/* ebx esi edi ebp esp eip */
typedef int sigjmp_buf[8];		/* ... then savemask, mask */

int	setjmp(jmp_buf env) __attribute__((returns_twice));
__attribute__((noreturn)) void longjmp(jmp_buf env, int val);
int	_setjmp(jmp_buf env) __attribute__((returns_twice));
__attribute__((noreturn)) void _longjmp(jmp_buf env, int val);
int	sigsetjmp(sigjmp_buf env, int savemask) __attribute__((returns_twice));
__attribute__((noreturn)) void siglongjmp(sigjmp_buf env, int val);

#endif
