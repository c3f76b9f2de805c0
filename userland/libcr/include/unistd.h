#ifndef _UNISTD_H_
#define _UNISTD_H_
#include <sys/types.h>
#include <sys/syscalls.h>
#include <abi/fcntl.h>	/* SEEK_SET, SEEK_CUR, SEEK_END */

#define STDIN_FILENO	0
#define STDOUT_FILENO	1
#define STDERR_FILENO	2


extern char **environ;

/* Start the program at path with argv and envp (NULL-terminated); answers its pid, or -1. */
pid_t	spawnve(const char *path, char *const argv[], char *const envp[]);
pid_t	spawnv(const char *path, char *const argv[]);	/* with the current environment */
/* Replace this program with the one at path; returns only on failure (-1, errno). */
int	execve(const char *path, char *const argv[], char *const envp[]);
int	execv(const char *path, char *const argv[]);
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
