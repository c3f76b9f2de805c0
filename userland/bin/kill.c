/*
 * kill [-SIG | -s SIG] PID...: send each process the signal (SIGTERM by default; a number or
 * a name: KILL, TERM, INT, ...). The shell's own kill also takes %JOB.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sh/signame.h"

int
main(int argc, char **argv)
{
	int i, status = 0, sig = kill_options(argc, argv, &i);

	if (sig < 0) {
		fprintf(stderr, "usage: kill [-SIG | -s SIG] PID...\n");
		return 2;
	}
	for (; i < argc; i++) {
		char *end;
		long pid = strtol(argv[i], &end, 10);
		if (*end != '\0' || end == argv[i] || kill((pid_t)pid, sig) < 0) {
			fprintf(stderr, "kill: %s: %s\n", argv[i], *end ? "not a process id" : strerror(errno));
			status = 1;
		}
	}
	return status;
}
