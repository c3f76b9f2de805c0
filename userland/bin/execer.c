/* execer PROGRAM [ARGS...]: replace itself with /bin/PROGRAM; exit 127 if that fails. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char path[128];

	if (argc < 2) {
		printf("usage: execer PROGRAM [ARGS...]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/bin/%s", argv[1]);
	execv(path, argv + 1);
	printf("execer: %s: %s (still pid %d, still execer)\n", path, strerror(errno), getpid());
	return 127;
}
