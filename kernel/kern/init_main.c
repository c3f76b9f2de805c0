/*
 * kmain: from the boot loader to the first process. Brings up the console, the CPU tables,
 * memory and paging, LWKT and the clock, then does what the command line asks (see
 * kern_cmdline.c): run the kernel tests, run the programs of init= one after another, and power
 * off with a verdict.
 */
#include <sys/systm.h>
#include <sys/initrd.h>
#include <sys/kbench.h>
#include <sys/ktest.h>
#include <sys/proc.h>
#include <sys/errno.h>
#include <sys/thread.h>
#include <sys/timer.h>
#include <sys/file.h>
#include <sys/poll.h>
#include <sys/trace.h>
#include <abi/wait.h>
#include <string.h>
#include <dev/serial.h>
#include <machine/cpufunc.h>
#include <machine/multiboot.h>
#include <machine/segments.h>
#include <machine/trap.h>
#include <vm/kstack.h>

#define DAMSELFLY_VERSION	"0.1"
#define MAX_PROGRAMS		32
#define MAX_PROGRAM_ARGS	16	/* argv[0] and up to 15 words of args= */

void	pic_init(void);
#include <machine/lapic.h>

extern char kernel_end[];
extern const struct ktest __start_ktest[], __stop_ktest[];

uint32_t phys_mem_top;

/* memory_init: give the allocator all RAM above the kernel and the modules; turn on paging. */
static void
memory_init(const struct multiboot_info *mbi)
{
	uint32_t first_free = (uint32_t)kernel_end;
	const struct multiboot_mod *mods = (const void *)mbi->mods_addr;

	if (mbi->flags & MBI_MODS)
		for (uint32_t i = 0; i < mbi->mods_count; i++)
			if (mods[i].mod_end > first_free)
				first_free = mods[i].mod_end;
	phys_mem_top = 0x100000 + mbi->mem_upper * 1024;
	if (phys_mem_top > KSTACK_BASE)
		phys_mem_top = KSTACK_BASE;	/* RAM above it is not used */
	first_free = vm_page_init(first_free, phys_mem_top);	/* the pages' reference counts */
	if (mbi->flags & MBI_MMAP) {
		uint32_t p = mbi->mmap_addr;
		while (p < mbi->mmap_addr + mbi->mmap_length) {
			const struct multiboot_mmap *m = (const void *)p;
			uint64_t lo = m->addr, hi = m->addr + m->len;
			if (m->type == 1 && hi > first_free && lo < phys_mem_top)
				vm_page_add_range(lo > first_free ? (uint32_t)lo : first_free,
				    hi < phys_mem_top ? (uint32_t)hi : phys_mem_top);
			p += m->size + 4;
		}
	} else {
		vm_page_add_range(first_free, phys_mem_top);
	}
	pmap_bootstrap(phys_mem_top);
}

/* find_initrd: the boot module that holds the initrd archive. */
static void
find_initrd(const struct multiboot_info *mbi)
{
	const struct multiboot_mod *mods = (const void *)mbi->mods_addr;

	if ((mbi->flags & MBI_MODS) == 0 || mbi->mods_count == 0) {
		initrd_init(NULL, 0);
		return;
	}
	initrd_init((const void *)mods[0].mod_start, mods[0].mod_end - mods[0].mod_start);
}

/*
 * split_args: the comma-separated words of args= into argv[1..]; returns argc (argv[0] is left
 * for the program's name). At most max - 1 words; the rest are dropped.
 */
static int
split_args(char *words, const char **argv, int max)
{
	int argc = 1;

	for (char *w = words, *next; w && *w && argc < max; w = next) {
		next = strchr(w, ',');
		if (next)
			*next++ = '\0';
		argv[argc++] = w;
	}
	return argc;
}

/*
 * listed: is name one of the comma-separated words of list (NULL: none)? interactive= names
 * the programs a person drives, like sh: their exit status is what the person asked for
 * (`exit 5`), reported but not a failed run; dying by a signal still is one.
 */
static bool
listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *w = list; w && *w; ) {
		const char *end = strchr(w, ',');
		size_t len = end ? (size_t)(end - w) : strlen(w);
		if (len == n && strncmp(w, name, n) == 0)
			return true;
		w = end ? end + 1 : w + len;
	}
	return false;
}

/*
 * run_programs: each name in the comma-separated list, in order; returns how many failed.
 * Each gets argv = { name, args... }: the words of args= when given, else the one word utest.
 * A program named in interactive (may be NULL) fails only by a signal or by not running.
 * A name NAME@kse runs NAME with CR_SCHED=kse in its environment (the KSE model).
 */
