/*
 * sh: a small shell. Reads a line, splits it into words, and runs a builtin or the program
 * /bin/WORD with the words as its arguments, waiting for it to end.
 *   help		what it can do
 *   ps		processes and their threads
 *   echo WORDS	print the words
 *   exit [N]	leave the shell (and, as the last program, power off)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/kstat.h>
#include <sys/wait.h>

#define MAXARGS	16

static void
help(void)
{
	printf("Damselfly sh: type a program's name and its arguments, or a builtin:\n"
	    "  help            this text\n"
	    "  ps              processes, their vCPUs (kernel threads) and calls in flight\n"
	    "  echo WORDS      print the words\n"
	    "  exit [N]        leave the shell\n"
	    "Programs live in /bin (demo, hello, ...). Leave QEMU with Ctrl-A X.\n");
}

static void
ps(void)
{
	static struct procinfo pi[32];
	int n = proclist(pi, sizeof(pi));

	if (n < 0) {
		perror("ps");
		return;
	}
	printf("  PID  PPID S VCPU MSGS WAIT        NAME\n");
	for (int i = 0; i < n; i++)
		printf("%5d %5d %c %4u %4u %-11s %s\n", (int)pi[i].pi_pid, (int)pi[i].pi_ppid,
		    pi[i].pi_state, (unsigned)pi[i].pi_threads, (unsigned)pi[i].pi_outstanding,
		    pi[i].pi_wmesg[0] ? pi[i].pi_wmesg : "-", pi[i].pi_name);
}

/* split: the words of line into argv (NULL-terminated), in place; returns how many. */
static int
split(char *line, char *argv[])
{
	int argc = 0;
	char *p = line;

	while (*p && argc < MAXARGS) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			*p++ = '\0';
		if (*p == '\0')
			break;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
	}
	argv[argc] = NULL;
	return argc;
}

static void
run(char *argv[])
{
	char path[128];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s%s", argv[0][0] == '/' ? "" : "/bin/", argv[0]);
	if ((pid = spawnv(path, argv)) < 0) {
		printf("sh: %s: %s\n", argv[0], strerror(errno));
		return;
	}
	if (waitpid(pid, &status, 0) < 0)
		perror("sh: wait");
	else if (WIFSIGNALED(status))
		printf("sh: %s killed by signal %d\n", argv[0], WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		printf("sh: %s exited with status %d\n", argv[0], WEXITSTATUS(status));
}

int
main(int argc, char **argv)
{
	char line[256], *args[MAXARGS + 1];

	(void)argc;
	(void)argv;
	printf("Damselfly sh: `help` lists what it can do.\n");
	for (;;) {
		printf("$ ");
		fflush(stdout);
		if (fgets(line, sizeof(line), stdin) == NULL) {
			printf("\n");
			return 0;
		}
		if (split(line, args) == 0)
			continue;
		if (strcmp(args[0], "exit") == 0)
			return args[1] ? atoi(args[1]) : 0;
		else if (strcmp(args[0], "help") == 0)
			help();
		else if (strcmp(args[0], "ps") == 0)
			ps();
		else if (strcmp(args[0], "echo") == 0) {
			for (int i = 1; args[i]; i++)
				printf("%s%s", args[i], args[i + 1] ? " " : "\n");
			if (!args[1])
				printf("\n");
		} else
			run(args);
	}
}
