/*
 * Running commands: expansion of a command's words, redirections, builtins in the shell
 * itself, pipelines of forked children (each pipeline one process group, the foreground one
 * given the terminal with tcsetpgrp), and-or lists and background jobs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "sh.h"

int sh_status;
pid_t sh_last_bg;
int sh_interactive;
pid_t sh_pgid;
pid_t sh_pid;

/* A command after expansion. */
struct expanded {
	struct strv	assigns;	/* NAME=value prefixes */
	struct strv	argv;
};

/* expand_cmd: the command's assignments and fields; -1 on an error (reported). */
static int
expand_cmd(const struct cmd *c, struct expanded *x)
{
	int i = 0;

	memset(x, 0, sizeof(*x));
	for (; i < c->nwords && is_assignment(c->words[i]); i++) {
		const char *eq = strchr(c->words[i], '=');
		char *v = expand_value(eq + 1);
		size_t n = (size_t)(eq - c->words[i]) + 1, vn = strlen(v);
		char *s = sh_alloc(n + vn + 1);
		memcpy(s, c->words[i], n);
		memcpy(s + n, v, vn);
		strv_add(&x->assigns, s);
	}
	for (; i < c->nwords; i++)
		if (expand_word(c->words[i], &x->argv) < 0)
			return -1;
	return 0;
}

/* status_of: a wait status as the shell's $?: the exit status, or 128 + the signal. */
int
status_of(int wstatus)
{
	if (WIFSTOPPED(wstatus))
		return 128 + WSTOPSIG(wstatus);
	return WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
}

/* take_terminal: make pgid the console's foreground group (when sh reads from the console). */
void
take_terminal(pid_t pgid)
{
	if (sh_interactive)
		tcsetpgrp(STDIN_FILENO, pgid);
}

/*
 * apply_redirs: carry out a command's redirections in order. With saved (for a builtin run in
 * the shell) each descriptor's old file is kept there first, for undo_redirs. 0, or -1 after
 * reporting why.
 */
static int
apply_redirs(const struct redir *r, int saved[10])
{
	for (; r; r = r->next) {
		char *target = expand_one(r->word);
		int fd;

		if (target == NULL)
			return -1;
		if (r->fd > 9) {
			fprintf(stderr, "sh: %d: descriptor out of range\n", r->fd);
			return -1;
		}
		if (saved && saved[r->fd] == -2)
			saved[r->fd] = dup(r->fd);	/* -1 if it was closed */
		if (r->kind == R_DUP) {
			if (strcmp(target, "-") == 0) {
				close(r->fd);
				continue;
			}
			char *end;
			long from = strtol(target, &end, 10);
			if (*end != '\0' || end == target || dup2((int)from, r->fd) < 0) {
				fprintf(stderr, "sh: %s: bad descriptor\n", target);
				return -1;
			}
			continue;
		}
		int flags = r->kind == R_IN ? O_RDONLY : r->kind == R_OUT ? O_WRONLY | O_CREAT | O_TRUNC
		    : O_WRONLY | O_CREAT | O_APPEND;
		if ((fd = open(target, flags, 0644)) < 0) {
			fprintf(stderr, "sh: %s: %s\n", target, strerror(errno));
			return -1;
		}
		if (fd != r->fd) {
			dup2(fd, r->fd);
			close(fd);
		}
	}
	return 0;
}

/* undo_redirs: give each descriptor apply_redirs saved its old file back. */
static void
undo_redirs(int saved[10])
{
	fflush(stdout);
	fflush(stderr);
	for (int fd = 0; fd < 10; fd++) {
		if (saved[fd] == -2)
			continue;
		if (saved[fd] >= 0) {
			dup2(saved[fd], fd);
			close(saved[fd]);
		} else {
			close(fd);
		}
	}
}

