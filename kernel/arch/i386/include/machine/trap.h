/* The trap frame every interrupt, exception and system call leaves on the kernel stack. */
#ifndef _MACHINE_TRAP_H_
#define _MACHINE_TRAP_H_

#include <sys/types.h>

#define T_PAGEFLT	14
#define T_SYSCALL	128
#define T_IRQ0		32
#define T_LTIMER	240	/* traps.toml's apic vectors (arch/i386/lapic.c) */
#define T_IPIQ		241
#define T_SPURIOUS	255

struct trapframe {
	/* pushed by trap_common: pushal after the segment registers */
	uint32_t	tf_edi, tf_esi, tf_ebp, tf_isp, tf_ebx, tf_edx, tf_ecx, tf_eax;
	uint32_t	tf_gs, tf_fs, tf_es, tf_ds;
	/* pushed by the vector stub */
	uint32_t	tf_trapno;
	uint32_t	tf_err;
	/* pushed by the CPU */
	uint32_t	tf_eip, tf_cs, tf_eflags;
	uint32_t	tf_esp, tf_ss;		/* only when the trap came from ring 3 */
};

#define TF_FROM_USER(tf)	(((tf)->tf_cs & 3) == 3)

/*
 * What syscall_entry (syscall.S) leaves at the top of the kernel stack: the user's %ecx, %edx
 * and segments, then what the CPU pushed. exec rewrites it to enter the new program.
 */
struct syscall_frame {
	uint32_t	sf_edx, sf_ecx;
	uint32_t	sf_gs, sf_fs, sf_es, sf_ds;
	uint32_t	sf_eip, sf_cs, sf_eflags;
	uint32_t	sf_esp, sf_ss;
};

/* syscall_frame_of: the frame of the system call td is in (it came from ring 3: the top). */
#define syscall_frame_of(td)	((struct syscall_frame *)((uint32_t)(td)->td_kstack + \
				    TD_KSTACK_SIZE - sizeof(struct syscall_frame)))

/*
 * What fork's child needs of the caller beyond its syscall frame: the registers the trap keeps
 * (callee-saved in C, so not in the frame) and the message's address. fork_entry.S saves them.
 */
struct fork_regs {
	uint32_t	fr_uaddr;		/* the message (%eax at the trap) */
	uint32_t	fr_ebx, fr_esi, fr_edi, fr_ebp;
};

/*
 * What syscall_entry's exit path pushes before it calls syscall_ast: ring 3's callee-saved
 * registers (still in place: C preserved them) and the answer in %eax. An upcall or
 * upcall_resume rewrites them, and the syscall frame, to return somewhere else.
 */
struct syscall_regs {
	uint32_t	sr_ebx, sr_esi, sr_edi, sr_ebp, sr_eax;
};

const char *trap_name(int vector);
void	idt_init(void);
void	idt_load(bool home);
void	trap(struct trapframe *tf);
void	syscall_ast(struct syscall_regs *r);
__attribute__((noreturn)) void trapret_to(struct trapframe *tf);

#endif
