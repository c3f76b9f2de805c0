/*
 * The builtins: commands sh runs itself, because they change the shell (cd, export, exit,
 * the job commands) or are used often (echo, pwd).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/kstat.h>
#include <sys/wait.h>
#include "sh.h"
#include "signame.h"

static int
b_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Damselfly sh: commands, pipelines (a | b), lists (a; b, a && b, a || b), jobs (a &),\n"
	    "redirections (< > >> 2> 2>&1), $VAR $? $$ $!, 'quotes' \"quotes\", globs (* ? [..]).\n"
	    "Builtins: cd pwd echo export unset exit jobs wait kill fg bg help ps\n"
	    "Programs in /bin: ls cat wc grep head env kill sleep true false, hello, demo, ...\n"
	    "docs/shell.md has the details. Leave QEMU with Ctrl-A X.\n");
	return 0;
}

/* ps: the processes; PGID has a + for the terminal's foreground group. */
static int
b_ps(int argc, char **argv)
{
	static struct procinfo pi[32];
	int n = proclist(pi, sizeof(pi));

	(void)argc;
	(void)argv;
	if (n < 0) {
		perror("ps");
		return 1;
	}
	pid_t fg = tcgetpgrp(STDIN_FILENO);	/* -1 when stdin is not the terminal */
	printf("  PID  PPID  PGID  S VCPU MSGS WAIT        NAME\n");
	for (int i = 0; i < n; i++) {
		pid_t pgid = getpgid(pi[i].pi_pid);
		printf("%5d %5d %5d%c %c %4u %4u %-11s %s\n", (int)pi[i].pi_pid, (int)pi[i].pi_ppid,
		    (int)pgid, pgid == fg ? '+' : ' ', pi[i].pi_state, (unsigned)pi[i].pi_threads,
		    (unsigned)pi[i].pi_outstanding, pi[i].pi_wmesg[0] ? pi[i].pi_wmesg : "-", pi[i].pi_name);
	}
	return 0;
}

/* echo [-n] WORDS: the words, separated by blanks; -n: no newline after them. */
static int
b_echo(int argc, char **argv)
{
	int i = 1, newline = 1;

	if (argc > 1 && strcmp(argv[1], "-n") == 0) {
		newline = 0;
		i++;
	}
	for (; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	if (newline)
		printf("\n");
	return fflush(stdout) == 0 ? 0 : 1;
}

/* cd [DIR]: change the working directory (to $HOME, else /, without DIR); sets PWD. */
static int
b_cd(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : var_get("HOME");
	char buf[256];

	if (dir == NULL || *dir == '\0')
		dir = "/";
	if (chdir(dir) < 0) {
		fprintf(stderr, "sh: cd: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (getcwd(buf, sizeof(buf)) != NULL)
		var_set("PWD", buf, 0);
	return 0;
}

static int
b_pwd(int argc, char **argv)
{
	char buf[256];

	(void)argc;
	(void)argv;
	if (getcwd(buf, sizeof(buf)) == NULL) {
		fprintf(stderr, "sh: pwd: %s\n", strerror(errno));
		return 1;
	}
	printf("%s\n", buf);
	return 0;
}

/* export [NAME[=VALUE]...]: mark the names exported; no operand: list the exported ones. */
static int
b_export(int argc, char **argv)
{
	int status = 0;

	if (argc == 1)
		vars_print_exported();
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		size_t n = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
		if (!valid_name(argv[i], n)) {
			fprintf(stderr, "sh: export: %s: not a valid name\n", argv[i]);
			status = 1;
		} else if (eq) {
			*eq = '\0';
			var_set(argv[i], eq + 1, 1);
		} else {
			var_export(argv[i]);
		}
	}
	return status;
}

static int
b_unset(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		var_unset(argv[i]);
	return 0;
}

/* exit [N]: leave the shell with status N (without N: the last command's). */
static int
b_exit(int argc, char **argv)
{
	int status = argc > 1 ? atoi(argv[1]) & 0xff : sh_status;

	exit(status);
}

static int
b_jobs(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return jobs_print();
}

/* wait [JOB|PID...]: wait for those jobs, or all; answers the last one's status. */
static int
b_wait(int argc, char **argv)
{
	int status = 0;

	if (argc == 1)
		return job_wait(NULL);
	for (int i = 1; i < argc; i++)
		status = job_wait(argv[i]);
	return status;
}

/* kill [-SIG | -s SIG] %JOB|PID...: send the signal (SIGTERM by default). */
static int
b_kill(int argc, char **argv)
{
	int i, status = 0, sig = kill_options(argc, argv, &i);

	if (sig < 0) {
		fprintf(stderr, "usage: kill [-SIG | -s SIG] %%JOB|PID...\n");
		return 2;
	}
	for (; i < argc; i++)
		status |= job_kill(argv[i], sig);
	return status;
}

static int
b_fg(int argc, char **argv)
{
	return job_fg(argc > 1 ? argv[1] : NULL);
}

/* bg [JOB]: a stopped job runs again, in the background. */
static int
b_bg(int argc, char **argv)
{
	return job_bg(argc > 1 ? argv[1] : NULL);
}

static const struct {
	const char	*name;
	builtin_fn	*fn;
} builtins[] = {
	{ "bg", b_bg }, { "cd", b_cd }, { "echo", b_echo }, { "exit", b_exit }, { "export", b_export },
	{ "fg", b_fg }, { "help", b_help }, { "jobs", b_jobs }, { "kill", b_kill },
	{ "ps", b_ps }, { "pwd", b_pwd }, { "unset", b_unset }, { "wait", b_wait },
};

/* builtin_find: the builtin called name, or NULL. */
builtin_fn *
builtin_find(const char *name)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return builtins[i].fn;
	return NULL;
}
