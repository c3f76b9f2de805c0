/* The simplest system calls: null, write to the console, getpid. */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/proc.h>
#include <sys/sysmsg.h>

/* sys_null: answers 0 at once; the benchmark of the bare message round trip. */
int
sys_null(struct null_msg *msg)
{
	msg->hdr.ms_result = 0;
	return 0;
}

/* sys_write: descriptors 1 and 2 are the console; the dispatcher checked buf already. */
int
sys_write(struct write_msg *msg)
{
	if (msg->fd != 1 && msg->fd != 2)
		return EBADF;
	console_write(msg->buf, msg->len);
	msg->hdr.ms_result = msg->len;
	return 0;
}

int
sys_getpid(struct getpid_msg *msg)
{
	msg->hdr.ms_result = curproc->p_pid;
	return 0;
}
