/*
 * Running programs: loading a static i386 ELF from the initrd (found through ramfs) into a
 * process's fresh address space, with its stack (argc, argv, envp) and an empty heap after its
 * data (exec_load); a new process running one (proc_create: sys_spawn, and the kernel's
 * proc_run, which waits for it by message); and exec, which replaces the caller's program.
 * The process table is kern_proc.c's.
 */
#include <sys/systm.h>
#include <sys/elf32.h>
#include <sys/errno.h>
#include <sys/file.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/sysmsg.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/trace.h>
#include <string.h>
#include <machine/segments.h>
#include <machine/trap.h>

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

/* -- making processes and running programs ----------------------------------------------------- */

/* enter_user: a process's first vCPU starts its program. */
static void
enter_user(void *arg)
{
	struct proc *p = arg;

	user_start(p, p->p_entry, p->p_usp);
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

/* sys_spawn: a child process running msg->path with the caller's descriptors; answers its pid. */
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
	proc_forget_everywhere(p);	/* the old page tables and LDT: loaded on no other CPU */
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
