/*
 * sh's pieces: the lexer and parser (parse.c), expansion and globbing (expand.c), variables
 * (vars.c), running commands and jobs (exec.c, jobs.c) and the builtins (builtins.c).
 * docs/shell.md describes the language it accepts.
 */
#ifndef _SH_H_
#define _SH_H_
#include <stddef.h>
#include <sys/types.h>

#define SH_MAXPIPE	16	/* commands in one pipeline */
#define SH_MAXJOBS	16

/* One redirection: [fd]< word, [fd]> word, [fd]>> word, [fd]>&word, [fd]<&word. */
enum redir_kind { R_IN, R_OUT, R_APPEND, R_DUP };
struct redir {
	int		fd;		/* the descriptor redirected */
	enum redir_kind	kind;
	const char	*word;		/* raw (unexpanded) target: a path, or for R_DUP a number or "-" */
	struct redir	*next;
};

/* A simple command: raw words (assignments first, then the command and its arguments). */
struct cmd {
	const char	**words;
	int		nwords;
	struct redir	*redirs;
};

/* A pipeline: cmds[0] | cmds[1] | ...; op is how it joins the previous one (0, "&&" or "||"). */
enum andor_op { OP_NONE, OP_AND, OP_OR };
struct pipeline {
	struct cmd	cmds[SH_MAXPIPE];
	int		ncmds;
	enum andor_op	op;
	struct pipeline	*next;
};

/* An and-or list, run in the foreground (ended by ';' or the line's end) or background ('&'). */
struct andor {
	struct pipeline	*first;
	int		background;
	char		*text;		/* its source text, for `jobs` */
	struct andor	*next;
};

/* parse.c */
void	*sh_alloc(size_t n);		/* zeroed memory that lives until sh_arena_reset() */
char	*sh_strndup(const char *s, size_t n);
void	sh_arena_reset(void);
char	*sh_strdup(const char *s);		/* malloc'd */
struct andor *sh_parse(const char *line);	/* NULL: empty or an error (reported) */

/* expand.c: a raw word's fields after $-expansion, quote removal and globbing. */
struct strv {
	char	**v;
	int	n, cap;
};
void	strv_add(struct strv *sv, char *s);
int	expand_word(const char *raw, struct strv *out);	/* -1: an error (reported) */
char	*expand_one(const char *raw);		/* exactly one field, or NULL (reported) */
char	*expand_value(const char *raw);		/* an assignment's value: no globbing */
int	glob_match(const char *pat, const char *s);
int	is_assignment(const char *raw);		/* NAME=... with a valid NAME */

/* vars.c */
void	vars_init(char **envp);
const char *var_get(const char *name);
int	var_set(const char *name, const char *value, int export);
void	var_unset(const char *name);
void	var_export(const char *name);
char	**vars_environ(const struct strv *extra);	/* exported "NAME=value"s, then extra */
void	vars_print_exported(void);
int	valid_name(const char *s, size_t n);

/* exec.c */
extern int sh_status;			/* $? */
extern pid_t sh_last_bg;		/* $! */
extern int sh_interactive;		/* reading commands from a terminal */
extern pid_t sh_pgid;			/* the shell's own process group */
extern pid_t sh_pid;			/* $$: the shell's pid */
int	run_list(struct andor *list);
int	run_andor(struct andor *ao);
int	status_of(int wstatus);		/* a wait status as $? */
void	take_terminal(pid_t pgid);

/* jobs.c */
int	job_add(pid_t pgid, const pid_t *pids, int npids, const char *text);
void	jobs_reap(int report);
int	jobs_print(void);
int	job_wait(const char *spec);		/* NULL: every job; answers the last status */
int	job_kill(const char *spec, int sig);
int	job_fg(const char *spec);
int	job_bg(const char *spec);
/* job_stopped: a foreground pipeline stopped (ws): it becomes a stopped job; answers $?. */
int	job_stopped(pid_t pgid, const pid_t *pids, int npids, const int *wss, int ndone, int ws,
	    const char *text);
void	sh_signals(int child);		/* sh.c: the shell's own dispositions, or a child's */
int	jobs_running(void);

/* builtins.c */
typedef int builtin_fn(int argc, char **argv);
builtin_fn *builtin_find(const char *name);
#endif
