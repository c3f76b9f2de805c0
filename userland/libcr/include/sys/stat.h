/*
 * File status: struct stat and the S_* type and permission bits (<abi/stat.h>, the kernel's),
 * stat, fstat, lstat (there are no symbolic links: lstat is stat), mkdir.
 */
#ifndef _SYS_STAT_H_
#define _SYS_STAT_H_
#include <sys/types.h>
#include <abi/stat.h>
#include <sys/syscalls.h>	/* int mkdir(const char *path, mode_t mode) */

int	stat(const char *restrict path, struct stat *restrict buf);
int	fstat(int fd, struct stat *buf);
int	lstat(const char *restrict path, struct stat *restrict buf);
int	mkdir(const char *path, mode_t mode);
#endif
