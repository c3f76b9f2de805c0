/*
 * Process groups and sessions, enough for job control, and the console as a controlling
 * terminal: getppid, setpgid, getpgid, setsid, getsid, tcgetpgrp, tcsetpgrp (POSIX.1-2017's
 * rules and errors).
 *
 * Every process is in a process group (p_pgid) of a session (p_sid); a spawned child starts in
 * its parent's. A process the kernel starts leads a new session and group of its own, whose
 * controlling terminal is the console, with that group in the foreground: the kernel's
 * programs take the console in turn. The console stays that session's terminal until the
 * session leader ends (then it is nobody's) or leaves it by setsid. A session made by setsid
 * has no controlling terminal, and cannot get one: nothing opens the console by name.
 *
 * The data the signals work needs (issue 12, item 2) is here: pgrp_foreground() is the group
 * Ctrl-C's SIGINT goes to, and the hooks below name where SIGHUP and SIGTTOU would be raised.
 *
 * POSIX leaves room here: getpgid and getsid answer for any process (no EPERM across
 * sessions); a spawned child counts as not having called exec until it does so itself (spawn
 * is not fork + exec: its parent may still move it into a group, as a shell needs).
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/file.h>
#include <sys/proc.h>
#include <sys/sysmsg.h>
#include <sys/thread2.h>

static pid_t console_sid;	/* the session whose controlling terminal the console is; 0: none */
static pid_t console_pgrp;	/* that session's foreground process group */

/*
 * pgrp_inherit: child's group and session: its parent's, or (parent NULL: the kernel starts
 * it) a new session and group led by child, which takes the console as its terminal.
 */
void
pgrp_inherit(struct proc *child, struct proc *parent)
{
	if (parent != NULL) {
		child->p_pgid = parent->p_pgid;
		child->p_sid = parent->p_sid;
		return;
	}
	child->p_pgid = child->p_sid = child->p_pid;
	console_sid = console_pgrp = child->p_pid;
}

/* find_any: the process pid, running or a zombie not yet waited for, or NULL. */
static struct proc *
find_any(pid_t pid)
{
	struct proc *p;

	TAILQ_FOREACH(p, &allproc, p_list)
		if (p->p_pid == pid)
			return p;
	return NULL;
}

/*
 * console_session: the session the console is the controlling terminal of, or 0. The terminal
 * is nobody's once that session's leader has ended or left it (signals: SIGHUP to the
 * foreground group goes where the leader ends, issue 12 item 2).
 */
static pid_t
console_session(void)
{
	struct proc *leader;

	if (console_sid != 0 && ((leader = proc_find(console_sid)) == NULL ||
	    leader->p_sid != console_sid))
		console_sid = console_pgrp = 0;
	return console_sid;
}

/* pgrp_foreground: the console's foreground process group, or 0 when it is nobody's terminal. */
pid_t
pgrp_foreground(void)
{
	return console_session() != 0 ? console_pgrp : 0;
}

/* group_in_session: does a process group pgid exist in session sid (zombies count)? */
static bool
group_in_session(pid_t pgid, pid_t sid)
{
	struct proc *p;

	TAILQ_FOREACH(p, &allproc, p_list)
		if (p->p_pgid == pgid && p->p_sid == sid)
			return true;
	return false;
}

int
sys_getppid(struct getppid_msg *msg)
{
	msg->hdr.ms_result = curproc->p_ppid;
	return 0;
}

/*
 * setpgid_locked: process pid (0: the caller) joins process group pgid (0: its own pid), which
 * must be its own pid or a group of the caller's session. EINVAL: pgid < 0; ESRCH: pid is
 * neither the caller nor a child of it; EACCES: the child has called exec; EPERM: the
 * process leads a session, or is a child in another session, or no such group is in the
 * caller's session.
 */
