/*
 * syscall_entry: vector 128, the system-call trap: a trap gate (interrupts stay on), with %eax
 * the user address of the message.
 *
 * Only what a call needs is saved: the user's segment registers (a program may have loaded any
 * selector it likes, so the kernel's are loaded for the call; %gs is left as it is, since the
 * kernel never uses it: see ldt_load), and %ecx and %edx, which C code clobbers. The callee-saved
 * registers survive in C; %eax comes back as the answer, every other register as it was. On the
 * way out one word, curthread->td_ast, says whether anything must happen first (the process was
 * killed, the thread must yield, ...). struct syscall_frame (machine/trap.h) is what stays on the
 * stack below the CPU's frame.
 *
 * The fast path, written out here: a call the spec says never waits (struct sysent's sy_fast is
 * 1 + its argument words, 0 for any other), taken from a well-formed header. Its arguments are
 * read once into a union sysmsg_args on this stack, its handler runs on that copy, and its
 * answer is stored into the message. Every access to the user's message is in the exception
 * table: a fault falls back to the general path, syscall_trap() in kern_sysmsg.c, which reads
 * the header again and answers whatever it finds (EFAULT, ENOSYS, EINVAL, ...). A call that may
 * wait (sy_fast 0), from a well-formed header, goes to the general path's take() directly
 * (syscall_take_call: the header is not read again, only its flags, once, for take). Anything
 * else goes to syscall_trap(); so does everything in the trace kernel (KTRACE), whose C path
 * records each call.
 *
 * The numbers below mirror C facts; kern_sysmsg.c asserts each one.
 */
#include <machine/segments.h>

#define GD_CURTHREAD	4		/* offsetof(struct globaldata, gd_curthread) */
#define TD_AST		4		/* offsetof(struct thread, td_ast) */
#define MS_FLAGS	20		/* offsetof(struct lwkt_msg, ms_flags) */
#define MS_CMD		24		/* ... ms_cmd */
#define MS_ERROR	28		/* ... ms_error */
#define MS_RESULT	32		/* ... ms_result */
#define MS_SIZE		48		/* sizeof(struct lwkt_msg) */
#define SY_SHIFT	4		/* sizeof(struct sysent) == 1 << SY_SHIFT */
#define SY_CALL		8		/* offsetof(struct sysent, sy_call) */
#define SY_FAST		14		/* offsetof(struct sysent, sy_fast) */
#define ARGS_SIZE	128		/* >= sizeof(union sysmsg_args), a multiple of 16 */
#define USER_BASE	0x40000000
#define USER_SPAN	0x80000000	/* USER_TOP - USER_BASE */
#define NOT_SUBMIT	0xffffffd4	/* ~MSGF_USER_SUBMIT */
#define EASYNC		512
#define EFAULT		14

/* EX(fixup): the instruction at the preceding local label 1 may fault on user memory. */
#define EX(fixup)			\
	.pushsection __ex_table, "a";	\
	.balign	4;			\
	.long	1b, fixup;		\
	.popsection

/*
 * SAVE_USER_SEGMENTS: both vector-128 entries' first steps: ring 3's segment registers and the
 * registers C clobbers (%ecx, %edx) saved (struct syscall_frame), the kernel's data and per-CPU
 * segments loaded.
 */
	.macro	SAVE_USER_SEGMENTS
	cld			/* the kernel's string copies run forwards, whatever ring 3 left */
	pushl	%ds
	pushl	%es
	pushl	%fs
	pushl	%gs
	pushl	%ecx
	pushl	%edx
	movl	$GSEL_KDATA, %ecx
	movw	%cx, %ds
	movw	%cx, %es
	movl	$GSEL_KPCPU, %ecx
	movw	%cx, %fs
	.endm

	.text
	.globl	syscall_entry
	.type	syscall_entry, @function
syscall_entry:
	SAVE_USER_SEGMENTS
syscall_entry_body:			/* syscall_entry_remote joins here, on the home CPU */
#ifdef KTRACE
	jmp	syscall_slow
