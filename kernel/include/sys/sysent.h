/* The syscall dispatch table; its contents are generated from kernel/syscalls.toml. */
#ifndef _SYS_SYSENT_H_
#define _SYS_SYSENT_H_

#include <sys/sysmsg.h>

struct sysent {
	const char	*sy_name;
	uint32_t	sy_msgsize;		/* bytes of the whole message, header included */
	int		(*sy_call)(void *msg);	/* checks buffers, calls sys_NAME */
	uint32_t	sy_flags;		/* SYF_ */
};

/* sy_flags, from the spec's fields. */
#define SYF_BLOCKING	0x0001	/* blocking = true: may answer EASYNC and complete later */
#define SYF_NOBATCH	0x0002	/* batch = false: refused (EINVAL) inside a submit batch or the ring */

/*
 * SYSMSG_DEPTH_MAX: how deep system calls may nest on one kernel stack. A trap is depth 1; an
 * entry of its batch or ring is depth 2. SYF_NOBATCH keeps submit and ring_enter out of batches,
 * so depth 2 is the most that can happen; the dispatcher still refuses anything deeper (EINVAL),
 * so no future call can recurse on the kernel stack unnoticed.
 */
#define SYSMSG_DEPTH_MAX	2

extern const struct sysent sysent[SYS_MAXSYSCALL];

#endif