/* find_program: the path of argv0 (PATH's directories, default /bin, unless it has a '/'). */
static const char *
find_program(const char *name)
{
	const char *path = var_get("PATH");
	struct stat st;

	if (strchr(name, '/'))
		return name;
	if (path == NULL || *path == '\0')
		path = "/bin";
	for (const char *p = path; ; ) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		size_t size = n + strlen(name) + 2;
		char *full = sh_alloc(size);
		snprintf(full, size, "%.*s/%s", (int)n, n ? p : ".", name);
		if (stat(full, &st) == 0 && !S_ISDIR(st.st_mode))
			return full;
		if (colon == NULL)
			return NULL;
		p = colon + 1;
	}
}

/* child: in a forked child, run the expanded command (its redirections done); never returns. */
static void __attribute__((noreturn))
child(const struct cmd *c, struct expanded *x)
{
	builtin_fn *fn;

	if (apply_redirs(c->redirs, NULL) < 0)
		_exit(1);
	if (x->argv.n == 0)
		_exit(0);
	if ((fn = builtin_find(x->argv.v[0])) != NULL) {
		for (int i = 0; i < x->assigns.n; i++) {
			char *eq = strchr(x->assigns.v[i], '=');
			*eq = '\0';
			var_set(x->assigns.v[i], eq + 1, 1);
		}
		exit(fn(x->argv.n, x->argv.v));
	}
	const char *path = find_program(x->argv.v[0]);
	if (path == NULL) {
		fprintf(stderr, "sh: %s: No such file or directory\n", x->argv.v[0]);
		_exit(127);
	}
	execve(path, x->argv.v, vars_environ(&x->assigns));
	fprintf(stderr, "sh: %s: %s\n", x->argv.v[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* run_here: a lone builtin or assignment, in the shell itself; answers its status. */
static int
run_here(const struct cmd *c, struct expanded *x, builtin_fn *fn)
{
	int saved[10], status;

	for (int fd = 0; fd < 10; fd++)
		saved[fd] = -2;
	fflush(NULL);				/* what is buffered goes where it was meant to */
	if (apply_redirs(c->redirs, saved) < 0) {
		undo_redirs(saved);
		return 1;
	}
	if (fn == NULL) {			/* only assignments */
		for (int i = 0; i < x->assigns.n; i++) {
			char *eq = strchr(x->assigns.v[i], '=');
			*eq = '\0';
			var_set(x->assigns.v[i], eq + 1, 0);
		}
		status = 0;
	} else {
		status = fn(x->argv.n, x->argv.v);
	}
	undo_redirs(saved);
	return status;
}

/*
 * wait_foreground: wait for the n processes of a foreground pipeline (group pgid); answers the
 * status of the last one. One that stops (Ctrl-Z: WUNTRACED) makes the pipeline a stopped job.
 * The terminal comes back to the shell afterwards.
 */
static int
wait_foreground(pid_t pgid, const pid_t *pids, int n, const char *text)
{
	int status = 0, ws = 0, wss[SH_MAXPIPE];

	for (int i = 0; i < n; i++) {
		while (waitpid(pids[i], &ws, sh_interactive ? WUNTRACED : 0) < 0 && errno == EINTR)
			;
		wss[i] = ws;
		if (WIFSTOPPED(ws)) {
			take_terminal(sh_pgid);
			return job_stopped(pgid, pids, n, wss, i, ws, text);
		}
		if (i == n - 1)
			status = status_of(ws);
		if (WIFSIGNALED(ws) && i == n - 1)
			fprintf(stderr, "sh: %s: killed by signal %d\n", text, WTERMSIG(ws));
	}
	take_terminal(sh_pgid);
	return status;
}

/*
 * run_pipeline: fork each command of pl in one new process group, joined by pipes. In the
 * foreground, the group gets the terminal and the shell waits; in the background it becomes a
 * job. Answers the status (a background job: 0).
 */
static int
run_pipeline(const struct pipeline *pl, int background, const char *text)
{
	struct expanded x[SH_MAXPIPE];
	pid_t pids[SH_MAXPIPE], pgid = 0;
	int in = -1, n = 0;

	for (int i = 0; i < pl->ncmds; i++)
		if (expand_cmd(&pl->cmds[i], &x[i]) < 0)
			return 1;
	if (pl->ncmds == 1 && !background) {
		builtin_fn *fn = x[0].argv.n ? builtin_find(x[0].argv.v[0]) : NULL;
		if (fn != NULL || x[0].argv.n == 0)
			return run_here(&pl->cmds[0], &x[0], fn);
	}
	fflush(NULL);				/* nothing buffered is written twice */
	for (int i = 0; i < pl->ncmds; i++) {
		int fds[2] = { -1, -1 };
		if (i < pl->ncmds - 1 && pipe(fds) < 0) {
			perror("sh: pipe");
			break;
		}
		pid_t pid = fork();
		if (pid < 0) {
			perror("sh: fork");
			close(fds[0]);
			close(fds[1]);
			break;
		}
		if (pid == 0) {
			sh_signals(1);			/* the defaults back first: a Ctrl-Z once */
			setpgid(0, pgid);		/* it is in front stops it */
			if (!background)
				take_terminal(pgid ? pgid : getpid());
			sh_interactive = 0;
			if (in >= 0) {
				dup2(in, STDIN_FILENO);
				close(in);
			}
			if (fds[1] >= 0) {
				dup2(fds[1], STDOUT_FILENO);
				close(fds[1]);
				close(fds[0]);
			}
			child(&pl->cmds[i], &x[i]);
		}
		if (pgid == 0)
			pgid = pid;
		setpgid(pid, pgid);		/* as the child does: whichever runs first */
		pids[n++] = pid;
		if (in >= 0)
			close(in);
		close(fds[1]);
		in = fds[0];
	}
	if (in >= 0)
		close(in);
	if (n == 0)
		return 1;
	if (background) {
		int id = job_add(pgid, pids, n, text);
		sh_last_bg = pids[n - 1];
		if (sh_interactive && id > 0)
			fprintf(stderr, "[%d] %d\n", id, (int)pids[n - 1]);
		return 0;
	}
	take_terminal(pgid);
	return wait_foreground(pgid, pids, n, text);
}

/* run_andor: the pipelines of ao, each run or skipped as && and || say; answers the status. */
int
run_andor(struct andor *ao)
{
	int status = sh_status;

	for (struct pipeline *pl = ao->first; pl; pl = pl->next) {
		if ((pl->op == OP_AND && status != 0) || (pl->op == OP_OR && status == 0))
			continue;
		status = sh_status = run_pipeline(pl, 0, ao->text);
	}
	return status;
}

/*
 * run_background: ao as a job. One pipeline is forked as it is; an and-or list of several
 * runs in a forked copy of the shell (one process, its own group).
 */
static void
run_background(struct andor *ao)
{
	pid_t pid;

	if (ao->first->next == NULL) {
		run_pipeline(ao->first, 1, ao->text);
		sh_status = 0;
		return;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		perror("sh: fork");
		sh_status = 1;
		return;
	}
	if (pid == 0) {
		setpgid(0, 0);
		sh_interactive = 0;
		sh_signals(1);
		exit(run_andor(ao));
	}
	setpgid(pid, pid);
	int id = job_add(pid, &pid, 1, ao->text);
	sh_last_bg = pid;
	if (sh_interactive && id > 0)
		fprintf(stderr, "[%d] %d\n", id, (int)pid);
	sh_status = 0;
}

/* run_list: each and-or list of a parsed line in turn; answers the last status. */
int
run_list(struct andor *list)
{
	for (struct andor *ao = list; ao; ao = ao->next) {
		if (ao->background)
			run_background(ao);
		else
			run_andor(ao);
	}
	return sh_status;
}