#endif
	leal	-USER_BASE(%eax), %ecx	/* the header lies in user space */
	cmpl	$USER_SPAN - MS_SIZE, %ecx
	ja	syscall_slow
1:	movl	MS_CMD(%eax), %ecx
	EX(syscall_slow)
	cmpl	sysent_count, %ecx
	jae	syscall_slow
1:	testl	$NOT_SUBMIT, MS_FLAGS(%eax)
	EX(syscall_slow)
	jne	syscall_slow
	shll	$SY_SHIFT, %ecx		/* %ecx: the offset of its struct sysent */
	movzwl	sysent + SY_FAST(%ecx), %edx
	subl	$1, %edx		/* %edx: its argument words */
	jb	syscall_take_call	/* sy_fast 0: it may wait */
1:	movl	$EASYNC, MS_ERROR(%eax)	/* the kernel's now; and the header is writable */
	EX(syscall_slow)
	subl	$ARGS_SIZE, %esp	/* union sysmsg_args */
	testl	%edx, %edx
	jnz	syscall_fast_args
syscall_fast_call:
	addl	$1, sysmsg_stats	/* sysmsg_stats.calls (64 bits) */
	adcl	$0, sysmsg_stats + 4
	movl	$0, MS_RESULT(%esp)
	movl	$0, MS_RESULT + 4(%esp)
	movl	%eax, MS_ERROR(%esp)	/* keep the message's address (a field no handler reads) */
	pushl	%esp			/* the handler's msg: the copy */
	call	*sysent + SY_CALL(%ecx)
	.globl	syscall_fast_return	/* a handler called from here finds ring 3's %ebx, %esi, */
syscall_fast_return:			/* %edi and %ebp in place (fork_entry.S) */
	addl	$4, %esp
	movl	MS_ERROR(%esp), %edx	/* the message */
	testl	%eax, %eax
	jnz	syscall_fast_error
	movl	MS_RESULT(%esp), %ecx
1:	movl	%eax, MS_ERROR(%edx)
	EX(syscall_lost)
1:	movl	%ecx, MS_RESULT(%edx)
	EX(syscall_lost)
	movl	MS_RESULT + 4(%esp), %ecx
1:	movl	%ecx, MS_RESULT + 4(%edx)
	EX(syscall_lost)
	addl	$ARGS_SIZE, %esp
syscall_exit:
	cli			/* nothing may set td_ast between the check and iret */
	movl	%fs:GD_CURTHREAD, %ecx
	cmpl	$0, TD_AST(%ecx)
	jne	syscall_ast_pending
	popl	%edx
	popl	%ecx
	popl	%gs
	popl	%fs
	popl	%es
	popl	%ds
	iret

syscall_ast_pending:
	sti
	pushl	%eax		/* a struct syscall_regs: the answer, then ring 3's callee-saved */
	pushl	%ebp
	pushl	%edi
	pushl	%esi
	pushl	%ebx
	pushl	%esp
	call	syscall_ast	/* may not return: the process was killed */
	addl	$4, %esp
	popl	%ebx		/* an upcall or upcall_resume may have changed any of them */
	popl	%esi
	popl	%edi
	popl	%ebp
	popl	%eax
	jmp	syscall_exit

	/*
	 * The fast path's arguments: %edx words after the header, each read once, from the last
	 * down, into the copy on the stack. %ecx (the sysent offset) is kept on the stack meanwhile.
	 */
syscall_fast_args:
	pushl	%ecx
	leal	-USER_BASE + MS_SIZE(%eax,%edx,4), %ecx	/* the whole message lies in user space */
	cmpl	$USER_SPAN, %ecx
	ja	syscall_fast_args_fault
2:
1:	movl	MS_SIZE - 4(%eax,%edx,4), %ecx
	EX(syscall_fast_args_fault)
	movl	%ecx, MS_SIZE - 4 + 4(%esp,%edx,4)
	subl	$1, %edx
	jnz	2b
	popl	%ecx
	jmp	syscall_fast_call
syscall_fast_args_fault:		/* the general path answers EFAULT */
	popl	%ecx
	addl	$ARGS_SIZE, %esp
	jmp	syscall_slow

	/* The handler answered an error (or EJUSTRETURN): %eax, the message in %edx. */
