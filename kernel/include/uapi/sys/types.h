/* Basic types shared by the kernel and libcr (i386: ILP32). */
#ifndef _SYS_TYPES_H_
#define _SYS_TYPES_H_

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef int		ssize_t;
typedef int		pid_t;
typedef int64_t		off_t;

#endif
