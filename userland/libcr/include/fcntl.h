/*
 * open() and its flags. The values are Linux's, spelled exactly as the kernel's <sys/file.h>
 * spells them, so a file that includes both compiles cleanly.
 */
#ifndef _FCNTL_H_
#define _FCNTL_H_
#include <sys/types.h>
#include <sys/syscalls.h>	/* int open(const char *path, int flags, int mode) */

#ifndef O_RDONLY
#define O_RDONLY	0x0000
#endif
#ifndef O_WRONLY
#define O_WRONLY	0x0001
#endif
#ifndef O_RDWR
#define O_RDWR		0x0002
#endif
#ifndef O_ACCMODE
#define O_ACCMODE	0x0003
#endif
#ifndef O_CREAT
#define O_CREAT		0x0040
#endif
#ifndef O_TRUNC
#define O_TRUNC		0x0200
#endif
#ifndef O_APPEND
#define O_APPEND	0x0400
#endif

#endif
