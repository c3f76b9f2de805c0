/*
 * Ending processes and waiting for them: exit (proc_exit, sys_exit), the parent's wait
 * (sys_wait, reap, wait_abort) and its job-control reports (proc_jobctl_wake). The kernel's own
 * exit-wait message (proc_run) is kern_exec.c's; the process table is kern_proc.c's.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/proc.h>
#include <sys/sysmsg.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <abi/wait.h>

/*
 * wait_matches: does a wait for pid by parent take this child? pid > 0: that child; -1: any;
 * 0: any in the parent's process group; < -1: any in group -pid (POSIX).
 */
static bool
wait_matches(pid_t pid, const struct proc *parent, const struct proc *child)
{
	if (pid > 0)
		return child->p_pid == pid;
	if (pid == 0)
		return child->p_pgid == parent->p_pgid;
	return pid == -1 || child->p_pgid == -(int64_t)pid;
}

/* reap: a zombie child's status goes to the wait() that takes it; the child is freed. */
static void
reap(struct ksysmsg *ksm, struct proc *child)
{
	struct wait_msg *w = (struct wait_msg *)ksm->km_args.bytes;
	int status = child->p_status;
	pid_t pid = child->p_pid;

	proc_copyout(ksm->km_proc, (uint32_t)w->status, &status, sizeof(status));
	proc_free(child);
	sysmsg_complete(ksm, 0, pid);
}

/* wait_abort: a filed wait is aborted (a signal, exit): it answers EINTR unless answered already. */
static void
wait_abort(lwkt_msg_t msg)
{
	struct ksysmsg *ksm = (struct ksysmsg *)msg;
	struct proc *p = ksm->km_proc;

	proc_table_lock();
	if ((msg->ms_flags & MSGF_DONE) == 0) {
		TAILQ_REMOVE(&p->p_childwait, ksm, km_wlink);
		sysmsg_complete(ksm, EINTR, 0);
	}
	proc_table_unlock();
}

/*
 * proc_jobctl_wake: child stopped or was continued (kern_sig.c): a filed wait of its parent that
 * matches it and asks for that (WUNTRACED, WCONTINUED) is answered with the report now.
 */
void
proc_jobctl_wake(struct proc *child)
{
	struct proc *parent = child->p_parent;
	struct ksysmsg *ksm;

	if (parent == NULL)
		return;
	proc_table_lock();		/* the parent's filed waits, as sys_wait files them */
	TAILQ_FOREACH(ksm, &parent->p_childwait, km_wlink) {
		struct wait_msg *w = (struct wait_msg *)ksm->km_args.bytes;
		int status;

		if (!wait_matches(w->pid, parent, child) ||
		    (status = sig_jobctl_take(child, w->options)) < 0)
			continue;
		TAILQ_REMOVE(&parent->p_childwait, ksm, km_wlink);
		proc_copyout(parent, (uint32_t)w->status, &status, sizeof(status));
		sysmsg_complete(ksm, 0, child->p_pid);
		break;
	}
	proc_table_unlock();
}

/*
 * sys_wait: a child that has ended (wait_matches) is reaped now, or, as WUNTRACED and
 * WCONTINUED ask, one that stopped or was continued is reported (once); else, with WNOHANG,
 * answer 0 at once, or file the call until one ends. ECHILD: no child matches; EINVAL: an
 * unknown option.
 */
int
sys_wait(struct wait_msg *msg)
{
	struct ksysmsg *ksm = ksysmsg_of(msg);
	struct proc *p = curproc, *child;
	bool have = false;
	int error;

	if (msg->options & ~(WNOHANG | WUNTRACED | WCONTINUED))
		return EINVAL;
	proc_table_lock();
	TAILQ_FOREACH(child, &allproc, p_list) {
		if (child->p_parent != p || !wait_matches(msg->pid, p, child))
			continue;
		have = true;
		if (child->p_state == PS_ZOMBIE) {
			int status = child->p_status;
			pid_t pid = child->p_pid;
			/* The child leaves the table before the status is stored: another vCPU's
			 * wait (on another CPU) then cannot reap it too. */
			child->p_state = PS_REAPED;
			proc_table_unlock();
			if (proc_copyout(p, (uint32_t)msg->status, &status, sizeof(status)) != 0) {
				proc_table_lock();
				child->p_state = PS_ZOMBIE;	/* still there to wait for */
				proc_table_unlock();
				return EFAULT;
			}
			proc_free(child);
			msg->hdr.ms_result = pid;
			return 0;
		}
		int status = sig_jobctl_take(child, msg->options);
		if (status >= 0) {
			pid_t pid = child->p_pid;
			proc_table_unlock();
			if (proc_copyout(p, (uint32_t)msg->status, &status, sizeof(status)) != 0)
				return EFAULT;
			msg->hdr.ms_result = pid;
			return 0;
		}
	}
	if (!have || (msg->options & WNOHANG)) {
		proc_table_unlock();
		msg->hdr.ms_result = 0;
		return have ? 0 : ECHILD;
	}
	if ((error = sysmsg_hold(&ksm)) != 0) {
		proc_table_unlock();
		return error;
	}
	TAILQ_INSERT_TAIL(&p->p_childwait, ksm, km_wlink);
	sysmsg_set_abort(ksm, p, wait_abort);
	proc_table_unlock();
	return EASYNC;
}

