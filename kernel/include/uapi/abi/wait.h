/*
 * The wait status the wait call stores, and its options: ABI, shared by the kernel (which makes
 * a status with W_EXITED or W_SIGNALED: kern_waitstatus.c's proc_wait_status) and libcr's <sys/wait.h>
 * (which reads it with the POSIX macros). The encoding is Linux's and the BSDs':
 *
 *	exited with code c (0..255)	c << 8		(the low 7 bits are 0)
 *	ended by signal s (1..126)	s		(| 0x80 if a core was dumped: never here)
 *	stopped by signal s		s << 8 | 0x7f	(job control: WUNTRACED)
 *	continued			0xffff		(SIGCONT: WCONTINUED)
 */
#ifndef _ABI_WAIT_H_
#define _ABI_WAIT_H_

/* wait's options */
#define WNOHANG		0x1	/* answer 0 at once when no child that matches has ended */
#define WUNTRACED	0x2	/* report stopped children too */
#define WCONTINUED	0x8	/* report continued children too */

#define W_EXITED(code)		(((code) & 0xff) << 8)
#define W_SIGNALED(sig)		((sig) & 0x7f)
#define W_STOPPED(sig)		((((sig) & 0xff) << 8) | 0x7f)
#define W_CONTINUED		0xffff

#define WIFEXITED(s)		(((s) & 0x7f) == 0)
#define WEXITSTATUS(s)		(((s) >> 8) & 0xff)
#define WIFSIGNALED(s)		(((s) & 0x7f) != 0 && ((s) & 0x7f) != 0x7f)
#define WTERMSIG(s)		((s) & 0x7f)
#define WCOREDUMP(s)		((s) & 0x80)
#define WIFSTOPPED(s)		(((s) & 0xff) == 0x7f)
#define WSTOPSIG(s)		WEXITSTATUS(s)
#define WIFCONTINUED(s)		((s) == 0xffff)

#endif
