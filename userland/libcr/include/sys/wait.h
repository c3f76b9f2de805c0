/*
 * Waiting for children: waitpid, wait, and the wait status's macros (<abi/wait.h>: the status
 * the kernel stores, Linux's encoding). A child that exits with code c reads WIFEXITED and
 * WEXITSTATUS == c; one killed by kill reads WIFSIGNALED and WTERMSIG == SIGKILL; one a CPU fault
 * ended reads WIFSIGNALED with the fault's signal (SIGSEGV, SIGFPE, SIGILL, SIGBUS, SIGTRAP).
 */
#ifndef _SYS_WAIT_H_
#define _SYS_WAIT_H_
#include <sys/types.h>
#include <abi/wait.h>
#include <abi/signal.h>

/* waitpid: pid > 0 that child, -1 any, 0 any in the caller's group, < -1 any in group -pid;
 * options WNOHANG (0 at once when none has ended), WUNTRACED, WCONTINUED; status may be NULL. */
pid_t	waitpid(pid_t pid, int *status, int options);
pid_t	wait(int *status);
#endif
