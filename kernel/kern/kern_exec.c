/*
 * Loading a program: a static i386 ELF from the initrd (found through ramfs) into a process's
 * fresh address space, with its stack (argc, argv, envp) and an empty heap after its data.
 * kern_proc.c makes the process and its thread.
 */
#include <sys/systm.h>
#include <sys/elf32.h>
#include <sys/errno.h>
#include <sys/file.h>
#include <sys/proc.h>
#include <string.h>

#define ARGV_MAX	32
#define ENVV_MAX	32

/* load_into: fill pm's fresh pages (a loader writes text pages too: only presence is needed). */
static int
load_into(struct pmap *pm, uint32_t va, const void *src, uint32_t len)
{
	return pmap_copy(pm, va, (void *)src, len, true, PTE_P);
}

/* load_elf: map and fill every PT_LOAD segment; ENOEXEC for anything we cannot run. */
static int
load_elf(struct pmap *pm, const uint8_t *image, size_t size, uint32_t *entry, uint32_t *end_out)
{
	uint32_t top = 0;

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
			error = load_into(pm, ph->p_vaddr, image + ph->p_offset, ph->p_filesz);
		if (error)
			return error;
		if (end > top)
			top = (uint32_t)end;
	}
	*end_out = top;
	if (eh->e_entry < USER_BASE || (pmap_lookup(pm, eh->e_entry) & PTE_P) == 0)
		return ENOEXEC;
	*entry = eh->e_entry;
	return 0;
}

/* count_strings: how many NUL-terminated strings [buf, buf+len) holds; -1 if it ends mid-string. */
static int
count_strings(const char *buf, size_t len)
{
	int n = 0;

	if (len == 0)
		return 0;
	if (buf[len - 1] != '\0')
		return -1;
	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\0';
	return n;
}

/*
 * setup_stack: the strings, then argc, argv[], NULL, envp[], NULL, and an empty auxv at the top
 * of a fresh stack. args and env are NUL-separated strings (each string ends with its NUL).
 */
static int
setup_stack(struct pmap *pm, const char *args, size_t argslen, const char *env, size_t envlen,
    uint32_t *sp_out)
{
	int argc = count_strings(args, argslen), envc = count_strings(env, envlen);
	uint32_t vec[ARGV_MAX + 1 + ENVV_MAX + 1 + 2];
	uint32_t sp = USER_STACK_TOP, strings;
	int error, n = 0;

	if (argc < 1 || envc < 0)
		return EINVAL;
	if (argc > ARGV_MAX || envc > ENVV_MAX || argslen + envlen > ARG_MAX)
		return E2BIG;
	error = pmap_alloc_range(pm, USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE,
	    USER_STACK_PAGES * PAGE_SIZE, PTE_U | PTE_W);
	if (error)
		return error;
	strings = sp - (uint32_t)(argslen + envlen);
	if ((error = load_into(pm, strings, args, argslen)) != 0 ||
	    (error = load_into(pm, strings + argslen, env, envlen)) != 0)
		return error;
	vec[n++] = (uint32_t)argc;
	for (size_t i = 0; i < argslen; i += strlen(args + i) + 1)
		vec[n++] = strings + i;
	vec[n++] = 0;
	for (size_t i = 0; i < envlen; i += strlen(env + i) + 1)
		vec[n++] = strings + argslen + i;
	vec[n++] = 0;
	vec[n++] = 0;			/* auxv: AT_NULL */
	vec[n++] = 0;
	sp = (strings - n * 4) & ~15u;
	if ((error = load_into(pm, sp, vec, n * 4)) != 0)
		return error;
	*sp_out = sp;
	return 0;
}

/*
 * exec_load: load the program at path (an initrd file; a relative path is the caller's: the
 * spawning parent's, the exec'ing process's, or the kernel's from the root) into p's (fresh)
 * address space and prepare its stack and heap. Errors: ENOENT, ENOTDIR, EACCES (not a
 * regular file), ENOEXEC, ENOMEM, E2BIG, EINVAL (no argv[0]).
 */
int
exec_load(struct proc *p, const char *path, const char *args, size_t argslen, const char *env,
    size_t envlen)
{
	const void *image;
	size_t size;
	uint32_t end;
	int error;

	if ((error = ramfs_exec_image(curproc, path, &image, &size)) != 0)
		return error;
	if ((error = load_elf(&p->p_pmap, image, size, &p->p_entry, &end)) != 0)
		return error;
	p->p_brk_base = p->p_brk = round_page(end);
	return setup_stack(&p->p_pmap, args, argslen, env, envlen, &p->p_usp);
}
