#ifndef _SYS_WAIT_H_
#define _SYS_WAIT_H_
#include <sys/types.h>
/* A status is the exit code (0..255); 128 + n means killed (by fault vector n, or 137 by kill). */
#define WEXITSTATUS(s)	((s) & 0xff)
#define WIFEXITED(s)	(1)
pid_t	waitpid(pid_t pid, int *status, int options);
pid_t	wait(int *status);
#endif
