/*
 * The syscall port's entry: `int $0x80` with %eax = the address of a message in user memory.
 *
 * The kernel checks the header, copies the whole message into the kernel (so the handler sees
 * arguments that cannot change under it), dispatches on ms_cmd through the generated sysent[]
 * table, and writes the answer back into the user's message: ms_error, ms_result, and
 * ms_flags |= DONE | REPLY. %eax returns the error as well, so a stub need not reload it; when
 * the message itself is unreadable, %eax (EFAULT) is the only answer.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/proc.h>
#include <sys/sysent.h>
#include <sys/uaccess.h>
#include <string.h>
#include <machine/trap.h>

/* reply: answer the user's message in place; its header was checked writable. */
static int
reply(struct lwkt_msg *umsg, uint32_t flags, int error, int64_t result)
{
	umsg->ms_error = error;
	umsg->ms_result = error ? 0 : result;
	umsg->ms_flags = flags | MSGF_DONE | MSGF_REPLY;
	return error;
}

void
syscall(struct trapframe *tf)
{
	struct lwkt_msg *umsg = (struct lwkt_msg *)tf->tf_eax;
	union {
		struct lwkt_msg	hdr;
		char		bytes[SYSMSG_MAXSIZE];
	} kmsg;

	if (!useracc(umsg, sizeof(*umsg), UA_INOUT)) {
		tf->tf_eax = EFAULT;
		return;
	}
	memcpy(&kmsg.hdr, umsg, sizeof(kmsg.hdr));
	uint32_t flags = kmsg.hdr.ms_flags, cmd = kmsg.hdr.ms_cmd;
	if (flags & ~MSGF_USER_SUBMIT) {
		tf->tf_eax = reply(umsg, flags, EINVAL, 0);
		return;
	}
	flags &= ~(MSGF_DONE | MSGF_REPLY);
	if (cmd >= SYS_MAXSYSCALL || sysent[cmd].sy_call == NULL) {
		tf->tf_eax = reply(umsg, flags, ENOSYS, 0);
		return;
	}
	const struct sysent *se = &sysent[cmd];
	if (!useracc(umsg, se->sy_msgsize, UA_INOUT)) {
		tf->tf_eax = reply(umsg, flags, EFAULT, 0);
		return;
	}
	memcpy(kmsg.bytes, umsg, se->sy_msgsize);
	kmsg.hdr.ms_result = 0;
	int error = se->sy_call(&kmsg);
	tf->tf_eax = reply(umsg, flags, error, kmsg.hdr.ms_result);
}
