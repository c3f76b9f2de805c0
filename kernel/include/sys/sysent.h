/* The syscall dispatch table; its contents are generated from kernel/syscalls.toml. */
#ifndef _SYS_SYSENT_H_
#define _SYS_SYSENT_H_

#include <sys/sysmsg.h>

struct sysent {
	const char	*sy_name;
	uint32_t	sy_msgsize;		/* bytes of the whole message, header included */
	int		(*sy_call)(void *msg);	/* checks buffers, calls sys_NAME */
};

extern const struct sysent sysent[SYS_MAXSYSCALL];

#endif
