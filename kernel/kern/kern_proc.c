/*
 * Processes: the table (allproc, pids, proc_token), a process's making and unmaking (proc_alloc,
 * proc_link, proc_free), finding one and ending one from outside (proc_find, proc_kill,
 * proc_may_signal), and reaching any process's memory (proc_copyin, proc_copyout). Elsewhere:
 * spawn, exec and the kernel's proc_run in kern_exec.c; exit and wait in kern_exit.c; fork in
 * kern_fork.c; vCPUs and TLS in kern_vcpu.c; proclist and kstat in kern_kstat.c; sbrk in
 * vm/vm_sbrk.c.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/globaldata.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/sysmsg.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <string.h>
#include <sys/uaccess.h>

struct proclist allproc = TAILQ_HEAD_INITIALIZER(allproc);
uint32_t nprocs;
struct lwkt_token proc_token = LWKT_TOKEN_INITIALIZER(proc_token);
static pid_t next_pid = 1;

/* -- user memory of any process ---------------------------------------------------------------- */

/*
 * proc_copyin: p's memory into the kernel, from any context: through the MMU when p's address
 * space is the current one (the common case: p is the caller), through p's page tables if not.
 */
int
proc_copyin(struct proc *p, uint32_t uaddr, void *kaddr, size_t len)
{
	if (pmap_is_current(&p->p_pmap))
		return copyin((const void *)uaddr, kaddr, len);
	return pmap_copy(&p->p_pmap, uaddr, kaddr, len, false, PTE_P | PTE_U);
}

/* proc_copyout: kernel memory into p's, from any context; the pages must be writable. */
int
proc_copyout(struct proc *p, uint32_t uaddr, const void *kaddr, size_t len)
{
	if (pmap_is_current(&p->p_pmap))
		return copyout(kaddr, (void *)uaddr, len);
	return pmap_copy(&p->p_pmap, uaddr, (void *)kaddr, len, true, PTE_P | PTE_U | PTE_W);
}

/* -- the process table ------------------------------------------------------------------------- */

/* exitport_put: file the kernel's exit-wait message; the process replies it when it ends. */
static int
exitport_put(lwkt_port_t port, lwkt_msg_t msg)
{
	struct proc *p = port->mp_arg;

	if (p->p_exitwaiter != NULL)
		return EBUSY;
	p->p_exitwaiter = msg;
	return EASYNC;
}

/* proc_free: the last of a process (its address space and thread are gone already). */
void
proc_free(struct proc *p)
{
	proc_table_lock();
	TAILQ_REMOVE(&allproc, p, p_list);
	nprocs--;
	proc_table_unlock();
	kfree(p);
}

/*
 * proc_alloc: a process called name, with its ports and lists ready: no address space, thread
 * or pid yet (proc_link gives the last two). NULL when memory is out; kfree undoes it.
 */
struct proc *
proc_alloc(const char *name)
{
	struct proc *p;

	if ((p = kzalloc(sizeof(*p))) == NULL)
		return NULL;
	strlcpy(p->p_comm, name, sizeof(p->p_comm));
	lwkt_initport_putonly(&p->p_exitport, exitport_put);
	p->p_exitport.mp_arg = p;
	TAILQ_INIT(&p->p_childwait);
	TAILQ_INIT(&p->p_threads);
	sysmsg_proc_init(p);
	sig_proc_init(p);
	return p;
}

/*
 * proc_link: p, whose first vCPU is td (made, not started), becomes a process: the parent's
 * descriptors (shared files) or, started by the kernel, the console; a pid; a place on allproc.
 */
void
proc_link(struct proc *p, struct proc *parent, thread_t td)
{
	p->p_td = td;
	proc_thread_add(p, td);
	p->p_nvcpus = 1;
	p->p_nextvcpu = 1;
	if (parent != NULL) {
		fd_inherit(p, parent);
		p->p_parent = parent;
		p->p_ppid = parent->p_pid;
	} else {
		struct file *con = console_file();
		for (int fd = 0; fd < 3; fd++) {
			file_hold(con);
			fd_install(p, con);
		}
	}
	proc_table_insert(p, parent);
}

/* proc_table_insert: p gets a pid, its group and session (pgrp_inherit) and a place on allproc. */
void
proc_table_insert(struct proc *p, struct proc *parent)
{
	proc_table_lock();
	p->p_pid = next_pid++;
	pgrp_inherit(p, parent);
	TAILQ_INSERT_TAIL(&allproc, p, p_list);
	nprocs++;
	proc_table_unlock();
}

/* -- ending processes from outside ---------------------------------------------------------------- */

/*
 * proc_mark_killed: p is to end: every vCPU ends at its next return to ring 3 (td_ast) or its
 * next interrupt in ring 3 (p_killed), and calls it waits in answer EINTR.
 */
void
proc_mark_killed(struct proc *p)
{
	thread_t td;

	crit_enter();
	p->p_killed = true;
	FOREACH_VCPU(p, td)
		td_ast_set(td, TDA_KILLED);
	crit_exit();
}

/* proc_find: the running process pid, or NULL; the caller holds proc_token (proc_table_lock). */
struct proc *
proc_find(pid_t pid)
{
	struct proc *p;

	TAILQ_FOREACH(p, &allproc, p_list)
		if (p->p_pid == pid && p->p_state == PS_RUN)
			return p;
	return NULL;
}

/*
 * proc_may_signal: may process from signal process to (kill, kern_sig.c)? Only itself and its
 * descendants: to's chain of parents reaches from. A process the kernel started has no parent,
 * and an orphan (its parent ended) has none any more: neither is anyone's descendant. The rule
 * is documented in docs/reliability.md; every call that acts on another process asks it.
 */
bool
proc_may_signal(const struct proc *from, const struct proc *to)
{
	for (const struct proc *q = to; q != NULL; q = q->p_parent)
		if (q == from)
			return true;
	return false;
}

/*
 * proc_kill: p ends (SIGKILL): every vCPU at its next kernel entry or exit; another process's
 * calls are aborted and its vCPUs woken so that it notices at once.
 */
void
proc_kill(struct proc *p)
{
	struct ksysmsg *ksm, *next;

	crit_enter();
	proc_mark_killed(p);
	if (p != curproc) {
		for (ksm = TAILQ_FIRST(&p->p_outstanding); ksm != NULL; ksm = next) {
			next = TAILQ_NEXT(ksm, km_link);
			lwkt_abortmsg(&ksm->km_msg);
		}
		wake_proc(p);
	}
	crit_exit();
}
