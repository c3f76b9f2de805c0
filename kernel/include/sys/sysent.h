/* The syscall dispatch table; its contents are generated from kernel/syscalls.toml. */
#ifndef _SYS_SYSENT_H_
#define _SYS_SYSENT_H_

#include <sys/sysmsg.h>

struct sysent {
	const char	*sy_name;
	uint32_t	sy_msgsize;		/* bytes of the whole message, header included */
	int		(*sy_call)(void *msg);	/* checks buffers, calls sys_NAME */
	uint16_t	sy_flags;		/* SYF_ */
	uint16_t	sy_fast;		/* SYF_FAST: 1 + its argument words; 0 otherwise */
};

/* sy_flags, from the spec's fields. */
#define SYF_BLOCKING	0x0001	/* blocking = true: may answer EASYNC and complete later */
#define SYF_NOBATCH	0x0002	/* batch = false: refused (EINVAL) inside a submit batch or the ring */
#define SYF_FAST	0x0004	/* blocking = false: runs from the stack and answers at once */

/*
 * Batches never nest: SYF_NOBATCH keeps submit and ring_enter out of batches, and as a second
 * line batch_begin (kern_sysmsg.c) refuses a batch while one is being taken on the same stack,
 * so no call can recurse on the kernel stack through batches, now or after a spec change.
 */
union sysmsg_args {			/* a message's kernel copy: header, then arguments */
	struct lwkt_msg	hdr;
	char		bytes[SYSMSG_MAXSIZE];
};

extern const struct sysent sysent[SYS_MAXSYSCALL];
extern const uint32_t sysent_count;		/* SYS_MAXSYSCALL, for the assembler */
/* 1 for a call the spec says anycpu: it touches no process state, so a kernel-polled ring's
 * thread runs it on its own CPU (a table apart: run_inline compares sy_flags whole). */
extern const uint8_t sysent_anycpu[SYS_MAXSYSCALL];

#endif
