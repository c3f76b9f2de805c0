/*
 * The global descriptor table and the task-state segments. Flat 4 GiB segments for the kernel
 * (ring 0) and user code (ring 3); paging, not segmentation, protects the kernel. The main TSS
 * supplies the kernel stack the CPU switches to when a trap arrives from ring 3. A second TSS
 * is the double-fault task: a double fault (typically a kernel stack overflow, whose page fault
 * could not be pushed on the overflowed stack) switches to it, with a stack of its own, and the
 * main TSS keeps the state the fault interrupted.
 *
 * Every CPU has its own GDT, TSSs and double-fault stack (struct cpu_tables): the per-CPU segment
 * (GSEL_KPCPU, %fs in the kernel) of each CPU's GDT points at that CPU's globaldata, and the TSS
 * gives that CPU's kernel stack. gd_arch points at them.
 */
#include <sys/types.h>
#include <sys/globaldata.h>
#include <machine/segments.h>
#include <vm/vm.h>

struct segdesc {
	uint16_t	limit_lo;
	uint16_t	base_lo;
	uint8_t		base_mid;
	uint8_t		access;		/* present, DPL, type */
	uint8_t		flags_limit_hi;	/* granularity, size, limit 19:16 */
	uint8_t		base_hi;
} __attribute__((packed));

struct tss {
	uint32_t	link, esp0, ss0, esp1, ss1, esp2, ss2;
	uint32_t	cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t	es, cs, ss, ds, fs, gs, ldt;
	uint16_t	trap, iomap_base;
} __attribute__((packed));

struct cpu_tables {
	struct segdesc	gdt[9];
	struct tss	tss;
	struct tss	df_tss;
	uint32_t	df_stack[1024] __attribute__((aligned(16)));
};

static struct cpu_tables cpu_tables[MAXCPU];

/* this_cpu: the running CPU's tables (its globaldata's gd_arch). */
static inline struct cpu_tables *
this_cpu(void)
{
	return PCPU_GET(gd_arch);
}

void	double_fault_entry(void);	/* trapentry.S */

static struct segdesc
segment(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	struct segdesc d = {
		.limit_lo = limit & 0xffff, .base_lo = base & 0xffff,
		.base_mid = (base >> 16) & 0xff, .access = access,
		.flags_limit_hi = (uint8_t)((flags << 4) | ((limit >> 16) & 0xf)),
		.base_hi = (base >> 24) & 0xff,
	};
	return d;
}

/*
 * gdt_init: fill CPU cpu's GDT and TSSs, load the GDT, reload every segment register (%fs gets
 * the kernel's data segment until gdt_set_percpu), and load the task register. Runs on cpu.
 */
void
gdt_init(int cpu)
{
	struct segdesc *gdt = cpu_tables[cpu].gdt;
	struct tss *tss = &cpu_tables[cpu].tss, *df_tss = &cpu_tables[cpu].df_tss;
	uint32_t *df_stack = cpu_tables[cpu].df_stack;
	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) gdtr = {
		sizeof(cpu_tables[cpu].gdt) - 1, (uint32_t)gdt
	};

	gdt[1] = segment(0, 0xfffff, 0x9a, 0xc);	/* kernel code: present, ring 0, exec/read */
	gdt[2] = segment(0, 0xfffff, 0x92, 0xc);	/* kernel data */
	gdt[3] = segment(0, 0xfffff, 0xfa, 0xc);	/* user code: ring 3 */
	gdt[4] = segment(0, 0xfffff, 0xf2, 0xc);	/* user data: ring 3 */
	tss->ss0 = GSEL_KDATA;
	tss->iomap_base = sizeof(*tss);		/* no I/O bitmap: ring 3 gets no ports */
	gdt[5] = segment((uint32_t)tss, sizeof(*tss) - 1, 0x89, 0x0);
	df_tss->eip = (uint32_t)double_fault_entry;
	df_tss->esp = (uint32_t)&df_stack[1024];
	df_tss->eflags = 0x2;			/* interrupts off */
	df_tss->cs = GSEL_KCODE;
	df_tss->ss = df_tss->ds = df_tss->es = GSEL_KDATA;
	df_tss->fs = GSEL_KPCPU;		/* mycpu and curthread: the CPU that faulted */
	df_tss->cr3 = (uint32_t)pmap_kernel_pdir();
	df_tss->iomap_base = sizeof(*df_tss);
	gdt[GSEL_DFTSS >> 3] = segment((uint32_t)df_tss, sizeof(*df_tss) - 1, 0x89, 0x0);

	__asm__ volatile(
		"lgdt %0\n\t"
		"ljmp %1, $1f\n"
		"1:\n\t"
		"movw %w2, %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		"movw %%ax, %%fs\n\t"
		"movw %%ax, %%gs\n\t"
		"ltr %w3"
		: : "m"(gdtr), "i"(GSEL_KCODE), "r"(GSEL_KDATA), "r"(GSEL_TSS) : "eax", "memory");
}

