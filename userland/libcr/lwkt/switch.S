/*
 * The user-thread switch (no system call: callee-saved registers, stack, and %gs for the TLS),
 * and the yield fast path in front of it. Offsets are cr/sched.h's CR_ constants, checked by
 * lwkt/thread.c; the stack a switch leaves behind is sys/switchframe.h's.
 */
#include <sys/switchframe.h>
#include <cr/sched.h>

	.text

/*
 * Everything from cr_fast_begin to cr_switch_end is where an upcall finds the thread busy
 * (signal/signal.c: a signal's handler waits for the next critical section's end): the fast
 * paths below run outside any critical section, like the fast yield, and this is what keeps a
 * handler from running in the middle of one. They run only while armed (cr/sched.h: struct
 * cr_vcpu), which is never with a handler or a mask installed, so nothing is deferred then.
 */
	.globl	cr_fast_begin
cr_fast_begin:

/*
 * lwkt_domsg(port, msg, flags): the direct hand-off's fast path in front of the shared C
 * (kern/lwkt_msgport.c, lwkt_domsg_slow here). Taken when port's owner waits in waitport for
 * its next message (RECEIVING) and is blocked, at the caller's priority; the caller is in no
 * critical section, will wait for the reply on a thread port of its own, flags is 0, msg is not
 * in flight, and vCPU 0's budget of fast hand-offs is not spent (armed: one vCPU, nothing above
 * the caller's priority, no masks, no trace; cr_sched_handoff_arm). Then msg is started (as
 * start() does: SYNC, the target, the count of sends) and handed to the owner (mp_handoff), the
 * caller blocks waiting for its reply (its port WAITING, wchan msg) and the owner runs in its
 * place: no queue, no run-queue change, no pick. The budget taken counts the switch. The caller
 * is resumed by a fast reply (lwkt_replywait below) with msg DONE, or by the slow path's switch
 * (td_crit 0: through cr_yield_resume, as a fast yield is), which may find msg not done yet
 * (woken for something else): it then waits the slow way, lwkt_waitmsg's.
 */
	.globl	lwkt_domsg
	.type	lwkt_domsg, @function
lwkt_domsg:
	movl	4(%esp), %ecx				/* port */
	testb	$CR_MSGPORTF_RECEIVING, CR_MP_FLAGS(%ecx)
	jz	lwkt_domsg_slow
	subl	$1, cr_vcpus + CR_VC_HAND_LEFT
	js	domsg_no_budget
	pushl	%ebx
	movl	%gs:CR_TCB_THREAD, %eax			/* the caller */
	movl	CR_MP_TD(%ecx), %edx			/* the receiver */
	movl	12(%esp), %ebx				/* msg */
	cmpl	$0, 16(%esp)				/* flags */
	jne	domsg_undo
	cmpl	$CR_STATE_BLOCKED, CR_TD_STATE(%edx)
	jne	domsg_undo
	movl	CR_TD_PRI(%edx), %ecx
	cmpl	CR_TD_PRI(%eax), %ecx
	jne	domsg_undo
	leal	CR_TD_MSGPORT(%eax), %ecx		/* the caller's own port */
	cmpl	%ecx, CR_MS_REPLY_PORT(%ebx)
	jne	domsg_undo
	movl	CR_MS_FLAGS(%ebx), %ecx			/* DONE and not QUEUED: not in flight */
	xorl	$CR_MSGF_DONE, %ecx
	testl	$(CR_MSGF_DONE | CR_MSGF_QUEUED), %ecx
	jnz	domsg_undo
	andl	$~(CR_MSGF_REPLY | CR_MSGF_SYNC | CR_MSGF_ABORTED), %ecx
	orl	$CR_MSGF_SYNC, %ecx
	movl	%ecx, CR_MS_FLAGS(%ebx)
	movl	8(%esp), %ecx				/* port */
	movl	%ecx, CR_MS_TARGET_PORT(%ebx)
	addl	$1, lwkt_msgstats + CR_STATS_SENDS
	adcl	$0, lwkt_msgstats + CR_STATS_SENDS + 4
	andl	$~(CR_MSGPORTF_WAITING | CR_MSGPORTF_RECEIVING), CR_MP_FLAGS(%ecx)
	movl	%ebx, CR_MP_HANDOFF(%ecx)
	orl	$CR_MSGPORTF_WAITING, CR_TD_MSGPORT + CR_MP_FLAGS(%eax)
	movl	$CR_STATE_BLOCKED, CR_TD_STATE(%eax)
	movl	$waitmsg_wmesg, CR_TD_WMESG(%eax)
	movl	%ebx, CR_TD_WCHAN(%eax)
	movl	$CR_STATE_RUNNABLE, CR_TD_STATE(%edx)
	movl	$0, CR_TD_WMESG(%edx)
	movl	$0, CR_TD_WCHAN(%edx)
	movl	%edx, cr_vcpus + CR_VC_CUR
	call	cr_switch
	testb	$CR_MSGF_DONE, CR_MS_FLAGS(%ebx)	/* resumed: replied, as a rule */
	jz	domsg_not_done
	movl	CR_MS_ERROR(%ebx), %eax
	popl	%ebx
	ret
	.size	lwkt_domsg, . - lwkt_domsg

domsg_undo:
	popl	%ebx