static int
setpgid_locked(struct setpgid_msg *msg)
{
	struct proc *self = curproc, *p;
	pid_t pgid = msg->pgid;

	if (pgid < 0)
		return EINVAL;
	p = msg->pid == 0 ? self : proc_find(msg->pid);
	if (p == NULL || (p != self && p->p_parent != self))
		return ESRCH;
	if (p != self && p->p_execed)
		return EACCES;
	if (p->p_sid == p->p_pid || p->p_sid != self->p_sid)
		return EPERM;
	if (pgid == 0)
		pgid = p->p_pid;
	if (pgid != p->p_pid && !group_in_session(pgid, self->p_sid))
		return EPERM;
	p->p_pgid = pgid;
	return 0;
}

/* getpgid_locked: ESRCH for no such process. */
static int
getpgid_locked(struct getpgid_msg *msg)
{
	struct proc *p = msg->pid == 0 ? curproc : find_any(msg->pid);

	if (p == NULL)
		return ESRCH;
	msg->hdr.ms_result = p->p_pgid;
	return 0;
}

static int
getsid_locked(struct getsid_msg *msg)
{
	struct proc *p = msg->pid == 0 ? curproc : find_any(msg->pid);

	if (p == NULL)
		return ESRCH;
	msg->hdr.ms_result = p->p_sid;
	return 0;
}

/*
 * setsid_locked: the caller leads a new session and a new group, both its pid, with no
 * controlling terminal. EPERM: it leads a process group already, or another process's group
 * has its pid (either would leave a group split across sessions).
 */
static int
setsid_locked(struct setsid_msg *msg)
{
	struct proc *self = curproc, *p;

	TAILQ_FOREACH(p, &allproc, p_list)
		if (p->p_pgid == self->p_pid)
			return EPERM;		/* the caller itself included */
	self->p_sid = self->p_pgid = self->p_pid;
	msg->hdr.ms_result = self->p_sid;
	return 0;
}

/* controlling_tty: fd is open on the caller's controlling terminal (0), or the errno that says not. */
static int
controlling_tty(int fd)
{
	struct file *fp = fd_get(curproc, fd);

	if (fp == NULL)
		return EBADF;
	if (!console_is(fp) || console_session() == 0 || console_sid != curproc->p_sid)
		return ENOTTY;
	return 0;
}

/* tcgetpgrp_locked: the foreground group of the caller's controlling terminal, open as fd. */
static int
tcgetpgrp_locked(struct tcgetpgrp_msg *msg)
{
	int error;

	if ((error = controlling_tty(msg->fd)) != 0)
		return error;
	msg->hdr.ms_result = console_pgrp;
	return 0;
}

/*
 * tcsetpgrp_locked: pgrp, a group of the caller's session, is the foreground group of its
 * controlling terminal, open as fd. EBADF, ENOTTY (not the caller's controlling terminal),
 * EINVAL (pgrp <= 0), EPERM (no such group in the session). Signals: a caller in a background
 * group gets SIGTTOU here unless it blocks or ignores it (issue 12, item 2).
 */
static int
tcsetpgrp_locked(struct tcsetpgrp_msg *msg)
{
	int error;

	if ((error = controlling_tty(msg->fd)) != 0)
		return error;
	if (msg->pgrp <= 0)
		return EINVAL;
	if (!group_in_session(msg->pgrp, curproc->p_sid))
		return EPERM;
	console_pgrp = msg->pgrp;
	return 0;
}

/*
 * PGRP_CALL: sys_<name> runs <name>_locked under the process table's lock (proc_table_lock):
 * groups, sessions and the console's foreground group are the table's (sys/proc.h).
 */
#define PGRP_CALL(name)								\
int										\
sys_##name(struct name##_msg *msg)						\
{										\
	int error;								\
										\
	proc_table_lock();							\
	error = name##_locked(msg);						\
	proc_table_unlock();							\
	return error;								\
}

PGRP_CALL(setpgid)
PGRP_CALL(getpgid)
PGRP_CALL(getsid)
PGRP_CALL(setsid)
PGRP_CALL(tcgetpgrp)
PGRP_CALL(tcsetpgrp)
