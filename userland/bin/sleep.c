/* sleep SECONDS: wait that long; SECONDS may have a fraction (0.5). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int
main(int argc, char **argv)
{
	char *end;
	long sec, ns = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: sleep SECONDS\n");
		return 2;
	}
	sec = strtol(argv[1], &end, 10);
	if (*end == '.') {
		long scale = 100000000;
		for (end++; *end >= '0' && *end <= '9'; end++, scale /= 10)
			ns += (*end - '0') * scale;
	}
	if (*end != '\0' || end == argv[1] || sec < 0) {
		fprintf(stderr, "sleep: %s: not a number of seconds\n", argv[1]);
		return 2;
	}
	struct timespec ts = { .tv_sec = sec, .tv_nsec = ns };
	return nanosleep(&ts, NULL) == 0 ? 0 : 1;
}
