/*
 * Word expansion: parameters ($NAME, ${NAME}, $?, $$, $!), field splitting of unquoted
 * expansions at blanks, quote removal and pathname expansion (* ? [...]) against the
 * directories of ramfs.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "sh.h"

/* A growing string in the arena. */
struct buf {
	char	*s;
	size_t	len, cap;
};

static void
buf_addc(struct buf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		char *s = sh_alloc(cap);
		if (b->len)
			memcpy(s, b->s, b->len);
		b->s = s;
		b->cap = cap;
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static void
buf_adds(struct buf *b, const char *s)
{
	while (*s)
		buf_addc(b, *s++);
}

static char *
buf_str(struct buf *b)
{
	return b->s ? b->s : sh_strndup("", 0);
}

/* strv_add: append s to the vector (arena memory; the vector stays NULL-terminated). */
void
strv_add(struct strv *sv, char *s)
{
	if (sv->n + 1 >= sv->cap) {
		int cap = sv->cap ? 2 * sv->cap : 16;
		char **v = sh_alloc((size_t)cap * sizeof(char *));
		if (sv->n)
			memcpy(v, sv->v, (size_t)sv->n * sizeof(char *));
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

static int
name_char(char c, int first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
}

/* valid_name: are the n bytes at s a variable name (a letter or _, then letters, digits, _)? */
int
valid_name(const char *s, size_t n)
{
	if (n == 0 || !name_char(s[0], 1))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!name_char(s[i], 0))
			return 0;
	return 1;
}

/* is_assignment: is raw NAME=...? */
int
is_assignment(const char *raw)
{
	const char *eq = strchr(raw, '=');

	return eq != NULL && valid_name(raw, (size_t)(eq - raw));
}

/* A field being built: its value, the same as a glob pattern (quoted magic escaped), and flags. */
struct field {
	struct buf	val, pat;
	int		quoted;		/* some of it was quoted: it is a field even when empty */
	int		magic;		/* it has an unquoted * ? [ */
};

static void finish(struct field *f, struct strv *out, int globbing);

/* add: one character of the word; literal: quoted (or a quoted expansion's), never magic. */
static void
add(struct field *f, char c, int literal)
{
	buf_addc(&f->val, c);
	if (strchr("*?[\\", c)) {
		if (literal)
			buf_addc(&f->pat, '\\');
		else if (c != '\\')
			f->magic = 1;
		else
			buf_addc(&f->pat, '\\');
	}
	buf_addc(&f->pat, c);
}

/*
 * dollar: expand the parameter at p (just after '$') into f; answers the first character after
 * it. split (an unquoted expansion in a command's word): blanks in the value end the field, and
 * its * ? [ are globs.
 */
static const char *
dollar(const char *p, struct field *f, int split, struct strv *out, int globbing)
{
	char num[16], name[64];
	const char *v = NULL;
	size_t n = 0;

	if (*p == '?' || *p == '$' || *p == '!') {
		snprintf(num, sizeof(num), "%d", *p == '?' ? sh_status : *p == '$' ? (int)sh_pid : (int)sh_last_bg);
		v = num;
		p++;
	} else if (*p == '{') {
		const char *end = strchr(p, '}');
		if (end == NULL || !valid_name(p + 1, (size_t)(end - p - 1)) || (size_t)(end - p) > sizeof(name)) {
			add(f, '$', 1);
			return p;
		}
		memcpy(name, p + 1, (size_t)(end - p - 1));
		name[end - p - 1] = '\0';
		v = var_get(name);
		p = end + 1;
	} else if (name_char(*p, 1)) {
		while (name_char(p[n], 0) && n < sizeof(name) - 1) {
			name[n] = p[n];
			n++;
		}
		name[n] = '\0';
		v = var_get(name);
		p += n;
	} else {
		add(f, '$', 1);			/* a lone $ is itself */
		return p;
	}
	for (; v && *v; v++) {
		if (split && (*v == ' ' || *v == '\t' || *v == '\n')) {
			if (f->val.len > 0 || f->quoted)
				finish(f, out, globbing);
			continue;
		}
		add(f, *v, !split);
	}
	return p;
}

/* glob_class: match c against the class [...] at p (after '['); *end gets the char after ']'. */
static int
glob_class(const char *p, char c, const char **end)
{
	int negate = *p == '!' || *p == '^', hit = 0;

	if (negate)
		p++;
	for (const char *first = p; *p && (*p != ']' || p == first); p++) {
		char lo = *p, hi = *p;
		if (p[1] == '-' && p[2] && p[2] != ']') {
			hi = p[2];
			p += 2;
		}
		if (c >= lo && c <= hi)
			hit = 1;
	}
	if (*p != ']')
		return -1;			/* no closing ']': '[' is an ordinary character */
	*end = p + 1;
	return hit != negate;
}

/* glob_match: does s match the pattern (*, ?, [...], \ escapes)? */
int
glob_match(const char *pat, const char *s)
{
	for (;; pat++, s++) {
		const char *end;
		int r;

		switch (*pat) {
		case '\0':
			return *s == '\0';
		case '*':
			while (pat[1] == '*')
				pat++;
			for (;; s++) {
				if (glob_match(pat + 1, s))
					return 1;
				if (*s == '\0')
					return 0;
			}
		case '?':
			if (*s == '\0')
				return 0;
			break;
		case '[':
			if (*s == '\0')
				return 0;
			if ((r = glob_class(pat + 1, *s, &end)) < 0) {
				if (*s != '[')
					return 0;
				break;
			}
			if (!r)
				return 0;
			pat = end - 1;
			break;
		case '\\':
			if (pat[1])
				pat++;
			/* fall through */
		default:
			if (*pat != *s)
				return 0;
		}
	}
}

/* has_magic: the first n bytes of pattern have an unescaped * ? or [. */
static int
has_magic(const char *p, size_t n)
{
	for (size_t i = 0; i < n && p[i]; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '*' || p[i] == '?' || p[i] == '[')
			return 1;
	}
	return 0;
}

/* unescape: the n bytes at p with their backslashes removed, appended to b. */
static void
unescape(struct buf *b, const char *p, size_t n)
{
	for (size_t i = 0; i < n && p[i]; i++) {
		if (p[i] == '\\' && i + 1 < n)
			i++;
		buf_addc(b, p[i]);
	}
}

/* glob_dir: the paths matching pat (what is left of the pattern) under prefix, into out. */
static void
glob_dir(const char *prefix, const char *pat, struct strv *out)
{
	const char *slash = strchr(pat, '/');
	size_t n = slash ? (size_t)(slash - pat) : strlen(pat);
	struct buf path = { 0 };
	struct stat st;

	if (!has_magic(pat, n)) {		/* a literal component: no directory read */
		buf_adds(&path, prefix);
		unescape(&path, pat, n);
		if (slash) {
			buf_addc(&path, '/');
			glob_dir(buf_str(&path), slash + 1, out);
		} else if (stat(buf_str(&path), &st) == 0) {
			strv_add(out, buf_str(&path));
		}
		return;
	}
	char *comp = sh_strndup(pat, n);
	DIR *d = opendir(*prefix ? prefix : ".");
	struct dirent *e;
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && comp[0] != '.')	/* * does not match a leading dot */
			continue;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!glob_match(comp, e->d_name))
			continue;
		struct buf b = { 0 };
		buf_adds(&b, prefix);
		buf_adds(&b, e->d_name);
		if (slash) {
			buf_addc(&b, '/');
			if (stat(buf_str(&b), &st) == 0 && S_ISDIR(st.st_mode))
				glob_dir(buf_str(&b), slash + 1, out);
		} else {
			strv_add(out, buf_str(&b));
		}
	}
	closedir(d);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * finish: f as fields of out: its value, or with globbing and an unquoted * ? [, the paths
 * that match it in sorted order (none: the value itself). f is empty again after.
 */
static void
finish(struct field *f, struct strv *out, int globbing)
{
	if (f->magic && globbing) {
		struct strv found = { 0 };
		const char *pt = buf_str(&f->pat);
		glob_dir(pt[0] == '/' ? "/" : "", pt[0] == '/' ? pt + 1 : pt, &found);
		if (found.n > 0) {
			qsort(found.v, (size_t)found.n, sizeof(char *), by_name);
			for (int i = 0; i < found.n; i++)
				strv_add(out, found.v[i]);
			memset(f, 0, sizeof(*f));
			return;
		}
	}
	strv_add(out, buf_str(&f->val));
	memset(f, 0, sizeof(*f));
}

/*
 * expand: the fields of raw into out: $ expanded (unquoted expansions split at blanks when
 * splitting), quotes removed, each field globbed (when globbing). An unquoted expansion that
 * is empty makes no field; "" makes an empty one.
 */
static int
expand(const char *raw, struct strv *out, int globbing, int splitting)
{
	struct field f = { 0 };
	int dq = 0;

	for (const char *p = raw; *p; ) {
		if (!dq && *p == '\'') {
			f.quoted = 1;
			for (p++; *p && *p != '\''; p++)
				add(&f, *p, 1);
			if (*p)
				p++;
		} else if (*p == '"') {
			f.quoted = 1;
			dq = !dq;
			p++;
		} else if (*p == '\\' && p[1] && (!dq || strchr("$\"\\`", p[1]))) {
			add(&f, p[1], 1);
			p += 2;
		} else if (*p == '$') {
			p = dollar(p + 1, &f, splitting && !dq, out, globbing);
		} else {
			add(&f, *p, dq);
			p++;
		}
	}
	if (f.val.len > 0 || f.quoted)
		finish(&f, out, globbing);
	return 0;
}

int
expand_word(const char *raw, struct strv *out)
{
	return expand(raw, out, 1, 1);
}

/* expand_value: an assignment's value: $ expanded, quotes removed, no globbing, one string. */
char *
expand_value(const char *raw)
{
	struct strv sv = { 0 };

	expand(raw, &sv, 0, 0);
	return sv.n ? sv.v[0] : sh_strndup("", 0);
}

/* expand_one: raw as exactly one field (a redirection's target), or NULL with a message. */
char *
expand_one(const char *raw)
{
	struct strv sv = { 0 };

	if (expand_word(raw, &sv) < 0)
		return NULL;
	if (sv.n != 1) {
		fprintf(stderr, "sh: %s: ambiguous redirect\n", raw);
		return NULL;
	}
	return sv.v[0];
}
