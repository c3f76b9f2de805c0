/*
 * The limits the kernel enforces that programs may need to know: ABI, shared by the kernel and
 * libcr's <limits.h>.
 */
#ifndef _ABI_LIMITS_H_
#define _ABI_LIMITS_H_

#define OPEN_MAX	32	/* descriptors per process: 0 .. OPEN_MAX - 1 */
#define PATH_MAX	256	/* bytes in a path name, its NUL included (the spec's max) */
#define NAME_MAX	127	/* bytes in one component of a path name, without its NUL */
#define PIPE_BUF	512	/* a pipe write of this many bytes or fewer is never interleaved
				   (POSIX's minimum: a pipe holds 4096, so a write end polls
				   ready while PIPE_BUF bytes fit, fs/pipe.c) */
#define ARG_MAX		4096	/* bytes of exec's and spawn's argument and environment strings */

#endif
