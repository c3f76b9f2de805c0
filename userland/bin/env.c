/*
 * env [NAME=VALUE...] [COMMAND [ARG...]]: without a command, print the environment (with the
 * assignments added), one NAME=value a line; with one, run it with that environment.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int i = 1;

	for (; i < argc && strchr(argv[i], '=') != NULL && argv[i][0] != '='; i++) {
		char *eq = strchr(argv[i], '=');
		*eq = '\0';
		if (setenv(argv[i], eq + 1, 1) < 0) {
			fprintf(stderr, "env: %s: %s\n", argv[i], strerror(errno));
			return 125;
		}
	}
	if (i == argc) {
		for (char **e = environ; e && *e; e++)
			printf("%s\n", *e);
		return 0;
	}
	char path[256];
	snprintf(path, sizeof(path), "%s%s", strchr(argv[i], '/') ? "" : "/bin/", argv[i]);
	execve(path, argv + i, environ);
	fprintf(stderr, "env: %s: %s\n", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
