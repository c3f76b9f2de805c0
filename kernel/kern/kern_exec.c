/*
 * Starting a program: load a static i386 ELF from the initrd into a fresh address space, build
 * its stack (argc, argv, an empty environment), and enter ring 3. proc_run returns when the
 * process exits, with its status.
 */
#include <sys/systm.h>
#include <sys/elf32.h>
#include <sys/errno.h>
#include <sys/initrd.h>
#include <sys/proc.h>
#include <string.h>
#include <machine/segments.h>
#include <machine/trap.h>

#define ARGV_MAX	16

struct proc *curproc;
static struct proc proc0;
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

/* enter_user: build the first trap frame on the process's kernel stack and iret to it. */
static void
enter_user(struct proc *p, uint32_t entry, uint32_t sp)
{
	uint32_t ktop = (uint32_t)p->p_kstack + PAGE_SIZE;
	struct trapframe *tf = (struct trapframe *)(ktop - sizeof(*tf));

	memset(tf, 0, sizeof(*tf));
	tf->tf_ds = tf->tf_es = tf->tf_fs = tf->tf_gs = GSEL_UDATA;
	tf->tf_cs = GSEL_UCODE;
	tf->tf_ss = GSEL_UDATA;
	tf->tf_eip = entry;
	tf->tf_esp = sp;
	tf->tf_eflags = PSL_USER & ~PSL_IF;	/* no device interrupts are enabled yet */
	tss_set_kstack(ktop);
	pmap_activate(&p->p_pmap);
	trapret_to(tf);
}

/*
 * proc_run: run the program at path to completion. Returns 0 with *status set when it ran, or
 * an errno (ENOENT, ENOEXEC, ENOMEM, E2BIG) when it could not start.
 */
int
proc_run(const char *path, int argc, const char *const *argv, int *status)
{
	struct proc *p = &proc0;
	const void *image;
	size_t size;
	uint32_t entry, sp;
	int error;

	if ((error = initrd_lookup(path, &image, &size)) != 0)
		return error;
	memset(p, 0, sizeof(*p));
	p->p_pid = next_pid++;
	const char *base = strrchr(path, '/');
	strlcpy(p->p_comm, base ? base + 1 : path, sizeof(p->p_comm));
	if ((error = pmap_create(&p->p_pmap)) != 0)
		return error;
	p->p_kstack = vm_page_alloc();
	error = p->p_kstack ? load_elf(&p->p_pmap, image, size, &entry) : ENOMEM;
	if (error == 0)
		error = setup_stack(&p->p_pmap, argc, argv, &sp);
	if (error == 0) {
		curproc = p;
		if (ksetjmp(&p->p_return) == 0)
			enter_user(p, entry, sp);
		/* proc_exit jumped back here. */
		*status = p->p_status;
		pmap_activate_kernel();
		curproc = NULL;
	}
	pmap_destroy(&p->p_pmap);
	if (p->p_kstack)
		vm_page_free(p->p_kstack);
	return error;
}
