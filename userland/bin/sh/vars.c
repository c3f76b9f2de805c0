/*
 * Shell variables: NAME=value pairs, some of them exported (the environment of the programs
 * sh runs). The environment sh started with is imported, every entry exported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sh.h"

struct var {
	char		*name, *value;		/* malloc'd */
	int		exported;
	struct var	*next;
};
static struct var *vars;

static struct var *
find(const char *name)
{
	for (struct var *v = vars; v; v = v->next)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

/* var_get: the value of name, or NULL when it is not set. */
const char *
var_get(const char *name)
{
	struct var *v = find(name);

	return v ? v->value : NULL;
}

/* var_set: name = value; export also exports it (an exported variable stays so); -1 no memory. */
int
var_set(const char *name, const char *value, int export)
{
	struct var *v = find(name);
	char *copy = sh_strdup(value);

	if (copy == NULL)
		return -1;
	if (v == NULL) {
		if ((v = calloc(1, sizeof(*v))) == NULL || (v->name = sh_strdup(name)) == NULL) {
			free(v);
			free(copy);
			return -1;
		}
		v->next = vars;
		vars = v;
	} else {
		free(v->value);
	}
	v->value = copy;
	v->exported |= export;
	return 0;
}

/* var_unset: name is no longer set (nor exported). */
void
var_unset(const char *name)
{
	for (struct var **pp = &vars; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->name, name) == 0) {
			struct var *v = *pp;
			*pp = v->next;
			free(v->name);
			free(v->value);
			free(v);
			return;
		}
	}
}

/* var_export: mark name exported (set to "" if it was not set). */
void
var_export(const char *name)
{
	struct var *v = find(name);

	if (v != NULL)
		v->exported = 1;
	else
		var_set(name, "", 1);
}

/* vars_init: import the environment, every entry exported. */
void
vars_init(char **envp)
{
	for (; envp && *envp; envp++) {
		const char *eq = strchr(*envp, '=');
		char name[64];
		if (eq == NULL || (size_t)(eq - *envp) >= sizeof(name))
			continue;
		memcpy(name, *envp, (size_t)(eq - *envp));
		name[eq - *envp] = '\0';
		if (valid_name(name, strlen(name)))
			var_set(name, eq + 1, 1);
	}
}

/*
 * vars_environ: the environment for a program: the exported variables as "NAME=value", then
 * the strings of extra (a command's own NAME=value prefixes), which win over a variable of
 * the same name. Arena memory.
 */
char **
vars_environ(const struct strv *extra)
{
	struct strv env = { 0 };

	for (struct var *v = vars; v; v = v->next) {
		if (!v->exported)
			continue;
		int overridden = 0;
		size_t n = strlen(v->name);
		for (int i = 0; extra && i < extra->n; i++)
			if (strncmp(extra->v[i], v->name, n) == 0 && extra->v[i][n] == '=')
				overridden = 1;
		if (overridden)
			continue;
		size_t size = n + strlen(v->value) + 2;
		char *s = sh_alloc(size);
		snprintf(s, size, "%s=%s", v->name, v->value);
		strv_add(&env, s);
	}
	for (int i = 0; extra && i < extra->n; i++)
		strv_add(&env, extra->v[i]);
	if (env.v == NULL)
		strv_add(&env, NULL);		/* an empty, NULL-terminated array */
	return env.v;
}

/* vars_print_exported: `export` with no operand: each exported variable, as a command. */
void
vars_print_exported(void)
{
	for (struct var *v = vars; v; v = v->next)
		if (v->exported)
			printf("export %s='%s'\n", v->name, v->value);
}
