/*
 * wc [-clw] [FILE...]: the newlines, words and bytes of each file (or standard input), and a
 * total line for several files. Options choose which counts, printed in the order l, w, c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int show_l, show_w, show_c;

static void
print(long l, long w, long c, const char *name)
{
	const char *sep = "";

	if (show_l) {
		printf("%ld", l);
		sep = " ";
	}
	if (show_w) {
		printf("%s%ld", sep, w);
		sep = " ";
	}
	if (show_c)
		printf("%s%ld", sep, c);
	printf("%s%s\n", name ? " " : "", name ? name : "");
}

/* count: the newlines, words and bytes read from fd; -1 on a read error. */
static int
count(int fd, long *l, long *w, long *c)
{
	char buf[4096];
	ssize_t n;
	int inword = 0;

	*l = *w = *c = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		*c += n;
		for (ssize_t i = 0; i < n; i++) {
			char ch = buf[i];
			int space = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
			*l += ch == '\n';
			if (!space && !inword)
				(*w)++;
			inword = !space;
		}
	}
	return n < 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	long l, w, c, tl = 0, tw = 0, tc = 0;
	int i = 1, status = 0, files;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		for (const char *o = argv[i] + 1; *o; o++) {
			if (*o == 'l')
				show_l = 1;
			else if (*o == 'w')
				show_w = 1;
			else if (*o == 'c')
				show_c = 1;
			else {
				fprintf(stderr, "usage: wc [-clw] [FILE...]\n");
				return 2;
			}
		}
	}
	if (!show_l && !show_w && !show_c)
		show_l = show_w = show_c = 1;
	files = argc - i;
	if (files == 0) {
		if (count(STDIN_FILENO, &l, &w, &c) < 0) {
			fprintf(stderr, "wc: stdin: %s\n", strerror(errno));
			return 1;
		}
		print(l, w, c, NULL);
		return 0;
	}
	for (; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY, 0);
		if (fd < 0 || count(fd, &l, &w, &c) < 0) {
			fprintf(stderr, "wc: %s: %s\n", argv[i], strerror(errno));
			status = 1;
			if (fd >= 0)
				close(fd);
			continue;
		}
		close(fd);
		print(l, w, c, argv[i]);
		tl += l;
		tw += w;
		tc += c;
	}
	if (files > 1)
		print(tl, tw, tc, "total");
	return status;
}
