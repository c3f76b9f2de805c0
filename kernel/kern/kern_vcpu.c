/*
 * Virtual CPUs: the kernel threads of a process (docs/threads.md). Entering ring 3 (user_enter,
 * user_start), making one (sys_rfork, vcpu_enter), ending one (vcpu_exit_self, sys_vcpu_exit),
 * waking an idle one (sys_vcpu_wake), and the process's TLS descriptors (sys_tls_set, ldt_free).
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/globaldata.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <string.h>
#include <machine/cpufunc.h>
#include <machine/segments.h>
#include <machine/trap.h>

/* -- entering ring 3 --------------------------------------------------------------------------- */

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
void
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

/* -- virtual CPUs ------------------------------------------------------------------------- */

/* vcpu_exit_self: the calling vCPU ends; the process goes on (or its exiter is told). */
void
vcpu_exit_self(void)
{
	thread_t td = curthread;
	struct proc *p = td->td_proc;

	crit_enter();
	p->p_nvcpus--;
	proc_thread_remove(td);
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
 * sys_rfork: another kernel-scheduled context of this process (RFTHREAD|RFMEM, both required;
 * RFCPU(n) places it on CPU n, else vcpu_place spreads the vCPUs):
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
	int error, cpu;

	if ((msg->flags & ~(RFCPU_FLAG | (0xffu << RFCPU_SHIFT))) != (RFTHREAD | RFMEM) ||
	    (!(msg->flags & RFCPU_FLAG) && (msg->flags >> RFCPU_SHIFT) != 0))
		return EINVAL;
	if (msg->flags & RFCPU_FLAG) {
		cpu = (int)(msg->flags >> RFCPU_SHIFT);
		if (cpu >= ncpus || (p->p_model == SCHED_KSE && cpu != PROC_HOME_CPU))
			return EINVAL;
	} else {
		cpu = vcpu_place(p, p->p_nextvcpu);
	}
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
	/* Placed on its CPU (spread: vcpu_place), where its ring-3 code runs from the start. */
	if ((error = lwkt_create_cpu(vcpu_enter, vs, &td, TDPRI_USER, TDF_NOSTART, p->p_comm,
	    cpu)) != 0) {
		kfree(vs);
		return error;
	}
	crit_enter();
	proc_thread_add(p, td);
	td->td_vcpuid = p->p_nextvcpu++;
	p->p_nvcpus++;
	msg->hdr.ms_result = td->td_vcpuid;
	lwkt_schedule(td);
	crit_exit();
	return 0;
}

/* sys_vcpu_exit: the calling vCPU ends; the last one ends the process with msg->status. */
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
			td_flags_set(td, TDF_VWAKE);
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

/* ldt_free: the process's TLS descriptors go (exec, exit). */
void
ldt_free(struct proc *p)
{
	if (p->p_ldt == NULL)
		return;
	ldt_load(NULL);
	vm_page_free(p->p_ldt);
	p->p_ldt = NULL;
}
