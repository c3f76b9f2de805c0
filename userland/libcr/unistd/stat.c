/* stat, fstat, lstat: the stat and fstat calls with POSIX's types (struct stat: <abi/stat.h>). */
#include <sys/stat.h>
#include <sys/syscalls.h>

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
