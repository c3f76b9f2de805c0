/*
 * pingpong [N]: send N bytes (default 3) one at a time to a child, pipe_echo, through one pipe
 * and read each back through another: two processes taking turns on pipes. Then sleep 20 ms.
 * The trace image runs it (docs/trace.md), so its trace shows writes, reads that wait,
 * switches and replies, and a sleep that a timer interrupt ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

int
main(int argc, char **argv)
{
	int to[2], from[2], status, rounds = argc > 1 ? atoi(argv[1]) : 3;
	char a[8], b[8], c;

	if (pipe(to) != 0 || pipe(from) != 0) {
		printf("pingpong: pipe failed\n");
		return 1;
	}
	snprintf(a, sizeof(a), "%d", to[0]);
	snprintf(b, sizeof(b), "%d", from[1]);
	char *args[] = { "pipe_echo", a, b, NULL };
	pid_t pid = spawnv("/bin/pipe_echo", args);
	if (pid < 0) {
		printf("pingpong: cannot spawn /bin/pipe_echo\n");
		return 1;
	}
	for (int i = 0; i < rounds; i++) {
		c = (char)('a' + i % 26);
		if (write(to[1], &c, 1) != 1 || read(from[0], &c, 1) != 1 || c != 'a' + i % 26) {
			printf("pingpong: round %d failed\n", i);
			return 1;
		}
	}
	close(to[1]);			/* the child sees end of file and exits */
	waitpid(pid, &status, 0);
	printf("pingpong: %d rounds with pid %d, which exited with status %d\n", rounds, pid,
	    WEXITSTATUS(status));
	usleep(20000);
	return status == 0 ? 0 : 1;
}
