/*
 * The tracing shim: with CR_TRACE=1 in a program's environment, libcr puts a port in front of
 * the syscall port that prints every call and its answer to standard error, decoded with the
 * tables generated from kernel/syscalls.toml, e.g.
 *
 *	trace: write(fd=1, buf=0x40003010, len=6) = 6
 *	CRTRACE 3000000000000000...		(the message's bytes, for toolchain's decoder)
 *
 * The record line decodes to the same text with toolchain/decode.py.
 */
#ifndef _CR_TRACE_H_
#define _CR_TRACE_H_

#include <sys/types.h>

enum { CR_ARG_INT, CR_ARG_UINT, CR_ARG_INT64, CR_ARG_UINT64, CR_ARG_PTR };

struct cr_sysdesc {
	const char	*name;			/* NULL: no such call */
	uint16_t	msgsize;
	uint8_t		nargs;
	struct {
		const char	*name;
		uint16_t	offset;
		uint8_t		kind;		/* CR_ARG_ */
	}		args[6];
};

extern const struct cr_sysdesc cr_sysdesc[];

void	cr_trace_install(void);
/* cr_trace_format: the shim's line for a message (after its answer), into buf. */
int	cr_trace_format(char *buf, size_t size, const void *msg);

#endif
