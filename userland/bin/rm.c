/* rm FILE...: remove each file (rmdir for a directory: rm -d DIR). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int status = 0, i = 1, dirs = 0;

	if (argc > 1 && strcmp(argv[1], "-d") == 0) {
		dirs = 1;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: rm [-d] FILE...\n");
		return 2;
	}
	for (; i < argc; i++) {
		if ((dirs ? rmdir(argv[i]) : unlink(argv[i])) < 0) {
			fprintf(stderr, "rm: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		}
	}
	return status;
}
