/*
 * sysconf, access and the user and group ids: the configurable limits a program asks for at run
 * time, whether a path may be used as asked, and who the process is (POSIX.1-2017 <unistd.h>).
 * There are no users: every process has root's ids, 0, and root's privileges.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/kstat.h>
#include <sys/stat.h>
#include <sys/syscalls.h>
#include <unistd.h>

/* ncpus: the CPUs the kernel runs (kstat); 1 if it cannot say. */
static long
ncpus(void)
{
	struct kstat ks;

	if (kstat(&ks, sizeof(ks)) < (int)(__builtin_offsetof(struct kstat, ks_ncpus) + 4) ||
	    ks.ks_ncpus == 0)
		return 1;
	return ks.ks_ncpus;
}

/*
 * sysconf: the value of the limit or option name; -1 without touching errno for a limit the
 * system does not bound (CHILD_MAX: processes are limited only by memory); -1 with EINVAL for a
 * name it does not know.
 */
long
sysconf(int name)
{
	switch (name) {
	case _SC_ARG_MAX:		return ARG_MAX;
	case _SC_CHILD_MAX:		return -1;
	case _SC_CLK_TCK:		return 100;	/* the kernel's HZ */
	case _SC_OPEN_MAX:		return OPEN_MAX;
	case _SC_PAGESIZE:		return 4096;
	case _SC_STREAM_MAX:		return STREAM_MAX;
	case _SC_VERSION:		return _POSIX_VERSION;
	case _SC_LINE_MAX:		return LINE_MAX;
	case _SC_THREADS:		return _POSIX_THREADS;
	case _SC_THREAD_KEYS_MAX:	return PTHREAD_KEYS_MAX;
	case _SC_THREAD_STACK_MIN:	return PTHREAD_STACK_MIN;
	case _SC_THREAD_DESTRUCTOR_ITERATIONS: return PTHREAD_DESTRUCTOR_ITERATIONS;
	case _SC_THREAD_THREADS_MAX:	return -1;
	case _SC_MONOTONIC_CLOCK:	return _POSIX_MONOTONIC_CLOCK;
	case _SC_BARRIERS:		return _POSIX_BARRIERS;
	case _SC_READER_WRITER_LOCKS:	return _POSIX_READER_WRITER_LOCKS;
	case _SC_TIMEOUTS:		return _POSIX_TIMEOUTS;
	case _SC_JOB_CONTROL:		return _POSIX_JOB_CONTROL;
	case _SC_SAVED_IDS:		return -1;
	case _SC_NPROCESSORS_CONF:
	case _SC_NPROCESSORS_ONLN:	return ncpus();
	}
	errno = EINVAL;
	return -1;
}

/*
 * access: 0 when path exists and the caller may use it as amode (F_OK, or R_OK | W_OK | X_OK)
 * says. There are no users (every process has the privileges of root): reading is always
 * allowed; writing a file is refused where opening it for writing is (EROFS for the initrd's
 * files); executing needs an execute bit set or a directory (EACCES otherwise). Errors: those
 * of stat, EINVAL for a bad amode.
 */
int
access(const char *path, int amode)
{
	struct stat st;

	if (amode & ~(R_OK | W_OK | X_OK)) {
		errno = EINVAL;
		return -1;
	}
	if (stat(path, &st) != 0)
		return -1;
	if ((amode & W_OK) && !S_ISDIR(st.st_mode)) {
		int fd = open(path, O_WRONLY, 0);
		if (fd < 0)
			return -1;
		close(fd);
	}
	if ((amode & X_OK) && !S_ISDIR(st.st_mode) && !(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH))) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

uid_t
getuid(void)
{
	return 0;
}

uid_t
geteuid(void)
{
	return 0;
}

gid_t
getgid(void)
{
	return 0;
}

gid_t
getegid(void)
{
	return 0;
}
