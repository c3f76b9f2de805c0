/*
 * Starting a program: load a static i386 ELF from the initrd into a fresh address space, build
 * its stack (argc, argv, an empty environment), and give it a thread that enters ring 3.
 * proc_run returns when the process exits, with its status.
 */
#include <sys/systm.h>
#include <sys/elf32.h>
#include <sys/errno.h>
#include <sys/initrd.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/thread.h>
#include <string.h>
#include <machine/cpufunc.h>
#include <machine/segments.h>
#include <machine/trap.h>

#define ARGV_MAX	16

static pid_t next_pid = 1;

/* copy_to_user_space: write into pm's pages through the kernel's physical mapping. */
static int
copy_to_user_space(struct pmap *pm, uint32_t va, const void *src, uint32_t len)
{
	const uint8_t *s = src;

	while (len > 0) {
		uint32_t pte = pmap_lookup(pm, va);
		if ((pte & PTE_P) == 0)
			return EFAULT;
		uint32_t chunk = PAGE_SIZE - (va & PAGE_MASK);
		if (chunk > len)
			chunk = len;
		memcpy((void *)((pte & ~PAGE_MASK) + (va & PAGE_MASK)), s, chunk);
		va += chunk;
		s += chunk;
		len -= chunk;
	}
	return 0;
}

/* load_elf: map and fill every PT_LOAD segment; ENOEXEC for anything we cannot run. */
static int
load_elf(struct pmap *pm, const uint8_t *image, size_t size, uint32_t *entry)
{
	const struct elf32_ehdr *eh = (const void *)image;

	if (size < sizeof(*eh) || eh->e_magic != ELF_MAGIC || eh->e_class != ELFCLASS32 ||
	    eh->e_data != ELFDATA2LSB || eh->e_type != ET_EXEC || eh->e_machine != EM_386 ||
	    eh->e_phentsize != sizeof(struct elf32_phdr) ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(struct elf32_phdr) > size)
		return ENOEXEC;
	for (int i = 0; i < eh->e_phnum; i++) {
		const struct elf32_phdr *ph = (const struct elf32_phdr *)(image + eh->e_phoff) + i;
		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		uint64_t end = (uint64_t)ph->p_vaddr + ph->p_memsz;
		if (ph->p_vaddr < USER_BASE || end > USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE ||
		    ph->p_filesz > ph->p_memsz || (uint64_t)ph->p_offset + ph->p_filesz > size)
			return ENOEXEC;
		uint32_t prot = PTE_U | ((ph->p_flags & PF_W) ? PTE_W : 0);
		int error = pmap_alloc_range(pm, ph->p_vaddr, ph->p_memsz, prot);
		if (error == 0)
			error = copy_to_user_space(pm, ph->p_vaddr, image + ph->p_offset, ph->p_filesz);
		if (error)
			return error;
	}
	if (eh->e_entry < USER_BASE || (pmap_lookup(pm, eh->e_entry) & PTE_P) == 0)
		return ENOEXEC;
	*entry = eh->e_entry;
	return 0;
}

/* setup_stack: argc, argv[], NULL, envp NULL, auxv AT_NULL at the top of a fresh stack. */
static int
setup_stack(struct pmap *pm, int argc, const char *const *argv, uint32_t *sp_out)
{
	uint32_t sp = USER_STACK_TOP, uargv[ARGV_MAX + 1];
	int error;

	if (argc > ARGV_MAX)
		return E2BIG;
	error = pmap_alloc_range(pm, USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE,
	    USER_STACK_PAGES * PAGE_SIZE, PTE_U | PTE_W);
	for (int i = argc - 1; i >= 0 && error == 0; i--) {
		size_t n = strlen(argv[i]) + 1;
		sp -= n;
		uargv[i] = sp;
		error = copy_to_user_space(pm, sp, argv[i], n);
	}
	uargv[argc] = 0;
	sp &= ~15u;
	uint32_t tail[3] = { 0, 0, 0 };		/* envp terminator, AT_NULL pair */
	sp -= sizeof(tail) + (argc + 1) * 4 + 4;
	if (error == 0)
		error = copy_to_user_space(pm, sp, &argc, 4);
	if (error == 0)
		error = copy_to_user_space(pm, sp + 4, uargv, (argc + 1) * 4);
	if (error == 0)
		error = copy_to_user_space(pm, sp + 8 + argc * 4, tail, sizeof(tail));
	*sp_out = sp;
	return error;
}

