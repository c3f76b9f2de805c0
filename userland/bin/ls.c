/*
 * ls [-al] [PATH...]: the names in each directory (or the file itself), sorted, one a line.
 * -a: names starting with '.' too; -l: long form: type and permissions, links, size, name.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int opt_a, opt_l;

/* show: one entry; path is where to stat it, name what to print. */
static void
show(const char *path, const char *name)
{
	struct stat st;

	if (!opt_l) {
		printf("%s\n", name);
		return;
	}
	if (stat(path, &st) < 0) {
		printf("?????????? %s\n", name);
		return;
	}
	char mode[11] = "----------";
	mode[0] = S_ISDIR(st.st_mode) ? 'd' : S_ISCHR(st.st_mode) ? 'c' : S_ISFIFO(st.st_mode) ? 'p' : '-';
	for (int i = 0; i < 9; i++)
		if (st.st_mode & (0400 >> i))
			mode[1 + i] = "rwxrwxrwx"[i];
	printf("%s %2u %8lld %s\n", mode, (unsigned)st.st_nlink, (long long)st.st_size, name);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list: a directory's entries, sorted; 0, or 1 after reporting an error. */
static int
list(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (d == NULL) {
		fprintf(stderr, "ls: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && !opt_a)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			char **p = realloc(names, cap * sizeof(*p));
			if (p == NULL)
				break;
			names = p;
		}
		size_t len = strlen(e->d_name) + 1;
		if ((names[n] = malloc(len)) == NULL)
			break;
		memcpy(names[n++], e->d_name, len);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		show(path, names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

int
main(int argc, char **argv)
{
	int i = 1, status = 0;
	struct stat st;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		for (const char *o = argv[i] + 1; *o; o++) {
			if (*o == 'a')
				opt_a = 1;
			else if (*o == 'l')
				opt_l = 1;
			else {
				fprintf(stderr, "usage: ls [-al] [PATH...]\n");
				return 2;
			}
		}
	}
	if (i == argc)
		return list(".");
	for (int first = i; i < argc; i++) {
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "ls: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (argc - first > 1)
				printf("%s%s:\n", i > first ? "\n" : "", argv[i]);
			status |= list(argv[i]);
		} else {
			show(argv[i], argv[i]);
		}
	}
	return status;
}
