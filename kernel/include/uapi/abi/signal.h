/*
 * Signal numbers: ABI (a wait status names the signal that ended a process: abi/wait.h). The
 * values are Linux's on i386. There is no signal delivery yet (issue 12, item 2): kill ends a
 * process as SIGKILL would, and a fault as the signal proc_wait_status() maps its vector to.
 */
#ifndef _ABI_SIGNAL_H_
#define _ABI_SIGNAL_H_

#define SIGHUP		1
#define SIGINT		2
#define SIGQUIT		3
#define SIGILL		4
#define SIGTRAP		5
#define SIGABRT		6
#define SIGBUS		7
#define SIGFPE		8
#define SIGKILL		9
#define SIGUSR1		10
#define SIGSEGV		11
#define SIGUSR2		12
#define SIGPIPE		13
#define SIGALRM		14
#define SIGTERM		15
#define SIGCHLD		17
#define SIGCONT		18
#define SIGSTOP		19
#define SIGTSTP		20
#define SIGTTIN		21
#define SIGTTOU		22

#endif
