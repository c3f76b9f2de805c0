/* head [-n N] [FILE...]: the first N lines (10 by default) of each file, or of standard input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* head: copy the first n lines of f to standard output. */
static void
head(FILE *f, long n)
{
	int c;

	while (n > 0 && (c = getc(f)) != EOF) {
		putchar(c);
		n -= c == '\n';
	}
}

int
main(int argc, char **argv)
{
	long n = 10;
	int i = 1, status = 0;
	char *end;

	if (i < argc && strncmp(argv[i], "-n", 2) == 0) {
		const char *v = argv[i][2] ? argv[i] + 2 : i + 1 < argc ? argv[++i] : "";
		n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n < 0) {
			fprintf(stderr, "head: %s: not a line count\n", v);
			return 2;
		}
		i++;
	}
	if (i == argc)
		head(stdin, n);
	for (int first = i; i < argc; i++) {
		FILE *f = fopen(argv[i], "r");
		if (f == NULL) {
			fprintf(stderr, "head: %s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		if (argc - first > 1)
			printf("%s==> %s <==\n", i > first ? "\n" : "", argv[i]);
		head(f, n);
		fclose(f);
	}
	return status;
}
