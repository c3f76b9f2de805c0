/*
 * Upcalls: ABI (docs/upcalls.md). The kernel tells a process about an asynchronous event by
 * sending it a message up: it stops one vCPU where it is in user code, saves the interrupted
 * context in user memory (an upcall frame, pushed on the interrupted stack), and enters the
 * vCPU's registered entry with the message. The entry (libcr's cr_upcall_entry) handles the
 * message and ends with upcall_resume(ctx), which restores the context and the signal mask in
 * one step; it may switch to other user threads first, since the context is plain user memory.
 */
#ifndef _ABI_UPCALL_H_
#define _ABI_UPCALL_H_

#include <abi/signal.h>

/* um_type: what the message says. */
#define UPC_SIGNAL	1	/* a signal was delivered: um_info, um_action */
#define UPC_POKE	2	/* another vCPU called upcall_poke: um_info.si_pid is its vCPU id */
/*
 * The KSE model (sched_model(SCHED_KSE), docs/dillon-vs-kse.md): a synchronous call that must
 * wait keeps its own kernel context and the vCPU comes back to user code with UPC_BLOCKED: um_tag
 * is the call's message, and the frame's context is the trap's return (%eax EASYNC; the
 * callee-saved registers are not known yet). When the call completes its kernel context writes
 * the whole context into that same frame (uf_ctxbuf: every register, %eax its answer) and the
 * vCPU takes UPC_UNBLOCKED: um_tag the message, um_info.si_status the answer. upcall_resume on
 * the BLOCKED frame's context then continues the thread as if the trap had just returned.
 */
#define UPC_BLOCKED	3	/* a thread's call blocked in the kernel: um_tag names it */
#define UPC_UNBLOCKED	4	/* it completed (um_info.si_status: its answer): it may resume */

/* sched_model's models */
#define SCHED_DILLON	0	/* Dillon's: a call that waits blocks the vCPU, or answers EASYNC */
#define SCHED_KSE	1	/* Elischer's: a call that waits upcalls UPC_BLOCKED / UPC_UNBLOCKED */

/* utrace's events (call 65, docs/trace.md): libcr's scheduler on the trace kernel's tracks. */
#define UTR_PROBE	0	/* records nothing: answers 0 when the kernel traces */
#define UTR_SWITCH	1	/* a: the user thread switched away from, b: the one switched to */
#define UTR_PARK	2	/* a: the thread, b: what it waits on (a call's message, a port...) */
#define UTR_WAKE	3	/* a: the thread made runnable */
#define UTR_UPCALL	4	/* a: um_type (UPC_), b: um_tag, or the signal for UPC_SIGNAL */
#define UTR_MAX		4

/* The message: what happened. */
struct upcall_msg {
	unsigned int	um_type;	/* UPC_ */
	unsigned int	um_tag;		/* for UPC_BLOCKED/UNBLOCKED: the call's message address */
	struct ksigaction um_action;	/* UPC_SIGNAL: the action as it was when delivered */
	struct ksiginfo	um_info;
};

/* uc_flags */
#define UCF_SYSCALL	0x1	/* stopped on its way back from a system call (uc_eax: its answer) */
#define UCF_FAULT	0x2	/* stopped by a fault (uc_trapno, uc_err) */

/* The interrupted context: every general register, and the mask to go back to. */
struct upcall_ctx {
	unsigned int	uc_edi, uc_esi, uc_ebp, uc_ebx, uc_edx, uc_ecx, uc_eax;
	unsigned int	uc_eip, uc_eflags, uc_esp;
	unsigned int	uc_sigmask;	/* upcall_resume makes it the vCPU's mask again */
	unsigned int	uc_flags;	/* UCF_ */
	unsigned int	uc_trapno, uc_err;
};

/*
 * The frame the kernel pushes below the interrupted stack pointer (16-byte aligned): the entry
 * is entered as a C function, entry(msg, ctx, area), with uf_ret (0) as its return address.
 */
struct upcall_frame {
	unsigned int	uf_ret;
	struct upcall_msg *uf_msg;
	struct upcall_ctx *uf_ctx;
	struct upcall_area *uf_area;
	struct upcall_msg uf_msgbuf;
	struct upcall_ctx uf_ctxbuf;
};

/*
 * One per vCPU, in user memory, registered with upcall_register (55). ua_sigmask is the signal
 * mask of the thread the vCPU runs: libcr writes it (sigprocmask, a thread switch) and the
 * kernel reads it to choose the vCPU a signal interrupts, and writes it when it delivers one
 * (the handler's mask). The kernel writes ua_vcpu and counts ua_upcalls.
 */
struct upcall_area {
	volatile unsigned int ua_sigmask;
	unsigned int	ua_vcpu;
	unsigned int	ua_upcalls;
	unsigned int	ua_reserved;
};

#define UPCALL_AREA_SIZE	16
#define UPCALL_CTX_SIZE		56
_Static_assert(sizeof(struct upcall_area) == UPCALL_AREA_SIZE, "syscalls.toml: upcall_register");
_Static_assert(sizeof(struct upcall_ctx) == UPCALL_CTX_SIZE, "syscalls.toml: upcall_resume");

#endif