/*
 * proc_exit: end the calling process with a wait status (proc_wait_status): reclaim its
 * messages and descriptors and its address space, tell whoever waits (the parent's wait, or the
 * kernel's exit-wait message), and end the thread. A child whose parent waits no more is freed
 * at once; otherwise it stays a zombie. Its children become the kernel's.
 */
void
proc_exit(int status)
{
	thread_t td = curthread;
	struct proc *p = td->td_proc;
	struct ksysmsg *ksm;

	if (p->p_exiting)
		vcpu_exit_self();		/* another vCPU is ending the process */
	p->p_exiting = true;
	sig_exit(p);			/* its alarm */
	proc_mark_killed(p);		/* the other vCPUs end at their next kernel entry or exit */
	p->p_status = status;
	crit_enter();
	while (p->p_nvcpus > 1 || p->p_nkse > 0 || p->p_npool > 0) {
		sysmsg_proc_abort(p);	/* wakes vCPUs and KSE calls blocked in calls */
		kse_pool_end(p);	/* and the pooled KSE contexts */
		wake_proc(p);
		p->p_exiter = td;
		lwkt_block("vcpus", p);
	}
	p->p_exiter = NULL;
	crit_exit();
	kse_exit(p);			/* completions no vCPU took */
	sysmsg_proc_exit(p);		/* aborts and frees every outstanding message */
	fd_close_all(p);
	proc_forget_everywhere(p);	/* no CPU its vCPUs left keeps its page tables or LDT */
	ldt_free(p);
	proc_table_lock();
	for (struct proc *c = TAILQ_FIRST(&allproc), *next; c != NULL; c = next) {
		next = TAILQ_NEXT(c, p_list);
		if (c->p_parent != p)
			continue;
		if (c->p_state == PS_ZOMBIE) {
			proc_free(c);		/* nobody will wait for it */
		} else {
			c->p_parent = NULL;	/* an orphan: the kernel's now (getppid answers 0) */
			c->p_ppid = 0;
		}
	}
	pmap_activate_kernel();		/* never run on the page tables being freed */
	pmap_destroy(&p->p_pmap);
	proc_thread_remove(td);
	p->p_td = NULL;
	p->p_state = PS_ZOMBIE;
	if (p->p_parent != NULL)
		sig_post(p->p_parent, SIGCHLD, WIFSIGNALED(status) ? CLD_KILLED : CLD_EXITED,
		    p->p_pid, WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	if (p->p_exitwaiter != NULL) {			/* started by the kernel */
		p->p_exitwaiter->ms_result = status;
		lwkt_replymsg(p->p_exitwaiter, 0);
	} else if (p->p_parent != NULL) {
		TAILQ_FOREACH(ksm, &p->p_parent->p_childwait, km_wlink)
			if (wait_matches(((struct wait_msg *)ksm->km_args.bytes)->pid, p->p_parent, p))
				break;
		if (ksm != NULL) {
			TAILQ_REMOVE(&p->p_parent->p_childwait, ksm, km_wlink);
			reap(ksm, p);
		}
	} else {
		proc_free(p);
	}
	proc_table_unlock();
	lwkt_exit();
}

/* sys_exit: the calling process ends with msg->status (proc_exit). */
int
sys_exit(struct exit_msg *msg)
{
	proc_exit(proc_wait_status(PEND_EXIT, msg->status & 0xff));	/* never answers: its message
									   lives on this stack */
}
