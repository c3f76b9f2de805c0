/*
 * The interrupt descriptor table, filled from the generated vector stubs (vectors.S, from
 * traps.toml). Nearly all gates are interrupt gates, so the kernel runs with interrupts off until
 * it enables them; the system call's is a trap gate (ring 3 always runs with interrupts on, and
 * the call keeps them on). Vectors that ring 3 may raise with `int` (the syscall, breakpoint)
 * have DPL 3.
 * The one exception is the double fault: a task gate to the double-fault task (gdt.c), which
 * runs on a stack of its own, so an overflowed kernel stack can still be reported.
 */
#include <sys/types.h>
#include <machine/segments.h>
#include <machine/trap.h>

#define T_DOUBLEFLT	8

struct gatedesc {
	uint16_t	off_lo;
	uint16_t	sel;
	uint8_t		zero;
	uint8_t		type_attr;	/* present, DPL, 32-bit interrupt gate */
	uint16_t	off_hi;
} __attribute__((packed));

struct vector_entry {			/* one row of trap_vectors in vectors.S */
	uint32_t	handler;
	uint32_t	vector;
	uint32_t	dpl;
	uint32_t	type;		/* 0xe: interrupt gate, 0xf: trap gate (IF left alone) */
};

extern const struct vector_entry trap_vectors[];
extern const uint32_t trap_vector_count;

static struct gatedesc idt[256];
/* The other CPUs' IDT: the same but vector 128, whose calls move to the home CPU first. */
static struct gatedesc idt_remote[256];

void	syscall_entry_remote(void);	/* syscall.S */

/* idt_init: install every generated stub and load the IDT (on the boot CPU). */
void
idt_init(void)
{
	for (uint32_t i = 0; i < trap_vector_count; i++) {
		const struct vector_entry *v = &trap_vectors[i];
		idt[v->vector] = (struct gatedesc){
			.off_lo = v->handler & 0xffff, .sel = GSEL_KCODE, .zero = 0,
			.type_attr = (uint8_t)(0x80 | (v->dpl << 5) | v->type), .off_hi = v->handler >> 16,
		};
	}
	idt[T_DOUBLEFLT] = (struct gatedesc){ .sel = GSEL_DFTSS, .type_attr = 0x85 };	/* task gate */
	for (uint32_t i = 0; i < 256; i++)
		idt_remote[i] = idt[i];
	uint32_t remote = (uint32_t)syscall_entry_remote;
	idt_remote[T_SYSCALL].off_lo = remote & 0xffff;
	idt_remote[T_SYSCALL].off_hi = remote >> 16;
	idt_load(true);
}

/*
 * idt_load: load the IDT on the running CPU: home is true for the processes' home CPU (the boot
 * CPU, kern/kern_vcpu_place.c), whose system calls run where they are made; every other CPU's
 * differ only in vector 128 (syscall_entry_remote).
 */
void
idt_load(bool home)
{
	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (uint32_t)(home ? idt : idt_remote)
	};
	__asm__ volatile("lidt %0" : : "m"(idtr));
}
