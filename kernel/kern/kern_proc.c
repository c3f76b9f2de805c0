/*
 * Processes: making them (proc_run for the kernel, spawn for processes), ending them (exit,
 * kill, faults), waiting for them (wait, and the kernel's exit-wait message), and what tools see
 * of them (proclist, kstat). fork is kern_fork.c.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/globaldata.h>
#include <sys/kstat.h>
#include <sys/malloc.h>
#include <sys/poll.h>
#include <sys/proc.h>
#include <sys/sysmsg.h>
#include <sys/trace.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <string.h>
#include <machine/cpufunc.h>
#include <machine/segments.h>
#include <machine/trap.h>
#include <sys/uaccess.h>
#include <abi/wait.h>

static void ldt_free(struct proc *p);

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

/* -- making processes ---------------------------------------------------------------------------- */

/*
 * user_enter: leave the kernel for ring 3 with the registers in tf, on the calling thread (a
 * vCPU of p). tf lies in a frame of the caller, below anything live: the top of the kernel stack
 * (where the CPU puts later trap frames) holds the frames that called it.
 */
void
user_enter(struct proc *p, struct trapframe *tf)
{
	cli();
	tss_set_kstack((uint32_t)curthread->td_kstack + TD_KSTACK_SIZE);
	pmap_activate(&p->p_pmap);
	ldt_load(p->p_ldt);
	trapret_to(tf);
}

/* user_start: enter ring 3 at eip with esp, every other register 0. */
static __attribute__((noreturn)) void
user_start(struct proc *p, uint32_t eip, uint32_t esp)
{
	struct trapframe tf;

	memset(&tf, 0, sizeof(tf));
	tf.tf_ds = tf.tf_es = tf.tf_fs = tf.tf_gs = GSEL_UDATA;
	tf.tf_cs = GSEL_UCODE;
	tf.tf_ss = GSEL_UDATA;
	tf.tf_eip = eip;
	tf.tf_esp = esp;
	tf.tf_eflags = PSL_USER;		/* IOPL 0, interrupts on: the timer preempts it */
	user_enter(p, &tf);
}

/* enter_user: a process's first vCPU starts its program. */
static void
enter_user(void *arg)
{
	struct proc *p = arg;

	user_start(p, p->p_entry, p->p_usp);
}

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
	td->td_proc = p;
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

/*
 * proc_create: a process running path with the given NUL-separated argument and environment
 * strings; its thread is made but not started. Descriptors: the parent's, or the console.
 */
static int
proc_create(struct proc *parent, const char *path, const char *args, size_t argslen,
    const char *env, size_t envlen, struct proc **pp)
{
	const char *base = strrchr(path, '/');
	struct proc *p;
	thread_t td;
	int error;

	if ((p = proc_alloc(base ? base + 1 : path)) == NULL)
		return ENOMEM;
	if ((error = pmap_create(&p->p_pmap)) != 0) {
		kfree(p);
		return error;
	}
	error = exec_load(p, path, args, argslen, env, envlen);
	if (error == 0)
		error = lwkt_create(enter_user, p, &td, TDPRI_USER, TDF_NOSTART, p->p_comm);
	if (error != 0) {
		pmap_destroy(&p->p_pmap);
		kfree(p);
		return error;
	}
	proc_link(p, parent, td);
	*pp = p;
	return 0;
}

/*
 * proc_run: the kernel runs the program at path, with env (one NAME=VALUE string, or ""), and
 * waits for it to end: it sends the process an exit-wait message, which the process replies with its status. Returns 0 with *status set,
 * or the errno that kept it from starting.
 */
int
proc_run(const char *path, int argc, const char *const *argv, const char *env, int *status)
{
	char args[512];
	size_t len = 0;
	struct lwkt_msg wait;
	struct proc *p;
	int error;

	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;
		if (len + n > sizeof(args))
			return E2BIG;
		memcpy(args + len, argv[i], n);
		len += n;
	}
	if ((error = proc_create(NULL, path, args, len, env, strlen(env) + (*env ? 1 : 0), &p)) != 0)
		return error;
	lwkt_initmsg(&wait, &curthread->td_msgport, 0);
	lwkt_sendmsg(&p->p_exitport, &wait);
	lwkt_schedule(p->p_td);
	lwkt_waitmsg(&wait, 0);
	*status = (int)wait.ms_result;
	proc_free(p);
	return 0;
}

