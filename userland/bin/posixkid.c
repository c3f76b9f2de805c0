/*
 * posixkid: the child userland/tests/test_posix.c spawns, one act per run (argv[1]); what it
 * finds goes to its stdout, which the test reads through a pipe.
 *
 *   cwd		print the working directory (getcwd)
 *   ppid		print the parent's pid (getppid)
 *   exit N		exit with code N at once
 *   read-exit N	read stdin until its end, then exit with code N
 *   exec		exec `posixkid ready 3` (so its parent's setpgid on it is EACCES)
 *   ready N		write "r" to stdout, then as read-exit N
 *   setsid		setsid, then print what it answered, getsid(0), getpgrp() and tcgetpgrp(1)'s errno;
 *			then read stdin until its end
 *   orphan		spawn `posixkid orphaned` and exit at once
 *   orphaned		wait until the parent has ended, then print getppid (the kernel's: 0)
 *   write-later	sleep 50 ms, then write "x" to stdout
 *   poll-forever	poll stdin for input without a timeout (a test kills it there)
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
read_to_end(void)
{
	char buf[64];

	while (read(0, buf, sizeof(buf)) > 0)
		continue;
	return 0;
}

int
main(int argc, char **argv)
{
	char buf[256];
	const char *act = argc > 1 ? argv[1] : "";
	int code = argc > 2 ? atoi(argv[2]) : 0;

	for (int fd = 3; fd < OPEN_MAX; fd++)	/* inherited: a pipe's other end must not stay open */
		close(fd);

	if (strcmp(act, "cwd") == 0) {
		printf("%s\n", getcwd(buf, sizeof(buf)) ? buf : "(none)");
	} else if (strcmp(act, "ppid") == 0) {
		printf("%d\n", getppid());
	} else if (strcmp(act, "exit") == 0) {
		return code;
	} else if (strcmp(act, "read-exit") == 0) {
		read_to_end();
		return code;
	} else if (strcmp(act, "exec") == 0) {
		char *args[] = { "posixkid", "ready", "3", NULL };
		execv("/bin/posixkid", args);
		return 127;
	} else if (strcmp(act, "ready") == 0) {
		write(1, "r", 1);
		read_to_end();
		return code;
	} else if (strcmp(act, "setsid") == 0) {
		pid_t sid = setsid();
		int tty_errno = tcgetpgrp(1) < 0 ? errno : 0;
		printf("%d %d %d %d\n", sid, getsid(0), getpgrp(), tty_errno);
		fflush(stdout);
		read_to_end();
	} else if (strcmp(act, "orphan") == 0) {
		char *args[] = { "posixkid", "orphaned", NULL };
		return spawnv("/bin/posixkid", args) > 0 ? 0 : 1;
	} else if (strcmp(act, "orphaned") == 0) {
		for (int i = 0; i < 200 && getppid() != 0; i++)
			usleep(10000);
		printf("ppid %d\n", getppid());
	} else if (strcmp(act, "write-later") == 0) {
		usleep(50000);
		write(1, "x", 1);
	} else if (strcmp(act, "poll-forever") == 0) {
		struct pollfd p = { .fd = 0, .events = POLLIN };
		return poll(&p, 1, -1);
	} else {
		fprintf(stderr, "posixkid: no such act \"%s\"\n", act);
		return 2;
	}
	return 0;
}
