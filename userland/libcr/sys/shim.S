/*
 * cr_domsg_shim: a stub's call with a shim installed in cr_syscall_port (cr/sysport.h:
 * cr_domsg_kernel), written out here so that it costs no frame: what lwkt_domsg does for a
 * message that was never sent (the stub's, on its stack). The message is made in flight and
 * synchronous (ms_flags), its reply port is cr_reply_port, where a shim that held the call
 * (queued it for a server thread, say) replies it and the stub's thread waits; its target is
 * the shim. ms_abortfn is left as it is: it is the target's to set, and read only when the
 * target also set MSGF_ABORTABLE (lwkt_abortmsg), which ms_flags' store clears. Then the shim's put: an answer other than EASYNC is the
 * call's, and, like the kernel path, nothing is written back (the stub reads the answer and the
 * message dies with its frame); EASYNC goes on to cr_domsg_shim_wait (sys/sysport.c), which waits
 * for the reply as lwkt_domsg does.
 *
 * regparm(1): the message comes in %eax, where the stub has it. The put is an ordinary C
 * function (port, msg), which may write over its argument words: the message is kept in a third
 * word of its own. Three words and the return address keep the stack 16-byte aligned at the call.
 * Offsets and constants are cr/sched.h's CR_MS_, CR_MP_ ones, checked by sys/sysport.c.
 */
#include <cr/sched.h>

	.text
	.globl	cr_domsg_shim
	.type	cr_domsg_shim, @function
cr_domsg_shim:
	movl	cr_syscall_port, %edx
	movl	$CR_MSGF_SYNC, CR_MS_FLAGS(%eax)
	movl	$cr_reply_port, CR_MS_REPLY_PORT(%eax)
	movl	%edx, CR_MS_TARGET_PORT(%eax)
	pushl	%eax				/* the message, kept */
	pushl	%eax				/* put(port, msg) */
	pushl	%edx
	call	*CR_MP_PUTPORT(%edx)
	addl	$8, %esp
	popl	%edx				/* the message */
	cmpl	$CR_EASYNC, %eax
	je	1f
	ret
1:	movl	%edx, %eax			/* held by the shim: wait for its reply */
	jmp	cr_domsg_shim_wait
	.size	cr_domsg_shim, . - cr_domsg_shim
