/* open(), creat() and their flags (<abi/fcntl.h>: the ABI's values, shared with the kernel). */
#ifndef _FCNTL_H_
#define _FCNTL_H_
#include <sys/types.h>
#include <abi/fcntl.h>
#include <sys/syscalls.h>

/* open: POSIX's shape, a mode argument read only with O_CREAT (unistd/stat.c); creat is
 * open(path, O_WRONLY | O_CREAT | O_TRUNC, mode). */
int	open(const char *path, int oflag, ...);
int	creat(const char *path, mode_t mode);

#endif