int
sys_spawn(struct spawn_msg *msg)
{
	struct proc *p = curproc, *child;
	char *buf;
	int error;

	if (msg->argslen + msg->envlen > ARG_MAX)
		return E2BIG;
	if ((buf = vm_page_alloc()) == NULL)		/* the strings: ARG_MAX bytes, one page */
		return ENOMEM;
	error = proc_copyin(p, (uint32_t)msg->args, buf, msg->argslen);
	if (error == 0)
		error = proc_copyin(p, (uint32_t)msg->env, buf + msg->argslen, msg->envlen);
	if (error == 0)
		error = proc_create(p, msg->path, buf, msg->argslen, buf + msg->argslen, msg->envlen,
		    &child);
	vm_page_free(buf);
	if (error)
		return error;
	msg->hdr.ms_result = child->p_pid;
	lwkt_schedule(child->p_td);
	return 0;
}

/*
 * sys_exec: the process runs another program. The new image is loaded into a fresh address
 * space first: when that fails, the call answers the error and the old program goes on
 * untouched. On success the old address space, its ring and its outstanding messages go, the
 * descriptors stay, and the syscall's trap frame returns into the new program's entry.
 */
int
sys_exec(struct exec_msg *msg)
{
	struct proc *p = curproc;
	struct pmap old = p->p_pmap, fresh;
	uint32_t entry = p->p_entry, usp = p->p_usp, brk_base = p->p_brk_base, brk = p->p_brk;
	char *buf;
	int error;

	if (msg->argslen + msg->envlen > ARG_MAX)
		return E2BIG;
	if (p->p_nvcpus > 1 || p->p_nkse > 0)
		return EBUSY;			/* the other vCPUs (or KSE calls) run the old program */
	if ((buf = vm_page_alloc()) == NULL)
		return ENOMEM;
	error = proc_copyin(p, (uint32_t)msg->args, buf, msg->argslen);
	if (error == 0)
		error = proc_copyin(p, (uint32_t)msg->env, buf + msg->argslen, msg->envlen);
	if (error == 0)
		error = pmap_create(&fresh);
	if (error == 0) {
		p->p_pmap = fresh;
		error = exec_load(p, msg->path, buf, msg->argslen, buf + msg->argslen, msg->envlen);
		if (error) {			/* keep the old program */
			pmap_destroy(&p->p_pmap);
			p->p_pmap = old;
			p->p_entry = entry;
			p->p_usp = usp;
			p->p_brk_base = brk_base;
			p->p_brk = brk;
		}
	}
	vm_page_free(buf);
	if (error)
		return error;
	/* The old program's messages and ring go while p_pmap is still its address space: aborted
	 * calls write their answers there, not into the new program. */
	p->p_pmap = old;
	sysmsg_proc_exit(p);
	sysmsg_proc_init(p);
	p->p_pmap = fresh;
	ldt_free(p);			/* its TLS descriptors */
	sig_exec(p);			/* handlers and the upcall entry were the old program's */
	p->p_execed = true;		/* setpgid: its parent may move it no more */
	pmap_activate(&p->p_pmap);
	pmap_destroy(&old);
	const char *base = strrchr(msg->path, '/');
	strlcpy(p->p_comm, base ? base + 1 : msg->path, sizeof(p->p_comm));
	strlcpy(curthread->td_name, p->p_comm, sizeof(curthread->td_name));
	TRACE_THREAD_NAME(curthread);
	struct syscall_frame *sf = syscall_frame_of(curthread);
	sf->sf_eip = p->p_entry;
	sf->sf_esp = p->p_usp;
	sf->sf_ds = sf->sf_es = sf->sf_fs = sf->sf_gs = GSEL_UDATA;	/* the old TLS selector is gone */
	sf->sf_ecx = sf->sf_edx = 0;
	return EJUSTRETURN;
}

/* -- ending processes ------------------------------------------------------------------------------ */

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
	td->td_proc = NULL;
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
		td->td_ast |= TDA_KILLED;
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

/* -- virtual CPUs ------------------------------------------------------------------------- */

/* vcpu_exit_self: the calling vCPU ends; the process goes on (or its exiter is told). */
void
vcpu_exit_self(void)
{
	thread_t td = curthread;
	struct proc *p = td->td_proc;

	crit_enter();
	p->p_nvcpus--;
	td->td_proc = NULL;
	if (p->p_td == td)
		p->p_td = NULL;
	if (p->p_exiter != NULL)
		lwkt_schedule(p->p_exiter);
	wake_proc(p);		/* an idle vCPU re-checks: it may be the last one awake now */
	crit_exit();
	lwkt_exit();
}

struct vcpu_start {
	struct proc	*p;
	uint32_t	entry, esp;
};

/* vcpu_enter: a new vCPU's first code: enter ring 3 at the rfork caller's entry point. */
static void
vcpu_enter(void *arg)
{
	struct vcpu_start vs = *(struct vcpu_start *)arg;

	kfree(arg);
	user_start(vs.p, vs.entry, vs.esp);
}

