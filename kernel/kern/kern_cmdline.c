/*
 * The kernel command line from the boot loader: space-separated words, each `key` or
 * `key=value`; when a key appears twice, the last word wins (so words added after an image's
 * own line override it). Known keys: ktest=GLOB (run kernel tests matching GLOB), utest=GLOB
 * (argv[1] of the programs: the test cases they run), kbench=GLOB (run benchmarks; also handed
 * to the programs when utest is not given), init=a,b,c (programs from the initrd to run in
 * order), args=a,b,c (argv[1..] of those programs, in place of the utest or kbench glob: how an
 * image passes arguments, e.g. the fuzzer's seed and count), interactive=a,b (programs of init=
 * a person drives, like sh: an exit status of theirs is reported, not counted a failure), ktap (the run is a test run: report
 * in KTAP), ktest.fault (let the deliberately faulting test fault).
 */
#include <sys/systm.h>
#include <string.h>

#define CMDLINE_MAX	512

static char line[CMDLINE_MAX];
static char value[CMDLINE_MAX];

/*
 * cmdline_init: drop the first word when it is the kernel's own path (a word with a '/' and no
 * '='), which multiboot loaders (QEMU, GRUB) put in front of the arguments.
 */
void
cmdline_init(const char *s)
{
	const char *end;

	if (s == NULL)
		s = "";
	end = strchr(s, ' ');
	if (end == NULL)
		end = s + strlen(s);
	if (memchr(s, '/', (size_t)(end - s)) != NULL && memchr(s, '=', (size_t)(end - s)) == NULL)
		s = *end ? end + 1 : end;
	strlcpy(line, s, sizeof(line));
}

const char *
cmdline(void)
{
	return line;
}

/* find: the start of the last word whose key is `key`, or NULL. */
static const char *
find(const char *key)
{
	size_t n = strlen(key);
	const char *found = NULL;

	for (const char *p = line; *p; ) {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, n) == 0 && (p[n] == '\0' || p[n] == ' ' || p[n] == '='))
			found = p;
		while (*p && *p != ' ')
			p++;
	}
	return found;
}

/* cmdline_get: the value of key=value (a static buffer, valid until the next call), or NULL. */
const char *
cmdline_get(const char *key)
{
	const char *p = find(key);
	size_t i = 0;

	if (p == NULL || p[strlen(key)] != '=')
		return NULL;
	p += strlen(key) + 1;
	while (p[i] && p[i] != ' ' && i < sizeof(value) - 1) {
		value[i] = p[i];
		i++;
	}
	value[i] = '\0';
	return value;
}

bool
cmdline_flag(const char *key)
{
	return find(key) != NULL;
}
