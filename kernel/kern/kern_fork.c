/*
 * fork: a new process that is a copy of the caller (POSIX.1-2017 fork(); docs/syscall-abi.md).
 *
 * The child gets:
 *   - the caller's address space, copy-on-write (vm/pmap.c: pmap_fork): every page shared, the
 *     writable ones read-only in both until a write fault copies them; the copies it may need
 *     are reserved now, so no later fault can run out of memory (fork answers ENOMEM instead);
 *   - the descriptors, sharing the open files (and so their offsets) and pipe ends;
 *   - the TLS descriptors (a copy of the LDT), so %gs names the calling user thread's TCB;
 *   - one vCPU, a copy of the calling one: it returns from the same trap to the same place with
 *     the same registers, %eax = 0, and its copy of the message answered 0 with result 0;
 *   - not the ring (its page is left out of the copy: ring_setup may make a new one), not the
 *     other vCPUs, not the calls in flight (they stay the parent's), a fresh pid, the caller as
 *     its parent.
 * The parent's answer is the child's pid.
 *
 * The child's registers: struct syscall_frame (what syscall_entry saved) gives %ecx, %edx, the
 * segments, %eip, %esp and the flags; fork_entry.S saved the callee-saved ones (struct
 * fork_regs) before calling fork_syscall.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/ring.h>
#include <sys/sysmsg.h>
#include <sys/thread.h>
#include <string.h>
#include <machine/trap.h>
#include <vm/vm.h>

int	fork_syscall(struct fork_msg *msg, const struct fork_regs *regs);

/* fork_child_enter: the child's first code: ring 3, where the parent's trap returns. */
static void
fork_child_enter(void *arg)
{
	struct trapframe tf = *(struct trapframe *)arg;

	kfree(arg);
	user_enter(curproc, &tf);
}

/* child_frame: the registers the child returns to ring 3 with: the parent's at the trap. */
static void
child_frame(struct trapframe *tf, const struct syscall_frame *sf, const struct fork_regs *regs)
{
	memset(tf, 0, sizeof(*tf));
	tf->tf_ebx = regs->fr_ebx;
	tf->tf_esi = regs->fr_esi;
	tf->tf_edi = regs->fr_edi;
	tf->tf_ebp = regs->fr_ebp;
	tf->tf_ecx = sf->sf_ecx;
	tf->tf_edx = sf->sf_edx;
	tf->tf_eax = 0;				/* the put's answer: done, no error */
	tf->tf_gs = sf->sf_gs;
	tf->tf_fs = sf->sf_fs;
	tf->tf_es = sf->sf_es;
	tf->tf_ds = sf->sf_ds;
	tf->tf_eip = sf->sf_eip;
	tf->tf_cs = sf->sf_cs;
	tf->tf_eflags = sf->sf_eflags;
	tf->tf_esp = sf->sf_esp;
	tf->tf_ss = sf->sf_ss;
}

/* child_answer: the child's copy of the message says fork answered 0 with result 0. */
static int
child_answer(struct proc *child, uint32_t uaddr)
{
	const struct { int32_t error; int64_t result; } __attribute__((packed)) a = { 0, 0 };

	return proc_copyout(child, uaddr + __builtin_offsetof(struct lwkt_msg, ms_error), &a,
	    sizeof(a));
}

/*
 * fork_syscall: the fork call (through sys_fork, fork_entry.S). Answers the child's pid; ENOMEM
 * when memory is short (for the child's structures, or for the copies its pages may need),
 * EAGAIN when a page is shared by too many, EFAULT when the message lies where the child gets no
 * copy (the ring's page), EINTR when the caller is being killed.
 */
int
fork_syscall(struct fork_msg *msg, const struct fork_regs *regs)
{
	struct proc *p = curproc, *child;
	const struct syscall_frame *sf = syscall_frame_of(curthread);
	struct trapframe *tf;
	thread_t td = NULL;
	int error;

	if (regs == NULL) {
#ifdef KTRACE
		regs = (const struct fork_regs *)sf - 1;	/* syscall_slow saved them there */
#else
		return EAGAIN;	/* not from the fast path: no registers to copy (cannot happen for a
				   well-formed message; a retry takes the fast path) */
#endif
	}
	if (p->p_killed || p->p_exiting)
		return EINTR;
	if ((tf = kmalloc(sizeof(*tf))) == NULL)
		return ENOMEM;
	if ((child = proc_alloc(p->p_comm)) == NULL) {
		kfree(tf);
		return ENOMEM;
	}
	error = pmap_create(&child->p_pmap);
	if (error == 0)
		error = pmap_fork(&p->p_pmap, &child->p_pmap, p->p_ring ? RING_UADDR : 0);
	if (error == 0 && p->p_ldt != NULL) {
		if ((child->p_ldt = vm_page_alloc()) == NULL)
			error = ENOMEM;
		else
			memcpy(child->p_ldt, p->p_ldt, PAGE_SIZE);
	}
	if (error == 0 && child_answer(child, regs->fr_uaddr) != 0)
		error = EFAULT;
	if (error == 0)
		error = lwkt_create(fork_child_enter, tf, &td, TDPRI_USER, TDF_NOSTART, p->p_comm);
	if (error != 0) {
		if (child->p_ldt != NULL)
			vm_page_free(child->p_ldt);
		pmap_destroy(&child->p_pmap);
		kfree(child);
		kfree(tf);
		return error;
	}
	child_frame(tf, sf, regs);
	child->p_entry = p->p_entry;
	child->p_usp = p->p_usp;
	child->p_brk_base = p->p_brk_base;
	child->p_brk = p->p_brk;
	proc_link(child, p, td);
	sig_fork(child, p, td);
	msg->hdr.ms_result = child->p_pid;
	lwkt_schedule(td);
	return 0;
}

/* What fork_entry.S and syscall.S (KTRACE) know of these structures. */
_Static_assert(__builtin_offsetof(struct lwkt_msg, ms_error) == 28, "fork_entry.S: MS_ERROR");
_Static_assert(__builtin_offsetof(struct fork_regs, fr_uaddr) == 0 &&
    __builtin_offsetof(struct fork_regs, fr_ebx) == 4 &&
    __builtin_offsetof(struct fork_regs, fr_esi) == 8 &&
    __builtin_offsetof(struct fork_regs, fr_edi) == 12 &&
    __builtin_offsetof(struct fork_regs, fr_ebp) == 16 && sizeof(struct fork_regs) == 20,
    "fork_entry.S, syscall.S: the pushes that make a struct fork_regs");