/*
 * sys_rfork: another kernel-scheduled context of this process (RFTHREAD|RFMEM, both required):
 * same address space, descriptors and pid, its own kernel thread and stack. It starts at entry
 * with esp = stack - 8 and arg at esp + 4 (a C function's first argument). Answers the new vCPU's
 * id (1, 2, ...: the first vCPU is 0; ids are not reused), which vcpu_wake takes.
 */
int
sys_rfork(struct rfork_msg *msg)
{
	struct proc *p = curproc;
	struct vcpu_start *vs;
	uint32_t frame[2] = { 0, msg->arg };	/* a return address (none), then arg */
	thread_t td;
	int error;

	if (msg->flags != (RFTHREAD | RFMEM))
		return EINVAL;
	if (p->p_nvcpus >= VCPU_MAX)
		return EAGAIN;			/* each is a kernel thread and stack */
	if (p->p_killed || p->p_exiting)
		return EINTR;
	if (msg->entry < USER_BASE || msg->entry >= USER_TOP || msg->stack < USER_BASE + 8 ||
	    msg->stack > USER_TOP || (msg->stack & 3))
		return EINVAL;
	if (proc_copyout(p, msg->stack - 8, frame, sizeof(frame)) != 0)
		return EFAULT;
	if ((vs = kmalloc(sizeof(*vs))) == NULL)
		return ENOMEM;
	*vs = (struct vcpu_start){ p, msg->entry, msg->stack - 8 };
	if ((error = lwkt_create(vcpu_enter, vs, &td, TDPRI_USER, TDF_NOSTART, p->p_comm)) != 0) {
		kfree(vs);
		return error;
	}
	crit_enter();
	td->td_proc = p;
	td->td_vcpuid = p->p_nextvcpu++;
	p->p_nvcpus++;
	msg->hdr.ms_result = td->td_vcpuid;
	lwkt_schedule(td);
	crit_exit();
	return 0;
}

int
sys_vcpu_exit(struct vcpu_exit_msg *msg)
{
	struct proc *p = curproc;

	if (p->p_nvcpus == 1)
		proc_exit(proc_wait_status(PEND_EXIT, msg->status & 0xff));
	vcpu_exit_self();
}

/*
 * sys_vcpu_wake: the process's vCPU id, if it waits idle in waitport (WAITPORT_IDLE), returns
 * from it (it runs when the CPU next switches: at the caller's next wait, or the next clock
 * tick); if it is not waiting yet, its next idle waitport returns at once.
 * libcr calls it when it hands a thread to an idle vCPU. EINVAL: no such vCPU.
 */
int
sys_vcpu_wake(struct vcpu_wake_msg *msg)
{
	struct proc *p = curproc;
	thread_t td;

	crit_enter();
	FOREACH_VCPU(p, td)
		if (td->td_vcpuid == msg->id) {
			td->td_flags |= TDF_VWAKE;
			if (td->td_flags & TDF_IDLEWAIT)
				lwkt_schedule(td);
			crit_exit();
			return 0;
		}
	crit_exit();
	return EINVAL;
}

/* -- thread-local storage ---------------------------------------------------------------- */

/*
 * sys_tls_set: descriptor slot of the process's LDT now starts at base, a user address (the
 * TCB of a user thread, whose first word points to itself). Written once when libcr makes the
 * thread, so a user-thread switch only reloads %gs. The kernel checks the slot and that base is
 * a user address; the descriptor is always a ring-3 data segment.
 */
int
sys_tls_set(struct tls_set_msg *msg)
{
	struct proc *p = curproc;

	if (msg->slot >= LDT_ENTRIES || msg->base < USER_BASE || msg->base >= USER_TOP)
		return EINVAL;
	if (p->p_ldt == NULL) {
		if ((p->p_ldt = vm_page_alloc()) == NULL)
			return ENOMEM;
		ldt_load(p->p_ldt);
	}
	msg->hdr.ms_result = ldt_set_tls(p->p_ldt, msg->slot, msg->base);
	return 0;
}

static void
ldt_free(struct proc *p)
{
	if (p->p_ldt == NULL)
		return;
	ldt_load(NULL);
	vm_page_free(p->p_ldt);
	p->p_ldt = NULL;
}

/* -- the heap -------------------------------------------------------------------------------------- */

#define HEAP_LIMIT	(USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE - 16 * PAGE_SIZE)

