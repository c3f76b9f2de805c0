/* Program start and end: __libcr_start calls main; exit runs atexit handlers, then _exit. */
#include <stdlib.h>
#include <unistd.h>
#include <sys/errno.h>

int	errno;
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

	cr_sysport_init();
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
	_exit(status);
}

void
abort(void)
{
	_exit(134);
}

int
abs(int v)
{
	return v < 0 ? -v : v;
}
