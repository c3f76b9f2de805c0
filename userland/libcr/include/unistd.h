#ifndef _UNISTD_H_
#define _UNISTD_H_
#include <sys/types.h>
#include <sys/syscalls.h>
#include <abi/fcntl.h>	/* SEEK_SET, SEEK_CUR, SEEK_END */

#define STDIN_FILENO	0
#define STDOUT_FILENO	1
#define STDERR_FILENO	2

/* The version of POSIX.1 libcr follows, and the options it provides (sysconf answers the same). */
#define _POSIX_VERSION			200809L
#define _POSIX_THREADS			200809L
#define _POSIX_MONOTONIC_CLOCK		200809L
#define _POSIX_BARRIERS			200809L
#define _POSIX_READER_WRITER_LOCKS	200809L
#define _POSIX_TIMEOUTS			200809L
#define _POSIX_JOB_CONTROL		1
#define _POSIX_SAVED_IDS		(-1)	/* there are no users */

/* access's amode */
#define F_OK	0
#define X_OK	1
#define W_OK	2
#define R_OK	4

/* sysconf's names (unistd/sysconf.c) */
#define _SC_ARG_MAX			0
#define _SC_CHILD_MAX			1
#define _SC_CLK_TCK			2
#define _SC_OPEN_MAX			4
#define _SC_STREAM_MAX			5
#define _SC_VERSION			6
#define _SC_PAGESIZE			30
#define _SC_PAGE_SIZE			_SC_PAGESIZE
#define _SC_LINE_MAX			43
#define _SC_THREADS			67
#define _SC_NPROCESSORS_CONF		83
#define _SC_NPROCESSORS_ONLN		84
#define _SC_THREAD_KEYS_MAX		74
#define _SC_THREAD_STACK_MIN		75
#define _SC_THREAD_DESTRUCTOR_ITERATIONS 73
#define _SC_THREAD_THREADS_MAX		76
#define _SC_JOB_CONTROL			7
#define _SC_SAVED_IDS			8
#define _SC_MONOTONIC_CLOCK		149
#define _SC_BARRIERS			133
#define _SC_READER_WRITER_LOCKS		153
#define _SC_TIMEOUTS			164

long	sysconf(int name);
/* There are no users: every process is root's, with every id 0 (unistd/sysconf.c). */
uid_t	getuid(void);
uid_t	geteuid(void);
gid_t	getgid(void);
gid_t	getegid(void);
int	access(const char *path, int amode);


extern char **environ;

/* Start the program at path with argv and envp (NULL-terminated); answers its pid, or -1. */
pid_t	spawnve(const char *path, char *const argv[], char *const envp[]);
pid_t	spawnv(const char *path, char *const argv[]);	/* with the current environment */
/* Replace this program with the one at path; returns only on failure (-1, errno). */
int	execve(const char *path, char *const argv[], char *const envp[]);
int	execv(const char *path, char *const argv[]);
/* execv with a search of PATH ("/bin" when unset) for a file without a '/'; the execl forms take
 * the arguments as a list ending with (char *)NULL (execle's environment after it). */
int	execvp(const char *file, char *const argv[]);
int	execl(const char *path, const char *arg0, ...);
int	execlp(const char *file, const char *arg0, ...);
int	execle(const char *path, const char *arg0, ...);
/* A child process, a copy of this one (lwkt/fork.c): its pid here, 0 in the child; -1, errno. */
pid_t	fork(void);
unsigned int sleep(unsigned int seconds);
int	sched_yield(void);	/* also in <sched.h>: the caller's vCPU's other threads, then the CPU */
int	usleep(unsigned int usec);
/* The working directory's absolute path into buf (size bytes); buf NULL: malloc'd (free it). */
char	*getcwd(char *buf, size_t size);
/* 1 when fd is a terminal (the console); else 0, with errno EBADF or ENOTTY. */
int	isatty(int fd);
pid_t	getpgrp(void);			/* the caller's process group: getpgid(0) */
/* The system calls of <sys/syscalls.h> with POSIX's names and shapes are the functions
 * themselves: dup2, getppid, setpgid, getpgid, setsid, getsid, tcgetpgrp, tcsetpgrp, chdir,
 * rmdir, unlink, ... */
/* signals (libcr/signal/signal.c) */
int	pause(void);
unsigned int alarm(unsigned int seconds);

#endif
