/* spawn and wait: POSIX-shaped wrappers over the spawn and wait messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
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

/*
 * execvp: execv after a search: a file without a '/' is looked for in each directory of PATH
 * (the colon-separated list; unset, "/bin"; an empty entry is the working directory), in order.
 * Answers only on failure: EACCES when a file was found but could not be run and none could,
 * else the last error (ENOENT when none was found).
 */
int
execvp(const char *file, char *const argv[])
{
	const char *path = getenv("PATH"), *dir;
	char full[PATH_MAX];
	int seen_eacces = 0;

	if (file[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	if (strchr(file, '/') != NULL)
		return execv(file, argv);
	if (path == NULL)
		path = "/bin";
	for (dir = path;; dir++) {
		const char *end = strchr(dir, ':');
		size_t dlen = end != NULL ? (size_t)(end - dir) : strlen(dir);
		size_t flen = strlen(file);

		if (dlen + 1 + flen + 1 <= sizeof(full)) {
			memcpy(full, dir, dlen);
			full[dlen] = '/';
			memcpy(full + dlen + 1, file, flen + 1);
			execv(dlen == 0 ? file : full, argv);
			if (errno == EACCES)
				seen_eacces = 1;
		} else {
			errno = ENAMETOOLONG;
		}
		if (end == NULL)
			break;
		dir = end;
	}
	if (seen_eacces)
		errno = EACCES;
	return -1;
}

#define EXECL_MAX	64		/* arguments an execl form takes, its NULL included */

/* collect: arg0 and the arguments after it up to the NULL into argv; -1 with E2BIG past EXECL_MAX. */
static int
collect(char **argv, const char *arg0, va_list *ap)
{
	int i = 0;

	argv[i++] = (char *)arg0;
	while (argv[i - 1] != NULL) {
		if (i == EXECL_MAX) {
			errno = E2BIG;
			return -1;
		}
		argv[i++] = va_arg(*ap, char *);
	}
	return 0;
}

/* execl, execlp, execle: the argument list as varargs, ending with a null pointer (execle's
 * environment after it). */
int
execl(const char *path, const char *arg0, ...)
{
	char *argv[EXECL_MAX];
	va_list ap;

	int r;

	va_start(ap, arg0);
	r = collect(argv, arg0, &ap);
	va_end(ap);
	return r < 0 ? -1 : execv(path, argv);
}

int
execlp(const char *file, const char *arg0, ...)
{
	char *argv[EXECL_MAX];
	va_list ap;

	int r;

	va_start(ap, arg0);
	r = collect(argv, arg0, &ap);
	va_end(ap);
	return r < 0 ? -1 : execvp(file, argv);
}

int
execle(const char *path, const char *arg0, ...)
{
	char *argv[EXECL_MAX], *const *envp;
	va_list ap;

	int r;

	va_start(ap, arg0);
	r = collect(argv, arg0, &ap);
	envp = r < 0 ? NULL : va_arg(ap, char *const *);
	va_end(ap);
	return r < 0 ? -1 : execve(path, argv, envp);
}