static int
run_programs(char *list, int number, bool ktap, const char *utest, char *args, const char *interactive)
{
	const char *argv[MAX_PROGRAM_ARGS] = { NULL, utest };
	int argc = args[0] ? split_args(args, argv, MAX_PROGRAM_ARGS) : utest ? 2 : 1;
	int failed = 0;

	for (char *name = list, *next; name && *name; name = next) {
		next = strchr(name, ',');
		if (next)
			*next++ = '\0';
		/* NAME@kse: NAME in the KSE model (libcr reads CR_SCHED), reported as NAME@kse. */
		char path[64], *at = strchr(name, '@');
		const char *env = "";
		if (at != NULL && strcmp(at, "@kse") == 0)
			env = "CR_SCHED=kse";
		snprintf(path, sizeof(path), "%s%.*s", name[0] == '/' ? "" : "/bin/",
		    at != NULL ? (int)(at - name) : (int)strlen(name), name);
		argv[0] = name;
		int status = 0, error = proc_run(path, argc, argv, env, &status);
		if (error)
			printf("%sinit: cannot run %s: %s\n", ktap ? "# " : "", path, errno_message(error));
		else if (WIFEXITED(status) && status != 0 && listed(interactive, name)) {
			printf("%s%s: exit status %d (interactive: not a failure)\n", ktap ? "# " : "init: ",
			    name, WEXITSTATUS(status));
			status = 0;
		} else if (WIFEXITED(status) && status != 0)
			printf("%s%s: exit status %d\n", ktap ? "# " : "init: ", name,
			    WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			printf("%s%s: killed by signal %d\n", ktap ? "# " : "init: ", name,
			    WTERMSIG(status));
		failed += error != 0 || status != 0;
		if (ktap)
			printf("%s %d %s\n", (error || status) ? "not ok" : "ok", number++, name);
	}
	return failed;
}

static int
count_programs(const char *list)
{
	int n = list && *list ? 1 : 0;

	for (; list && *list; list++)
		n += *list == ',';
	return n;
}

void
kmain(uint32_t magic, const struct multiboot_info *mbi)
{
	static char ktest_glob[128], programs[512], utest_glob[128], kbench_glob[128], args[256];
	static char interactive[128];

	TRACE_INIT();			/* the trace kernel's rings: before the first event */
	serial_init();
	gdt_init(0);
	idt_init();
	pic_init();
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("not started by a multiboot loader (magic 0x%x)", magic);
	cmdline_init((mbi->flags & MBI_CMDLINE) ? (const char *)mbi->cmdline : "");
	memory_init(mbi);
	find_initrd(mbi);
	lwkt_init();			/* from here on, kmain runs as thread0 */
	lapic_init_virtual_wire();
	timer_init();
	sleep_init();
	rtc_init();
	clock_init();
	console_init();
	ramfs_init();
	poll_init();
	sti();
	printf("Damselfly %s (i386): %u MiB, %u free pages\n", DAMSELFLY_VERSION,
	    phys_mem_top >> 20, vm_page_free_count());
	printf("cmdline: %s\n", cmdline());
	mp_start();

	bool ktap = cmdline_flag("ktap");
	const char *v;
	if ((v = cmdline_get("ktest")) != NULL)
		strlcpy(ktest_glob, v, sizeof(ktest_glob));
	if ((v = cmdline_get("utest")) != NULL)
		strlcpy(utest_glob, v, sizeof(utest_glob));
	if ((v = cmdline_get("init")) != NULL)
		strlcpy(programs, v, sizeof(programs));
	if ((v = cmdline_get("args")) != NULL)
		strlcpy(args, v, sizeof(args));
	if ((v = cmdline_get("interactive")) != NULL)
		strlcpy(interactive, v, sizeof(interactive));

	int failed = 0, number = 1;
	if (ktap)
		printf("KTAP version 1\n1..%d\n", (ktest_glob[0] ? 1 : 0) + count_programs(programs));
	if (ktest_glob[0]) {
		int f = ktest_run(__start_ktest, __stop_ktest, "kernel", ktest_glob, 4);
		printf("%s %d kernel\n", f ? "not ok" : "ok", number++);
		failed += f;
	}
	if ((v = cmdline_get("kbench")) != NULL)
		strlcpy(kbench_glob, v, sizeof(kbench_glob));
	/* Programs get the words of args=, else the test glob as argv[1], or the benchmark glob
	 * in a benchmark run. */
	failed += run_programs(programs, number, ktap, utest_glob[0] ? utest_glob :
	    kbench_glob[0] ? kbench_glob : NULL, args, interactive);
	if (kbench_glob[0])
		failed += kbench_run(kbench_glob);
	/* In deterministic mode (-icount) the TSC counts guest instructions since reset. */
	printf("Damselfly: %s, powering off (tsc %llu)\n", failed ? "failures" : "all done",
	    (unsigned long long)rdtsc());
	shutdown(failed ? SHUTDOWN_FAIL : SHUTDOWN_PASS);
}
