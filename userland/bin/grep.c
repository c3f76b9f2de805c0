/*
 * grep [-cnv] STRING [FILE...]: the lines of the files (or standard input) that contain STRING,
 * a fixed string (no regular expressions). -v: the lines that do not; -c: only how many lines
 * matched; -n: each line's number first. With several files, each line names its file.
 * Status: 0 some line matched, 1 none, 2 an error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int opt_c, opt_n, opt_v;

/* grep: the matching lines of f; answers how many matched. */
static long
grep(FILE *f, const char *s, const char *name)
{
	char line[1024];
	long number = 0, matched = 0;
	int start = 1;

	while (fgets(line, sizeof(line), f) != NULL) {
		int whole = strchr(line, '\n') != NULL;	/* a longer line comes in pieces */
		number += start;
		if ((strstr(line, s) != NULL) != opt_v) {
			matched++;
			if (!opt_c) {
				if (name)
					printf("%s:", name);
				if (opt_n)
					printf("%ld:", number);
				printf("%s%s", line, whole || !feof(f) ? "" : "\n");
			}
		}
		start = whole;
	}
	if (opt_c) {
		if (name)
			printf("%s:", name);
		printf("%ld\n", matched);
	}
	return matched;
}

int
main(int argc, char **argv)
{
	int i = 1, status = 1;
	long matched = 0;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		for (const char *o = argv[i] + 1; *o; o++) {
			if (*o == 'c')
				opt_c = 1;
			else if (*o == 'n')
				opt_n = 1;
			else if (*o == 'v')
				opt_v = 1;
			else {
				fprintf(stderr, "usage: grep [-cnv] STRING [FILE...]\n");
				return 2;
			}
		}
	}
	if (i == argc) {
		fprintf(stderr, "usage: grep [-cnv] STRING [FILE...]\n");
		return 2;
	}
	const char *s = argv[i++];
	if (i == argc)
		matched = grep(stdin, s, NULL);
	for (int first = i; i < argc; i++) {
		FILE *f = fopen(argv[i], "r");
		if (f == NULL) {
			fprintf(stderr, "grep: %s: %s\n", argv[i], strerror(errno));
			status = 2;
			continue;
		}
		matched += grep(f, s, argc - first > 1 ? argv[i] : NULL);
		fclose(f);
	}
	return status == 2 ? 2 : matched > 0 ? 0 : 1;
}