syscall_fast_error:
	addl	$ARGS_SIZE, %esp
	pushl	%eax
	pushl	%edx
	call	syscall_answer_error
	addl	$8, %esp
	jmp	syscall_exit

	/* The handler unmapped its own message: the answer is lost, only %eax can say. */
syscall_lost:
	addl	$ARGS_SIZE, %esp
	movl	$EFAULT, %eax
	jmp	syscall_exit

	/*
	 * A call that may wait (sy_fast 0: the spec's blocking calls), from a well-formed header
	 * whose command, in %ecx (times the size of a struct sysent), was read once above: the
	 * general path, without reading the header again. Its flags are read here, once, for the
	 * general path's take(), which checks them itself (they were only tested above, and may
	 * have changed since); EASYNC is stored as fetch_header() does; the call is counted.
	 * syscall_take (kern_sysmsg.c, regparm(3): the message, the flags, the command) takes it
	 * into a ksysmsg on this stack: its arguments read once, run, waited for if it is
	 * synchronous and must wait, answered; it returns the answer for %eax. A fault on the
	 * header goes to syscall_slow, which reads the header again and answers what it finds.
	 */
syscall_take_call:
1:	movl	MS_FLAGS(%eax), %edx
	EX(syscall_slow)
1:	movl	$EASYNC, MS_ERROR(%eax)	/* the kernel's now; and the header is writable */
	EX(syscall_slow)
	addl	$1, sysmsg_stats	/* sysmsg_stats.calls (64 bits) */
	adcl	$0, sysmsg_stats + 4
	shrl	$SY_SHIFT, %ecx		/* the command */
	call	syscall_take
	jmp	syscall_exit

	/* Everything else: the general path, in C (regparm(1): the message's address in %eax). */
syscall_slow:
#ifdef KTRACE
	/* The trace kernel takes every call here, fork too: ring 3's callee-saved registers and
	 * the message's address go under the frame as a struct fork_regs (fork_entry.S). */
	pushl	%ebp
	pushl	%edi
	pushl	%esi
	pushl	%ebx
	pushl	%eax
	call	syscall_trap
	addl	$20, %esp
#else
	call	syscall_trap
#endif
	jmp	syscall_exit
	.size	syscall_entry, . - syscall_entry

/*
 * syscall_entry_remote: vector 128 on every CPU but the home one (idt.c: their IDT differs only
 * here). A process's kernel state lives on its home CPU (kern/kern_vcpu_place.c): the calling
 * vCPU's thread moves there (vcpu_go_home: its registers are on its own stack, which moves
 * with it), then the call is syscall_entry's, word for word; TDA_GOBACK brings it back to this
 * CPU on the way out (syscall_ast). %eax (the message) is kept across the C call; the
 * callee-saved registers stay ring 3's, as syscall_entry's handlers expect (fork_entry.S).
 */
	.globl	syscall_entry_remote
	.type	syscall_entry_remote, @function
syscall_entry_remote:
	SAVE_USER_SEGMENTS
	xorl	%ecx, %ecx		/* ring 3's %gs (saved above) stays off this CPU: it may lose */
	movw	%cx, %gs		/* the LDT it names while the thread is away (ldt_forget) */
	pushl	%eax
	call	vcpu_go_home
	popl	%eax
	jmp	syscall_entry_body
	.size	syscall_entry_remote, . - syscall_entry_remote

/*
 * run_inline(addrs, n, lost): the loop batches and the ring take their common entries with
 * (kern_sysmsg.c's sysmsg_take_entries, which says what it returns and when it stops): for as
 * long as the entries are calls a batch runs inline — never waiting, no arguments after the
 * header, batchable (SY_INLINE in kern_sysmsg.c) — each is checked, run from the stack and
 * answered in place, exactly as syscall_entry's fast path takes one call. The command checked
 * last is remembered with its handler, so a run of the same call (the common batch) looks its
 * struct sysent up once. Every access to a message is in the exception table: a fault on its
 * header stops before it (the general path takes it and answers what it finds), a fault on its
 * answer stops after it with *lost set.
 *
 * %ebx: the next entry of addrs; %esi: the message; %edi: the handler of the command last
 * checked, which is at RI_CHECKED(%ebp); the end of addrs at RI_END(%ebp); the union
 * sysmsg_args the handler runs on at (%esp).
 */
