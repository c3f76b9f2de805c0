/* getcwd, isatty, getpgrp, remove: the POSIX shapes of the getcwd, isatty, getpgid, unlink and
 * rmdir calls. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* getcwd: buf NULL gets a buffer of size bytes (PATH_MAX when size is 0) from malloc. */
char *
getcwd(char *buf, size_t size)
{
	char *mine = NULL;

	if (buf == NULL) {
		if (size == 0)
			size = PATH_MAX;
		if ((buf = mine = malloc(size)) == NULL)
			return NULL;
	}
	if (__sys_getcwd(buf, size) < 0) {
		int error = errno;
		free(mine);
		errno = error;
		return NULL;
	}
	return buf;
}

int
isatty(int fd)
{
	return __sys_isatty(fd) == 1;
}

pid_t
getpgrp(void)
{
	return getpgid(0);
}

/* remove: a file's name goes (unlink), or an empty directory (rmdir: unlink answers EPERM). */
int
remove(const char *path)
{
	if (unlink(path) == 0)
		return 0;
	return errno == EPERM ? rmdir(path) : -1;
}
