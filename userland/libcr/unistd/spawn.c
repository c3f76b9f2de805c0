/* spawn and wait: POSIX-shaped wrappers over the spawn and wait messages. */
#include <errno.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>
#include <sys/wait.h>

/* pack: NUL-separated strings of a NULL-terminated vector; returns the length or -1 (E2BIG). */
static int
pack(char *buf, size_t size, char *const vec[])
{
	size_t len = 0;

	for (int i = 0; vec != NULL && vec[i] != NULL; i++) {
		size_t n = strlen(vec[i]) + 1;
		if (len + n > size) {
			errno = E2BIG;
			return -1;
		}
		memcpy(buf + len, vec[i], n);
		len += n;
	}
	return (int)len;
}

/*
 * pack_both: argv's strings, then envp's, into buf (ARG_MAX bytes: what the kernel takes of
 * both together); the lengths into *alen and *elen. -1 with E2BIG when they do not fit.
 */
static int
pack_both(char *buf, char *const argv[], char *const envp[], int *alen, int *elen)
{
	if ((*alen = pack(buf, ARG_MAX, argv)) < 0 ||
	    (*elen = pack(buf + *alen, ARG_MAX - (size_t)*alen, envp)) < 0)
		return -1;
	return 0;
}

pid_t
spawnve(const char *path, char *const argv[], char *const envp[])
{
	char buf[ARG_MAX];
	int alen, elen;

	if (pack_both(buf, argv, envp, &alen, &elen) < 0)
		return -1;
	return __sys_spawn(path, buf, (size_t)alen, buf + alen, (size_t)elen);
}

pid_t
spawnv(const char *path, char *const argv[])
{
	return spawnve(path, argv, environ);
}

/* waitpid: the kernel stores the status in a word of our own (status may be NULL). */
pid_t
waitpid(pid_t pid, int *status, int options)
{
	int st = 0;
	pid_t got = __sys_wait(pid, &st, options);

	if (got > 0 && status != NULL)
		*status = st;
	return got;
}

pid_t
wait(int *status)
{
	return waitpid(-1, status, 0);
}

int
execve(const char *path, char *const argv[], char *const envp[])
{
	char buf[ARG_MAX];
	int alen, elen;

	if (pack_both(buf, argv, envp, &alen, &elen) < 0)
		return -1;
	return __sys_exec(path, buf, (size_t)alen, buf + alen, (size_t)elen);
}

int
execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}