#define RI_ADDRS	8		/* the arguments, from %ebp */
#define RI_LOST		16
#define RI_CHECKED	-16		/* the command last checked (~0: none yet) */
#define RI_END		-20		/* addrs + n */
#define SY_FLAGS	12		/* offsetof(struct sysent, sy_flags); sy_fast follows it */
#define SY_INLINE	0x10004		/* sy_flags SYF_FAST, sy_fast 1, as one word */
#define TDA_KILLED	1

	.globl	run_inline
	.type	run_inline, @function
run_inline:
	pushl	%ebp
	movl	%esp, %ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	pushl	$-1			/* RI_CHECKED */
	movl	RI_ADDRS(%ebp), %ebx
	movl	RI_ADDRS + 4(%ebp), %eax
	leal	(%ebx,%eax,4), %eax
	pushl	%eax			/* RI_END */
	subl	$ARGS_SIZE, %esp	/* union sysmsg_args */
ri_next:
	cmpl	RI_END(%ebp), %ebx
	jae	ri_done
	movl	(%ebx), %esi		/* the entry, read once (a kernel copy) */
	leal	-USER_BASE(%esi), %eax	/* the header lies in user space */
	cmpl	$USER_SPAN - MS_SIZE, %eax
	ja	ri_done
1:	movl	MS_CMD(%esi), %eax
	EX(ri_done)
	cmpl	RI_CHECKED(%ebp), %eax
	jne	ri_check
ri_checked:
1:	testl	$NOT_SUBMIT, MS_FLAGS(%esi)
	EX(ri_done)
	jne	ri_done
1:	movl	$EASYNC, MS_ERROR(%esi)	/* the kernel's now; and the header is writable */
	EX(ri_done)
	movl	$0, MS_RESULT(%esp)
	movl	$0, MS_RESULT + 4(%esp)
	pushl	%esp			/* the handler's msg: the copy */
	call	*%edi
	addl	$4, %esp
	addl	$4, %ebx		/* taken */
	testl	%eax, %eax
	jnz	ri_error
	movl	MS_RESULT(%esp), %ecx
	movl	MS_RESULT + 4(%esp), %edx
1:	movl	%eax, MS_ERROR(%esi)
	EX(ri_lost)
1:	movl	%ecx, MS_RESULT(%esi)
	EX(ri_lost)
1:	movl	%edx, MS_RESULT + 4(%esi)
	EX(ri_lost)
ri_answered:
	movl	%fs:GD_CURTHREAD, %eax	/* killed meanwhile: stop after this one */
	testl	$TDA_KILLED, TD_AST(%eax)
	jz	ri_next
ri_done:
	movl	%ebx, %eax
	subl	RI_ADDRS(%ebp), %eax
	shrl	$2, %eax		/* how many were taken */
	leal	-12(%ebp), %esp
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret

	/* A command other than the last one checked: is it a call a batch runs inline? */
ri_check:
	cmpl	sysent_count, %eax
	jae	ri_done
	movl	%eax, %ecx
	shll	$SY_SHIFT, %ecx
	cmpl	$SY_INLINE, sysent + SY_FLAGS(%ecx)
	jne	ri_done
	movl	%eax, RI_CHECKED(%ebp)
	movl	sysent + SY_CALL(%ecx), %edi
	jmp	ri_checked

	/* The handler answered an error: answered in C (a negative answer: it could not be). */
ri_error:
	pushl	%eax
	pushl	%esi
	call	run_inline_error
	addl	$8, %esp
	testl	%eax, %eax
	jns	ri_answered
ri_lost:				/* the answer could not be written: stop after this one */
	movl	RI_LOST(%ebp), %eax
	movb	$1, (%eax)
	jmp	ri_done
	.size	run_inline, . - run_inline
