/* Basic types shared by the kernel and libcr (i386: ILP32): ABI. */
#ifndef _SYS_TYPES_H_
#define _SYS_TYPES_H_

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef int		ssize_t;
typedef int		pid_t;
typedef int64_t		off_t;
typedef int64_t		time_t;		/* seconds */
typedef unsigned int	mode_t;		/* file type and permission bits (abi/stat.h) */
typedef uint32_t	ino_t;		/* a file's number within its device */
typedef uint32_t	dev_t;		/* a device (abi/stat.h: st_dev, st_rdev) */
typedef uint32_t	nlink_t;	/* names a file has */
typedef uint32_t	uid_t;		/* one user, 0: no permissions are checked */
typedef uint32_t	gid_t;
typedef int32_t		blksize_t;
typedef int64_t		blkcnt_t;
/* The rest of POSIX's <sys/types.h> names (libcr's <time.h> and <sys/select.h> repeat two). */
typedef int		clockid_t;	/* CLOCK_REALTIME, CLOCK_MONOTONIC (abi/time.h) */
typedef long		clock_t;
typedef int32_t		suseconds_t;	/* microseconds, signed */
typedef uint32_t	useconds_t;	/* microseconds, 0 .. 1000000 */
typedef uint32_t	id_t;		/* holds a pid_t, uid_t or gid_t */
typedef int		key_t;

#endif
