/*
 * Where a process's vCPUs run (docs/smp.md, "Processes on several CPUs").
 *
 * Each vCPU is a kernel thread placed on a CPU: rfork spreads them (vCPU k on CPU k mod ncpus),
 * so a process's ring-3 code runs on several CPUs at once. Its kernel state (the vCPU list, its
 * calls in flight, signals, descriptors, page tables) is still guarded the uniprocessor way, by
 * critical sections on one CPU: the process's home CPU, PROC_HOME_CPU. So all kernel work of a
 * vCPU runs there: a system call from another CPU enters through that CPU's own vector 128
 * (syscall_entry_remote, arch/i386/syscall.S: the other CPUs load a copy of the IDT that differs
 * only there), whose thread moves to the home CPU by message (lwkt_setcpu_self) and runs the
 * call exactly as a call made there; its way out (syscall_ast, TDA_GOBACK) moves it back before
 * ring 3. A fault in ring 3, and an interrupt that finds work for the vCPU (killed, stopped, a
 * signal), do the same (arch/i386/trap.c). Computing in ring 3 costs nothing extra; a call from
 * another CPU costs two moves (see docs/smp.md's figures). The calls of the home CPU's own vCPUs
 * are unchanged: its IDT is the one it always had.
 *
 * A process in Elischer's KSE model keeps every vCPU home: a KSE call's context that blocks is
 * replaced by a new one made on the CPU of the call.
 */
#include <sys/systm.h>
#include <sys/globaldata.h>
#include <sys/ipiq.h>
#include <sys/proc.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <machine/segments.h>
#include <vm/vm.h>

uint32_t vcpu_moves;	/* vcpu_go_home's moves (kstat: ks_vcpu_moves) */

/* vcpu_place: the CPU vCPU number id of p runs on (spread; KSE processes stay home). */
int
vcpu_place(const struct proc *p, int id)
{
	if (p->p_model == SCHED_KSE || ncpus == 1)
		return PROC_HOME_CPU;
	return (PROC_HOME_CPU + id) % ncpus;
}

/*
 * vcpu_go_home: the calling vCPU, on another CPU than its process's home, moves there to run
 * kernel work; TDA_GOBACK takes it back on its way to ring 3. Interrupts on, no critical
 * section, no tokens: a thread moves only from where it may switch. syscall_entry_remote calls
 * it for a system call made on another CPU (a kernel thread, no process, stays where it is).
 */
void
vcpu_go_home(void)
{
	thread_t td = curthread;

	if (td->td_proc == NULL || td->td_gd->gd_cpuid == PROC_HOME_CPU)
		return;
	td_ast_set(td, TDA_GOBACK);
	__atomic_add_fetch(&vcpu_moves, 1, __ATOMIC_RELAXED);
	lwkt_setcpu_self(PROC_HOME_CPU);
}

/* vcpu_go_back: the calling vCPU, home for kernel work, returns to its own CPU for ring 3. */
void
vcpu_go_back(void)
{
	thread_t td = curthread;

	__atomic_and_fetch(&td->td_ast, ~TDA_GOBACK, __ATOMIC_SEQ_CST);
	if (td->td_proc != NULL && td->td_vcpu_cpu != td->td_gd->gd_cpuid)
		lwkt_setcpu_self(td->td_vcpu_cpu);
}

/* poke_there: nothing to run; the IPI's return to ring 3 looks at the vCPU's work (trap.c). */
static void
poke_there(void *unused1, int unused2)
{
	(void)unused1;
	(void)unused2;
}

/*
 * vcpu_poke: td has work before ring 3 (td_ast_set): if it runs on another CPU, interrupt that
 * CPU so that a vCPU computing in ring 3 looks now rather than at its next tick.
 */
void
vcpu_poke(struct thread *td)
{
	struct globaldata *gd = td->td_gd;

	if (gd != mycpu && td->td_proc != NULL)
		lwkt_send_ipiq(gd, poke_there, NULL, 0);
}

/* forget_there: on each CPU, stop translating with an address space about to be freed. */
static void
forget_there(void *arg, int unused)
{
	struct proc *p = arg;

	(void)unused;
	if (PCPU_GET(gd_pmap) == &p->p_pmap)
		pmap_activate_kernel();
	ldt_forget(p->p_ldt);
}

/*
 * proc_forget_everywhere: p's address space and LDT are about to be freed: no other CPU may go
 * on translating with them (a CPU keeps the last process's page tables loaded while it runs a
 * kernel thread or idles: its vCPU came home to end). None of p's vCPUs runs any more.
 */
void
proc_forget_everywhere(struct proc *p)
{
	if (__builtin_expect(ncpus > 1, 0))
		lwkt_send_ipiq_all_wait(forget_there, p, 0);
}

/* proc_thread_add: td runs p's code from now on (a vCPU, or a KSE call's context); on home. */
void
proc_thread_add(struct proc *p, struct thread *td)
{
	if (td->td_proc == p)
		return;			/* a pooled KSE context taking a vCPU: it is p's already */
	td->td_proc = p;
	TAILQ_INSERT_TAIL(&p->p_threads, td, td_plink);
}

/* proc_thread_remove: td, one of its process's threads, runs no more of its code; on home. */
void
proc_thread_remove(struct thread *td)
{
	struct proc *p = td->td_proc;

	if (p == NULL)
		return;
	TAILQ_REMOVE(&p->p_threads, td, td_plink);
	td->td_proc = NULL;
}