domsg_no_budget:
	addl	$1, cr_vcpus + CR_VC_HAND_LEFT		/* none taken after all */
	jmp	lwkt_domsg_slow

domsg_not_done:
	pushl	$0
	pushl	%ebx
	call	cr_waitmsg
	addl	$8, %esp
	popl	%ebx
	ret

/*
 * lwkt_replywait(msg, error, port): the reply's hand-off, in front of the shared C
 * (lwkt_replywait_slow). Taken when msg's sender waits for it (a synchronous message, not done;
 * its reply port a thread port whose owner is blocked on msg, WAITING and not RECEIVING) at the
 * caller's priority, port is the caller's own thread port with nothing queued (the caller will
 * wait), the caller is in no critical section, and the budget is not spent. Then msg is replied
 * (as queue_reply does a SYNC one: error, DONE and REPLY, the count of replies), the sender
 * runs in the caller's place, and the caller blocks in waitport as RECEIVING, ready for the next
 * hand-off. Resumed by one (mp_handoff) it returns that message; resumed otherwise (a message
 * queued, or woken for something else) it waits the slow way, lwkt_waitport's.
 */
	.globl	lwkt_replywait
	.type	lwkt_replywait, @function
lwkt_replywait:
	subl	$1, cr_vcpus + CR_VC_HAND_LEFT
	js	replywait_no_budget
	movl	%gs:CR_TCB_THREAD, %eax			/* the caller */
	movl	12(%esp), %ecx				/* port */
	cmpl	CR_MP_TD(%ecx), %eax			/* its own thread port ... */
	jne	replywait_no_budget
	cmpl	$0, CR_MP_MSGQ_FIRST(%ecx)		/* ... with nothing queued */
	jne	replywait_no_budget
	pushl	%ebx
	movl	8(%esp), %ebx				/* msg */
	testb	$CR_MSGF_SYNC, CR_MS_FLAGS(%ebx)	/* synchronous (in flight: below) */
	jz	replywait_undo
	movl	CR_MS_REPLY_PORT(%ebx), %ecx		/* a thread port whose owner waits ... */
	testl	%ecx, %ecx
	jz	replywait_undo
	movl	CR_MP_FLAGS(%ecx), %edx
	andl	$(CR_MSGPORTF_THREAD | CR_MSGPORTF_WAITING | CR_MSGPORTF_RECEIVING), %edx
	cmpl	$(CR_MSGPORTF_THREAD | CR_MSGPORTF_WAITING), %edx
	jne	replywait_undo
	movl	CR_MP_TD(%ecx), %edx			/* ... for msg: the sender */
	cmpl	CR_TD_WCHAN(%edx), %ebx
	jne	replywait_undo
	cmpl	$CR_STATE_BLOCKED, CR_TD_STATE(%edx)
	jne	replywait_undo
	movl	CR_TD_PRI(%edx), %ecx
	cmpl	CR_TD_PRI(%eax), %ecx
	jne	replywait_undo
	movl	CR_MS_REPLY_PORT(%ebx), %ecx
	andl	$~(CR_MSGPORTF_WAITING | CR_MSGPORTF_RECEIVING), CR_MP_FLAGS(%ecx)
	movl	12(%esp), %ecx				/* error */
	movl	%ecx, CR_MS_ERROR(%ebx)
	orl	$(CR_MSGF_DONE | CR_MSGF_REPLY), CR_MS_FLAGS(%ebx)
	addl	$1, lwkt_msgstats + CR_STATS_REPLIES
	adcl	$0, lwkt_msgstats + CR_STATS_REPLIES + 4
	movl	$CR_STATE_RUNNABLE, CR_TD_STATE(%edx)
	movl	$0, CR_TD_WMESG(%edx)
	movl	$0, CR_TD_WCHAN(%edx)
	movl	16(%esp), %ecx				/* port */
	orl	$(CR_MSGPORTF_WAITING | CR_MSGPORTF_RECEIVING), CR_MP_FLAGS(%ecx)
	movl	$CR_STATE_BLOCKED, CR_TD_STATE(%eax)
	movl	$waitport_wmesg, CR_TD_WMESG(%eax)
	movl	%ecx, CR_TD_WCHAN(%eax)
	movl	%edx, cr_vcpus + CR_VC_CUR
	call	cr_switch
	movl	16(%esp), %ecx				/* resumed: by a hand-off, as a rule */
	movl	CR_MP_HANDOFF(%ecx), %eax
	testl	%eax, %eax
	jz	replywait_no_handoff
	movl	$0, CR_MP_HANDOFF(%ecx)
	popl	%ebx
	ret
	.size	lwkt_replywait, . - lwkt_replywait

replywait_undo:
	popl	%ebx
replywait_no_budget:
	addl	$1, cr_vcpus + CR_VC_HAND_LEFT		/* none taken after all */
	jmp	lwkt_replywait_slow

replywait_no_handoff:
	pushl	$0
	pushl	%ecx
	call	lwkt_waitport
	addl	$8, %esp
	popl	%ebx
	ret

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

	.section .rodata
waitmsg_wmesg:
	.asciz	"waitmsg"
waitport_wmesg:
	.asciz	"waitport"
	.text

	/* A new thread's first return: its struct thread is in %ebx. */
	SWITCH_START_STUB cr_thread_start, cr_thread_entry
