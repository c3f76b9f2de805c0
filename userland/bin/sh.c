/*
 * sh: the shell. Reads commands from the console (or `sh -c COMMANDS`, or a file named as its
 * argument), and runs pipelines, lists, background jobs and builtins; docs/shell.md describes
 * the language. The pieces are in userland/bin/sh/ (sh.h lists them).
 *
 * Its exit status is its own: `exit 5` ends it with status 5. When the kernel runs it from
 * init= and the command line says interactive=sh, that status is reported but is not a
 * failed run (kernel/kern/init_main.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sh/sh.h"

/* run_line: parse and run one line; answers $?. */
static int
run_line(const char *line)
{
	struct andor *list = sh_parse(line);

	if (list != NULL)
		run_list(list);
	else if (*line && strspn(line, " \t\r\n") != strlen(line) && line[strspn(line, " \t\r\n")] != '#')
		sh_status = 2;			/* a syntax error */
	sh_arena_reset();
	return sh_status;
}

/* on_int: Ctrl-C at the prompt: the read answers EINTR, and main prints a fresh prompt. */
static void
on_int(int sig)
{
	(void)sig;
}

/*
 * sh_signals: an interactive shell is not stopped by Ctrl-Z nor ended by Ctrl-\ (it ignores
 * SIGTSTP, SIGTTIN, SIGTTOU and SIGQUIT) and takes Ctrl-C as "a new line" (SIGINT caught, no
 * SA_RESTART); a child it forks puts every one back to SIG_DFL before it runs a command (an
 * ignored signal would stay ignored across exec).
 */
void
sh_signals(int child)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sa.sa_handler = child ? SIG_DFL : sigs[i] == SIGINT ? on_int : SIG_IGN;
		sigaction(sigs[i], &sa, NULL);
	}
}

int
main(int argc, char **argv, char **envp)
{
	char line[1024];
	FILE *in = stdin;

	sh_pid = getpid();
	vars_init(envp);
	if (var_get("PATH") == NULL)
		var_set("PATH", "/bin", 1);
	if (argc > 2 && strcmp(argv[1], "-c") == 0)
		return run_line(argv[2]);
	if (argc > 1 && (in = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "sh: %s: %s\n", argv[1], strerror(errno));
		return 127;
	}
	sh_interactive = in == stdin && isatty(STDIN_FILENO);
	if (sh_interactive) {
		/* The shell leads its own group (a session leader already does) and owns the terminal. */
		if (getpgrp() != getpid())
			setpgid(0, 0);
		sh_pgid = getpgrp();
		take_terminal(sh_pgid);
		sh_signals(0);
		printf("Damselfly sh: `help` lists what it can do.\n");
	} else {
		sh_pgid = getpgrp();
	}
	for (;;) {
		if (sh_interactive) {
			jobs_reap(1);
			printf("$ ");
			fflush(stdout);
		}
		if (fgets(line, sizeof(line), in) == NULL) {
			if (ferror(in) && errno == EINTR) {	/* a signal at the prompt: a new line */
				clearerr(in);
				printf("\n");
				continue;
			}
			if (sh_interactive)
				printf("\n");
			return sh_status;
		}
		run_line(line);
	}
}
