/*
 * The environment: environ points at a NULL-terminated array of "name=value" strings. start.c
 * points it at the array the kernel left on the stack; setenv and unsetenv change it.
 *
 * That first array (or one a program assigns to environ) is not ours to realloc, so the first
 * setenv that adds a name copies it into an array of our own, which later additions grow. The
 * strings setenv makes are remembered, so the one a later setenv or unsetenv replaces can be
 * freed: POSIX lets those calls invalidate what getenv answered before. Strings and arrays we
 * did not allocate are never freed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

char **environ;

static char **env_array;	/* the array of ours environ pointed at last, or NULL */
static size_t env_cap;		/* its slots, the terminating NULL's included */
static char **mine;		/* the strings setenv allocated that are still in use */
static size_t nmine, capmine;

/* value_of: the value in s when s is "name=value" for this name (len bytes); else NULL. */
static char *
value_of(char *s, const char *name, size_t len)
{
	return strncmp(s, name, len) == 0 && s[len] == '=' ? s + len + 1 : NULL;
}

/* name_len: the length of a name setenv accepts; 0 for NULL, "" and names containing '='. */
static size_t
name_len(const char *name)
{
	if (name == NULL || *name == '\0' || strchr(name, '=') != NULL)
		return 0;
	return strlen(name);
}

/* getenv: the value of name in the environment, or NULL when it is not there. */
char *
getenv(const char *name)
{
	size_t len = name_len(name);
	char *v;

	if (len == 0 || environ == NULL)
		return NULL;
	for (char **e = environ; *e != NULL; e++)
		if ((v = value_of(*e, name, len)) != NULL)
			return v;
	return NULL;
}

/* forget: s leaves the environment; free it if setenv made it. */
static void
forget(char *s)
{
	for (size_t i = 0; i < nmine; i++) {
		if (mine[i] == s) {
			mine[i] = mine[--nmine];
			free(s);
			return;
		}
	}
}

/* reserve_mine: room to remember one more string; 0 (errno = ENOMEM) when out of memory. */
static int
reserve_mine(void)
{
	char **p;
	size_t cap;

	if (nmine < capmine)
		return 1;
	cap = capmine == 0 ? 8 : 2 * capmine;
	if ((p = realloc(mine, cap * sizeof(*p))) == NULL)
		return 0;
	mine = p;
	capmine = cap;
	return 1;
}

/* append: add s at the end of environ (n strings now), growing or copying the array. */
static int
append(char *s, size_t n)
{
	char **p;
	size_t cap;

	if (environ != env_array || n + 2 > env_cap) {
		cap = n + 2 < 8 ? 16 : 2 * (n + 2);
		if (environ == env_array && env_array != NULL) {
			p = realloc(env_array, cap * sizeof(*p));
		} else {
			/*
			 * Not our array: copy it. An array of ours that environ no longer points
			 * at is left alone: the program may still use it, or point environ back.
			 */
			p = malloc(cap * sizeof(*p));
			if (p != NULL && n > 0)
				memcpy(p, environ, n * sizeof(*p));
		}
		if (p == NULL)
			return 0;
		environ = env_array = p;
		env_cap = cap;
	}
	environ[n] = s;
	environ[n + 1] = NULL;
	return 1;
}

/*
 * setenv: make name=value part of the environment, replacing an existing name only when
 * overwrite is nonzero. 0 on success; -1 with errno = EINVAL (bad name) or ENOMEM.
 */
int
setenv(const char *name, const char *value, int overwrite)
{
	size_t len = name_len(name), vlen, n = 0;
	char *s;

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	if (value == NULL)
		value = "";
	if (environ != NULL)
		for (; environ[n] != NULL; n++)
			if (value_of(environ[n], name, len) != NULL)
				break;
	if (environ != NULL && environ[n] != NULL && !overwrite)
		return 0;

	/* Everything that can fail comes first, so a failure leaves the environment as it was. */
	vlen = strlen(value);
	if (!reserve_mine() || (s = malloc(len + vlen + 2)) == NULL)
		return -1;
	memcpy(s, name, len);
	s[len] = '=';
	memcpy(s + len + 1, value, vlen + 1);
	if (environ != NULL && environ[n] != NULL) {
		forget(environ[n]);
		environ[n] = s;
	} else if (!append(s, n)) {
		free(s);
		return -1;
	}
	mine[nmine++] = s;
	return 0;
}

/* unsetenv: remove every entry for name. 0 on success; -1 with errno = EINVAL for a bad name. */
int
unsetenv(const char *name)
{
	size_t len = name_len(name);
	char **from, **to;

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	if (environ == NULL)
		return 0;
	/* Slide the kept entries down over the removed ones, in place, in order. */
	for (from = to = environ; *from != NULL; from++) {
		if (value_of(*from, name, len) != NULL)
			forget(*from);
		else
			*to++ = *from;
	}
	*to = NULL;
	return 0;
}