int
sys_sbrk(struct sbrk_msg *msg)
{
	struct proc *p = curproc;
	uint32_t old = p->p_brk, new = old + msg->incr;
	int error;

	if ((msg->incr > 0 && (new < old || new > HEAP_LIMIT)) ||
	    (msg->incr < 0 && (new > old || new < p->p_brk_base)))
		return ENOMEM;
	if (msg->incr > 0 && (error = pmap_alloc_range(&p->p_pmap, old, msg->incr, PTE_U | PTE_W)) != 0) {
		pmap_remove_range(&p->p_pmap, round_page(old), round_page(new));	/* what it did map */
		return error;
	}
	if (msg->incr < 0)
		pmap_remove_range(&p->p_pmap, round_page(new), round_page(old));
	p->p_brk = new;
	msg->hdr.ms_result = old;
	return 0;
}

/* -- what tools see ---------------------------------------------------------------------------- */

int
sys_proclist(struct proclist_msg *msg)
{
	struct procinfo pi;
	struct proc *p;
	size_t n = 0, max = msg->len / sizeof(pi);

	proc_table_lock();
	TAILQ_FOREACH(p, &allproc, p_list) {
		if (n == max)
			break;
		memset(&pi, 0, sizeof(pi));
		pi.pi_pid = p->p_pid;
		pi.pi_ppid = p->p_ppid;
		strlcpy(pi.pi_name, p->p_comm, sizeof(pi.pi_name));
		pi.pi_outstanding = p->p_noutstanding;
		if (p->p_state != PS_RUN) {
			pi.pi_state = 'Z';
		} else {
			thread_t td;
			pi.pi_threads = p->p_nvcpus;
			pi.pi_state = 'S';
			FOREACH_VCPU(p, td) {
				if (td->td_state == TDS_RUNNABLE)
					pi.pi_state = 'R';	/* R when any vCPU can run */
				else if (td->td_wmesg && pi.pi_wmesg[0] == '\0')
					strlcpy(pi.pi_wmesg, td->td_wmesg, sizeof(pi.pi_wmesg));
			}
		}
		if (proc_copyout(curproc, (uint32_t)msg->buf + n * sizeof(pi), &pi, sizeof(pi)) != 0) {
			proc_table_unlock();
			return EFAULT;
		}
		n++;
	}
	proc_table_unlock();
	msg->hdr.ms_result = n;
	return 0;
}

int
sys_kstat(struct kstat_msg *msg)
{
	struct kstat ks;
	size_t n = msg->len < sizeof(ks) ? msg->len : sizeof(ks);

	memset(&ks, 0, sizeof(ks));
	ks.ks_pages_free = vm_page_free_count();
	ks.ks_kmalloc_in_use = kmalloc_stats.in_use;
	ks.ks_threads = lwkt_stats.threads;
	ks.ks_procs = nprocs;
	ks.ks_sysmsg_live = sysmsg_stats.live;
	ks.ks_sysmsg_outstanding = sysmsg_stats.outstanding;
	ks.ks_files = files_open;
	ks.ks_pipes = pipes_alive;
	ks.ks_ticks = mycpu->gd_ticks;
	ks.ks_syscalls = sysmsg_stats.calls;
	ks.ks_async_later = sysmsg_stats.async_later;
	ks.ks_aborts = sysmsg_stats.aborts;
	ks.ks_switches = lwkt_stats.switches;
	ks.ks_user_ticks = lwkt_stats.user_ticks;
	ks.ks_preemptions = lwkt_stats.preemptions;
	ks.ks_ramfs_files = ramfs_files;
	ks.ks_ramfs_pages = ramfs_pages;
	ks.ks_polls = poll_stats.waiting;
	ks.ks_poll_wakeups = poll_stats.wakeups;
	ks.ks_pages_shared = vm_page_stats.shared;
	ks.ks_pages_reserved = vm_page_stats.reserved;
	ks.ks_cow_copies = vm_page_stats.cow_copies;
	ks.ks_cow_reuses = vm_page_stats.cow_reuses;
	ks.ks_kse_calls = kse_stats.calls;
	ks.ks_kse_pooled = kse_stats.pooled;
	ks.ks_kse_upcalls = kse_stats.blocked + kse_stats.unblocked;
	ks.ks_ring_enters = ring_stats.enters;
	ks.ks_kpoll_taken = ring_stats.kpoll_taken;
	ks.ks_kpoll_home = ring_stats.kpoll_home;
	ks.ks_kpoll_sleeps = ring_stats.kpoll_sleeps;
	ks.ks_kpoll_wakeups = ring_stats.kpoll_wakeups;
	ks.ks_kpoll_threads = ring_stats.kpoll_threads;
	if (proc_copyout(curproc, (uint32_t)msg->buf, &ks, n) != 0)
		return EFAULT;
	msg->hdr.ms_result = n;
	return 0;
}

int
sys_exit(struct exit_msg *msg)
{
	proc_exit(proc_wait_status(PEND_EXIT, msg->status & 0xff));	/* never answers: its message
									   lives on this stack */
}