/* enter_user: build the first trap frame on the thread's kernel stack and iret to ring 3. */
static void
enter_user(void *arg)
{
	struct proc *p = arg;
	uint32_t ktop = (uint32_t)p->p_td->td_kstack + TD_KSTACK_SIZE;
	struct trapframe *tf = (struct trapframe *)(ktop - sizeof(*tf));

	memset(tf, 0, sizeof(*tf));
	tf->tf_ds = tf->tf_es = tf->tf_fs = tf->tf_gs = GSEL_UDATA;
	tf->tf_cs = GSEL_UCODE;
	tf->tf_ss = GSEL_UDATA;
	tf->tf_eip = p->p_entry;
	tf->tf_esp = p->p_usp;
	tf->tf_eflags = PSL_USER;		/* IOPL 0, interrupts on: the timer preempts it */
	cli();
	tss_set_kstack(ktop);
	pmap_activate(&p->p_pmap);
	trapret_to(tf);
}

/* exitport_put: file the exit-wait message; the process replies it when it ends. */
static int
exitport_put(lwkt_port_t port, lwkt_msg_t msg)
{
	struct proc *p = port->mp_arg;

	if (p->p_exitwaiter != NULL)
		return EBUSY;			/* one waiter per process */
	p->p_exitwaiter = msg;
	return EASYNC;
}

/* proc_create: a process for the program image, with its thread, not yet running. */
static int
proc_create(const char *path, int argc, const char *const *argv, struct proc **pp)
{
	const void *image;
	size_t size;
	struct proc *p;
	int error;

	if ((error = initrd_lookup(path, &image, &size)) != 0)
		return error;
	if ((p = kzalloc(sizeof(*p))) == NULL)
		return ENOMEM;
	p->p_pid = next_pid++;
	const char *base = strrchr(path, '/');
	strlcpy(p->p_comm, base ? base + 1 : path, sizeof(p->p_comm));
	lwkt_initport_putonly(&p->p_exitport, exitport_put);
	p->p_exitport.mp_arg = p;
	error = pmap_create(&p->p_pmap);
	if (error == 0)
		error = load_elf(&p->p_pmap, image, size, &p->p_entry);
	if (error == 0)
		error = setup_stack(&p->p_pmap, argc, argv, &p->p_usp);
	if (error == 0)
		error = lwkt_create(enter_user, p, &p->p_td, TDPRI_USER, TDF_NOSTART, p->p_comm);
	if (error != 0) {
		pmap_destroy(&p->p_pmap);
		kfree(p);
		return error;
	}
	p->p_td->td_proc = p;
	*pp = p;
	return 0;
}

/*
 * proc_run: run the program at path and wait for it to end. Returns 0 with *status set when it
 * ran, or an errno (ENOENT, ENOEXEC, ENOMEM, E2BIG) when it could not start. The wait is a
 * message: an exit-wait message sent to the process, replied with its status.
 */
int
proc_run(const char *path, int argc, const char *const *argv, int *status)
{
	struct lwkt_msg wait;
	struct proc *p;
	int error;

	if ((error = proc_create(path, argc, argv, &p)) != 0)
		return error;
	lwkt_initmsg(&wait, &curthread->td_msgport, 0);
	lwkt_sendmsg(&p->p_exitport, &wait);
	lwkt_schedule(p->p_td);
	lwkt_waitmsg(&wait, 0);
	*status = (int)wait.ms_result;
	kfree(p);
	return 0;
}
