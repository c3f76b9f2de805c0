/*
 * Jobs: the pipelines run in the background, or stopped in the foreground (Ctrl-Z), each in its
 * own process group, numbered from 1. `jobs` lists them, `wait` and `fg` wait for them, `fg` and
 * `bg` continue a stopped one (SIGCONT to its group), `kill %N` signals them; the shell reports
 * one that ended or stopped by itself before its next prompt.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "sh.h"

struct job {
	int	id;			/* 0: the slot is free */
	pid_t	pgid;
	pid_t	pids[SH_MAXPIPE];
	int	done[SH_MAXPIPE];
	int	npids, ndone;
	int	status;			/* the last process's wait status, once it ended */
	int	stopped;		/* a process of it stopped and was not continued since */
	int	told;			/* ... and that was reported */
	char	*text;			/* malloc'd */
};
static struct job jobs[SH_MAXJOBS];

/* job_add: a new job of these processes; answers its number, or 0 (reported) when full. */
int
job_add(pid_t pgid, const pid_t *pids, int npids, const char *text)
{
	int id = 1;

	for (int i = 0; i < SH_MAXJOBS; i++)	/* the smallest number not in use */
		for (int j = 0; j < SH_MAXJOBS; j++)
			if (jobs[j].id == id)
				id++;
	for (int i = 0; i < SH_MAXJOBS; i++) {
		struct job *j = &jobs[i];
		if (j->id != 0)
			continue;
		memset(j, 0, sizeof(*j));
		j->id = id;
		j->pgid = pgid;
		j->npids = npids;
		memcpy(j->pids, pids, (size_t)npids * sizeof(pid_t));
		j->text = sh_strdup(text);
		return id;
	}
	fprintf(stderr, "sh: too many jobs; this one is not tracked\n");
	return 0;
}

static void
job_free(struct job *j)
{
	free(j->text);
	j->text = NULL;
	j->id = 0;
}

/*
 * ended: record what pid's wait status ws says: it ended, stopped (WIFSTOPPED) or was continued
 * (WIFCONTINUED); answers its job, or NULL.
 */
static struct job *
ended(pid_t pid, int ws)
{
	for (int i = 0; i < SH_MAXJOBS; i++) {
		struct job *j = &jobs[i];
		for (int k = 0; j->id && k < j->npids; k++) {
			if (j->pids[k] != pid || j->done[k])
				continue;
			if (WIFSTOPPED(ws) || WIFCONTINUED(ws)) {
				j->stopped = WIFSTOPPED(ws);
				j->told = 0;
				return j;
			}
			j->done[k] = 1;
			j->ndone++;
			if (k == j->npids - 1)
				j->status = ws;
			return j;
		}
	}
	return NULL;
}

/* state: how a job stands, as `jobs` says it. */
static const char *
state(const struct job *j, char *buf, size_t size)
{
	if (j->ndone < j->npids)
		return j->stopped ? "Stopped" : "Running";
	if (WIFSIGNALED(j->status))
		snprintf(buf, size, "Killed (signal %d)", WTERMSIG(j->status));
	else if (WEXITSTATUS(j->status))
		snprintf(buf, size, "Exit %d", WEXITSTATUS(j->status));
	else
		return "Done";
	return buf;
}

/* jobs_reap: collect every child that has ended; with report, say which jobs are over. */
void
jobs_reap(int report)
{
	pid_t pid;
	int ws;
	char buf[32];

	while ((pid = waitpid(-1, &ws, WNOHANG | WUNTRACED | WCONTINUED)) > 0)
		ended(pid, ws);
	for (int i = 0; i < SH_MAXJOBS; i++) {
		struct job *j = &jobs[i];
		if (j->id == 0)
			continue;
		if (j->ndone < j->npids) {
			if (j->stopped && !j->told && report)	/* stopped by a signal from elsewhere */
				printf("[%d] %-20s %s\n", j->id, "Stopped", j->text);
			j->told = 1;
			continue;
		}
		if (report)
			printf("[%d] %-20s %s\n", j->id, state(j, buf, sizeof(buf)), j->text);
		job_free(j);
	}
}

/* jobs_print: `jobs`: every job, running or ended since the last report. */
int
jobs_print(void)
{
	pid_t pid;
	int ws;
	char buf[32];

	while ((pid = waitpid(-1, &ws, WNOHANG | WUNTRACED | WCONTINUED)) > 0)
		ended(pid, ws);
	for (int id = 1; id <= SH_MAXJOBS * 2; id++) {
		for (int i = 0; i < SH_MAXJOBS; i++) {
			struct job *j = &jobs[i];
			if (j->id != id)
				continue;
			printf("[%d] %-20s %s\n", j->id, state(j, buf, sizeof(buf)), j->text);
			j->told = 1;
			if (j->ndone == j->npids)
				job_free(j);
		}
	}
	return 0;
}

/* jobs_running: how many jobs have not ended. */
int
jobs_running(void)
{
	int n = 0;

	for (int i = 0; i < SH_MAXJOBS; i++)
		n += jobs[i].id != 0;
	return n;
}

/*
 * find: the job spec names: %N, %% or %+ (the newest job), or a pid of one of the jobs.
 * NULL with a message when there is none; *pid gets a pid that is no job's (kill PID).
 */
