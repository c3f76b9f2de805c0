#ifndef _UNISTD_H_
#define _UNISTD_H_
#include <sys/types.h>
#include <sys/syscalls.h>

#define STDIN_FILENO	0
#define STDOUT_FILENO	1
#define STDERR_FILENO	2

#ifndef SEEK_SET
#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2
#endif

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
int	usleep(unsigned int usec);
#endif
