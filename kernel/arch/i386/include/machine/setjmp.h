/* A kernel setjmp/longjmp: how exit returns to the code that started the process. */
#ifndef _MACHINE_SETJMP_H_
#define _MACHINE_SETJMP_H_

#include <sys/types.h>

struct kjmp {
	uint32_t	ebx, esi, edi, ebp, esp, eip;
};

int	ksetjmp(struct kjmp *j) __attribute__((returns_twice));
__attribute__((noreturn)) void klongjmp(struct kjmp *j, int value);

#endif
