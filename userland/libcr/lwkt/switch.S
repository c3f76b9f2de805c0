/*
 * The user-thread switch (no system call: callee-saved registers, stack, and %gs for the TLS),
 * and the yield fast path in front of it. Offsets are cr/sched.h's CR_ constants, checked by
 * lwkt/thread.c; the stack a switch leaves behind is sys/switchframe.h's.
 */
#include <sys/switchframe.h>
#include <cr/sched.h>

	.text

/*
 * cr_thread_yield: let the other threads of the caller's priority (and any above) run first.
 *
 * The fast path: no system call in flight (a slow yield collects completed ones), and vCPU 0's
 * budget of fast yields not spent (thread.c's fast_arm gives one only while the program has one
 * vCPU and the caller runs at the head of its ring with company there and nothing above it; the
 * next change to the run queue takes it back). Then the next thread of the ring runs, which is
 * what the scheduler would choose: it becomes vc_cur, and so the ring's head (struct cr_vcpu says
 * why rq_head may lag). The budget taken counts the switch.
 */
	.globl	cr_thread_yield
	.type	cr_thread_yield, @function
cr_thread_yield:
	movl	%gs:CR_TCB_THREAD, %eax			/* the caller */
	cmpl	$0, CR_CALLS_IN_FLIGHT
	jne	cr_thread_yield_slow
	subl	$1, cr_vcpus + CR_VC_FAST_LEFT
	js	yield_no_budget
	movl	CR_TD_RQNEXT(%eax), %edx		/* the next thread of its ring ... */
	movl	%edx, cr_vcpus + CR_VC_CUR		/* ... runs, and is the head (see cr_vcpu) */
	/* fall into the switch */
	.size	cr_thread_yield, . - cr_thread_yield

/*
 * cr_switch(from, to), from in %eax and to in %edx (regparm): save the callee-saved registers on
 * from's stack and its stack pointer in from->td_sp, then load to's, and to's TLS selector into
 * %gs. A new thread's stack is laid out by switch_frame (sys/switchframe.h) to return into
 * cr_thread_start.
 */
	.globl	cr_switch
	.type	cr_switch, @function
cr_switch:
	pushl	%ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	movl	%esp, CR_TD_SP(%eax)
	movl	CR_TD_SP(%edx), %esp
	movw	CR_TD_GS(%edx), %gs			/* its TLS: one segment load */
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret
	.globl	cr_switch_end				/* signal.c: an upcall in here waits */
cr_switch_end:
	.size	cr_switch, . - cr_switch

yield_no_budget:
	addl	$1, cr_vcpus + CR_VC_FAST_LEFT		/* none taken after all */
	jmp	cr_thread_yield_slow

/*
 * cr_yield_resume: a thread that stopped in the fast path above, resumed by the slow path's
 * switch (thread.c: resume_in_section put this address under its registers). The switch was made
 * inside a critical section, which this thread must take over and leave: cr_yield_resumed does
 * that; then back to the caller of cr_thread_yield (eax, ecx, edx are free: it returns void).
 */
	.globl	cr_yield_resume
	.type	cr_yield_resume, @function
cr_yield_resume:
	subl	$12, %esp				/* the stack as the ABI wants it at a call */
	call	cr_yield_resumed
	addl	$12, %esp
	ret
	.size	cr_yield_resume, . - cr_yield_resume

	/* A new thread's first return: its struct thread is in %ebx. */
	SWITCH_START_STUB cr_thread_start, cr_thread_entry