static struct job *
find(const char *spec, pid_t *pid)
{
	struct job *newest = NULL;
	char *end;

	*pid = 0;
	for (int i = 0; i < SH_MAXJOBS; i++)
		if (jobs[i].id && (newest == NULL || jobs[i].id > newest->id))
			newest = &jobs[i];
	if (spec == NULL || strcmp(spec, "%%") == 0 || strcmp(spec, "%+") == 0 || strcmp(spec, "%") == 0) {
		if (newest == NULL)
			fprintf(stderr, "sh: no current job\n");
		return newest;
	}
	long n = strtol(spec + (spec[0] == '%'), &end, 10);
	if (*end != '\0' || end == spec + (spec[0] == '%') || n <= 0) {
		fprintf(stderr, "sh: %s: not a job or process id\n", spec);
		return NULL;
	}
	for (int i = 0; i < SH_MAXJOBS; i++) {
		struct job *j = &jobs[i];
		if (j->id == 0)
			continue;
		if (spec[0] == '%' && j->id == n)
			return j;
		for (int k = 0; spec[0] != '%' && k < j->npids; k++)
			if (j->pids[k] == n)
				return j;
	}
	if (spec[0] == '%')
		fprintf(stderr, "sh: %s: no such job\n", spec);
	else
		*pid = (pid_t)n;
	return NULL;
}

/*
 * wait_job: wait until every process of j has ended; answers its status ($? form). In the
 * foreground (fg), a stop ends the wait too: j stays, stopped, reported as such.
 */
static int
wait_job(struct job *j, int foreground)
{
	int ws;

	for (int k = 0; k < j->npids; k++) {
		if (j->done[k])
			continue;
		if (waitpid(j->pids[k], &ws, foreground && sh_interactive ? WUNTRACED : 0) < 0) {
			if (errno == EINTR) {
				k--;
				continue;
			}
			ws = 0;
		}
		ended(j->pids[k], ws);
		if (WIFSTOPPED(ws)) {
			printf("[%d] %-20s %s\n", j->id, "Stopped", j->text);
			j->told = 1;
			return status_of(ws);
		}
	}
	int status = status_of(j->status);
	job_free(j);
	return status;
}

/*
 * job_wait: `wait [spec]`: wait for the job (or a child pid) spec names, or for every job;
 * answers the status of the last one waited for (127: spec is no child of ours).
 */
int
job_wait(const char *spec)
{
	int status = 0, ws;
	pid_t pid;

	if (spec == NULL) {
		for (int i = 0; i < SH_MAXJOBS; i++)
			if (jobs[i].id)
				status = wait_job(&jobs[i], 0);
		return status;
	}
	struct job *j = find(spec, &pid);
	if (j != NULL)
		return wait_job(j, 0);
	if (pid > 0 && waitpid(pid, &ws, 0) == pid)
		return status_of(ws);
	return 127;
}

/* job_kill: end the processes of the job spec names, or the process with that pid. */
int
job_kill(const char *spec, int sig)
{
	pid_t pid;
	struct job *j = find(spec, &pid);
	int failed = 0;

	if (j == NULL && pid == 0)
		return 1;
	if (j == NULL) {
		if (kill(pid, sig) < 0) {
			fprintf(stderr, "sh: kill %d: %s\n", (int)pid, strerror(errno));
			return 1;
		}
		return 0;
	}
	for (int k = 0; k < j->npids; k++) {
		if (!j->done[k] && kill(j->pids[k], sig) < 0 && errno != ESRCH) {
			fprintf(stderr, "sh: kill %d: %s\n", (int)j->pids[k], strerror(errno));
			failed = 1;
		}
	}
	return failed;
}

/* cont: a stopped job j runs again: SIGCONT to its process group. */
static void
cont(struct job *j)
{
	if (j->stopped && kill(-j->pgid, SIGCONT) < 0)
		fprintf(stderr, "sh: continue %%%d: %s\n", j->id, strerror(errno));
	j->stopped = 0;
}

/*
 * job_fg: `fg [spec]`: the job in the foreground: given the terminal, continued if stopped,
 * waited for (until it ends or stops again).
 */
int
job_fg(const char *spec)
{
	pid_t pid;
	struct job *j = find(spec, &pid);

	if (j == NULL) {
		if (pid)
			fprintf(stderr, "sh: fg: %s: no such job\n", spec);
		return 1;
	}
	printf("%s\n", j->text);
	fflush(stdout);
	take_terminal(j->pgid);
	cont(j);
	int status = wait_job(j, 1);
	take_terminal(sh_pgid);
	return status;
}

/* job_bg: `bg [spec]`: a stopped job continues, in the background. */
int
job_bg(const char *spec)
{
	pid_t pid;
	struct job *j = find(spec, &pid);

	if (j == NULL) {
		if (pid)
			fprintf(stderr, "sh: bg: %s: no such job\n", spec);
		return 1;
	}
	if (!j->stopped) {
		fprintf(stderr, "sh: bg: job %d already in background\n", j->id);
		return 0;
	}
	cont(j);
	printf("[%d] %s &\n", j->id, j->text);
	return 0;
}

/*
 * job_stopped: a foreground pipeline of npids processes (group pgid) stopped: the first ndone
 * of them had ended with the wait statuses wss, the next one stopped with ws. It becomes a
 * stopped job, reported; answers $? (128 + the stop signal).
 */
int
job_stopped(pid_t pgid, const pid_t *pids, int npids, const int *wss, int ndone, int ws,
    const char *text)
{
	int id = job_add(pgid, pids, npids, text);

	for (int i = 0; i < SH_MAXJOBS; i++) {
		struct job *j = &jobs[i];
		if (id == 0 || j->id != id)
			continue;
		for (int k = 0; k < ndone; k++)
			ended(pids[k], wss[k]);
		ended(pids[ndone], ws);
		printf("[%d] %-20s %s\n", j->id, "Stopped", j->text);
		j->told = 1;
	}
	return status_of(ws);
}
