/*
 * Program start and end: __libcr_start sets up the syscall port, the environment, (with
 * CR_TRACE=1) the tracing shim and (with CR_SCHED=kse) the KSE model, then calls main; exit runs
 * atexit handlers, flushes stdio and ends the process.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/errno.h>
#include <cr/trace.h>
#include <cr/thread.h>

__thread int errno;		/* thread-local: each user thread has its own */
int	main(int argc, char **argv, char **envp);
void	cr_sysport_init(void);

#define ATEXIT_MAX	32
static void (*atexit_fns[ATEXIT_MAX])(void);
static int atexit_count;

__attribute__((noreturn)) void
__libcr_start(int *sp)
{
	int argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	const char *trace, *model;

	cr_sysport_init();
	environ = envp;
	if ((trace = getenv("CR_TRACE")) != NULL && strcmp(trace, "1") == 0)
		cr_trace_install();
	if ((model = getenv("CR_SCHED")) != NULL && strcmp(model, "kse") == 0 &&
	    cr_sched_model(CR_SCHED_KSE) == -1)
		dprintf(STDERR_FILENO, "libcr: CR_SCHED=kse refused: %s\n", strerror(errno));
	exit(main(argc, argv, envp));
}

int
atexit(void (*fn)(void))
{
	if (atexit_count == ATEXIT_MAX)
		return -1;
	atexit_fns[atexit_count++] = fn;
	return 0;
}

void
exit(int status)
{
	while (atexit_count > 0)
		atexit_fns[--atexit_count]();
	cr_stdio_flush_all();
	_exit(status);
}

/*
 * abort: POSIX's: SIGABRT, unblocked, ends the process unless a handler does not return; if it
 * returns, the default action is put back and SIGABRT raised again. (_exit(134) only if even
 * that did not end it.)
 */
void
abort(void)
{
	sigset_t abrt = 0;

	cr_stdio_flush_all();
	sigaddset(&abrt, SIGABRT);
	sigprocmask(SIG_UNBLOCK, &abrt, NULL);
	raise(SIGABRT);
	signal(SIGABRT, SIG_DFL);
	raise(SIGABRT);
	_exit(134);
}

int
abs(int v)
{
	return v < 0 ? -v : v;
}
