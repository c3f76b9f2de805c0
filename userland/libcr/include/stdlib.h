#ifndef _STDLIB_H_
#define _STDLIB_H_
#include <sys/types.h>
#define EXIT_SUCCESS	0
#define EXIT_FAILURE	1
__attribute__((noreturn)) void exit(int status);
__attribute__((noreturn)) void abort(void);
int	atexit(void (*fn)(void));
int	abs(int v);
#endif