/*
 * gdt_set_percpu: point CPU cpu's per-CPU segment (GSEL_KPCPU) at its globaldata gd and load it
 * into %fs, where mycpu and curthread find it. Trap entry reloads %fs from the same selector.
 * Runs on cpu.
 */
void
gdt_set_percpu(int cpu, struct globaldata *gd)
{
	cpu_tables[cpu].gdt[GSEL_KPCPU >> 3] = segment((uint32_t)gd, sizeof(*gd) - 1, 0x92, 0x4);
	gd->gd_arch = &cpu_tables[cpu];
	__asm__ volatile("movw %w0, %%fs" : : "r"(GSEL_KPCPU) : "memory");
}

/*
 * ldt_load: make ldt (LDT_ENTRIES descriptors) the current LDT, or none for NULL. Each
 * process with user threads has one (written through ldt_set_tls); the scheduler loads it.
 * %gs is cleared with it: the kernel keeps whatever user selector %gs holds while it runs (a
 * system call saves and restores it, and interrupts push and pop it), and a selector of the old
 * LDT must never be reloaded from the new one.
 */
void
ldt_load(void *ldt)
{
	if (ldt == PCPU_GET(gd_ldt))
		return;
	PCPU_SET(gd_ldt, ldt);
	__asm__ volatile("movw %w0, %%gs" : : "r"(0));
	if (ldt == NULL) {
		__asm__ volatile("lldt %w0" : : "r"(0));
		return;
	}
	this_cpu()->gdt[GSEL_LDT >> 3] = segment((uint32_t)ldt, LDT_ENTRIES * 8 - 1, 0x82, 0x0);
	__asm__ volatile("lldt %w0" : : "r"(GSEL_LDT));
}

/* ldt_forget: ldt is about to be freed: if this CPU has it loaded, it loads none. */
void
ldt_forget(void *ldt)
{
	if (ldt != NULL && ldt == PCPU_GET(gd_ldt))
		ldt_load(NULL);
}

/*
 * ldt_set_tls: descriptor slot of ldt becomes a ring-3 data segment based at base. The limit is
 * the whole 4 GiB: the i386 TLS ABI (variant II) reaches thread-local variables below the TCB
 * with negative offsets from %gs, which wrap around; paging still keeps every ring-3 access
 * inside user pages. Returns the selector (LDT, RPL 3).
 */
uint32_t
ldt_set_tls(void *ldt, uint32_t slot, uint32_t base)
{
	((struct segdesc *)ldt)[slot] = segment(base, 0xfffff, 0xf2, 0xc);
	return (slot << 3) | 0x4 | 0x3;
}

/* tss_interrupted: what the double fault interrupted, as the task switch saved it. */
void
tss_interrupted(uint32_t *eip, uint32_t *esp, uint32_t *ebp)
{
	struct tss *tss = &this_cpu()->tss;

	*eip = tss->eip;
	*esp = tss->esp;
	*ebp = tss->ebp;
}

/* tss_set_kstack: the stack the CPU loads when ring 3 traps into the kernel. */
void
tss_set_kstack(uint32_t esp0)
{
	this_cpu()->tss.esp0 = esp0;
}
