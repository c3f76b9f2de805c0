/*
 * open, creat, stat, fstat, lstat: the open, stat and fstat calls with POSIX's shapes and types
 * (struct stat: <abi/stat.h>).
 */
#include <stdarg.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscalls.h>

/* open: the third argument, the new file's mode, is there only when oflag has O_CREAT. */
int
open(const char *path, int oflag, ...)
{
	int mode = 0;

	if (oflag & O_CREAT) {
		va_list ap;
		va_start(ap, oflag);
		mode = (int)va_arg(ap, mode_t);
		va_end(ap);
	}
	return __sys_open(path, oflag, mode);
}

int
creat(const char *path, mode_t mode)
{
	return __sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, (int)mode);
}

int
stat(const char *restrict path, struct stat *restrict buf)
{
	return __sys_stat(path, buf);
}

int
fstat(int fd, struct stat *buf)
{
	return __sys_fstat(fd, buf);
}

/* lstat: there are no symbolic links, so a path's last component is never one. */
int
lstat(const char *restrict path, struct stat *restrict buf)
{
	return __sys_stat(path, buf);
}
