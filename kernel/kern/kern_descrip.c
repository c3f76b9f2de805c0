/*
 * Descriptors and the calls on them: read, write, close, lseek, dup, dup2, pipe, fstat, isatty.
 * What a file does is its fileops (ramfs file or directory, pipe end, console); this file only
 * finds it and checks the access mode. A process's descriptors and its working directory come
 * from its parent and go when it ends (fd_inherit, fd_close_all). The calls that take a path
 * name are in vfs_syscalls.c.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/file.h>
#include <sys/ksysmsg.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/sysmsg.h>
#include <sys/thread2.h>
#include <sys/uaccess.h>
#include <abi/stat.h>
#include <string.h>

uint32_t files_open;

struct file *
file_alloc(const struct fileops *ops, void *data, int flags)
{
	struct file *fp = kzalloc(sizeof(*fp));

	if (fp == NULL)
		return NULL;
	fp->f_refs = 1;
	fp->f_ops = ops;
	fp->f_data = data;
	fp->f_flags = flags;
	__atomic_add_fetch(&files_open, 1, __ATOMIC_RELAXED);
	return fp;
}

/* file_hold: one reference more. References and files_open change atomically: an open file
 * may be shared by processes running on different CPUs (docs/smp.md). */
void
file_hold(struct file *fp)
{
	__atomic_add_fetch(&fp->f_refs, 1, __ATOMIC_RELAXED);
}

/* file_drop: one reference less; the last one closes the file. */
void
file_drop(struct file *fp)
{
	if (__atomic_sub_fetch(&fp->f_refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	if (fp->f_ops->fo_close)
		fp->f_ops->fo_close(fp);
	__atomic_sub_fetch(&files_open, 1, __ATOMIC_RELAXED);
	kfree(fp);
}

/* fd_install: the lowest free descriptor now names fp (the reference passes to the table). */
int
fd_install(struct proc *p, struct file *fp)
{
	for (int fd = 0; fd < NOFILE; fd++)
		if (p->p_fd[fd] == NULL) {
			p->p_fd[fd] = fp;
			return fd;
		}
	return -EMFILE;
}

struct file *
fd_get(struct proc *p, int fd)
{
	if (fd < 0 || fd >= NOFILE)
		return NULL;
	return p->p_fd[fd];
}

/* fd_close_all: p ends: its descriptors close and it leaves its working directory. */
void
fd_close_all(struct proc *p)
{
	for (int fd = 0; fd < NOFILE; fd++)
		if (p->p_fd[fd] != NULL) {
			file_drop(p->p_fd[fd]);
			p->p_fd[fd] = NULL;
		}
	ramfs_cwd_release(p);
}

/*
 * fd_inherit: a spawned child starts with the parent's descriptors, sharing the files, and in
 * its working directory.
 */
void
fd_inherit(struct proc *child, struct proc *parent)
{
	for (int fd = 0; fd < NOFILE; fd++)
		if ((child->p_fd[fd] = parent->p_fd[fd]) != NULL)
			file_hold(child->p_fd[fd]);
	ramfs_cwd_inherit(child, parent);
}

int
sys_read(struct read_msg *msg)
{
	struct file *fp = fd_get(curproc, msg->fd);

	if (fp == NULL || (fp->f_flags & FREAD) == 0)
		return EBADF;
	if (msg->len == 0)
		return 0;
	return fp->f_ops->fo_read(fp, ksysmsg_of(msg), msg->buf, msg->len);
}

int
sys_write(struct write_msg *msg)
{
	struct file *fp = fd_get(curproc, msg->fd);

	if (fp == NULL || (fp->f_flags & FWRITE) == 0)
		return EBADF;
	if (msg->len == 0)
		return 0;
	return fp->f_ops->fo_write(fp, ksysmsg_of(msg), msg->buf, msg->len);
}

int
sys_close(struct close_msg *msg)
{
	struct proc *p = curproc;
	struct file *fp = fd_get(p, msg->fd);

	if (fp == NULL)
		return EBADF;
	p->p_fd[msg->fd] = NULL;
	file_drop(fp);
	return 0;
}

int
sys_lseek(struct lseek_msg *msg)
{
	struct file *fp = fd_get(curproc, msg->fd);
	off_t off;
	int error;

	if (fp == NULL)
		return EBADF;
	if (fp->f_ops->fo_seek == NULL)
		return ESPIPE;
	if ((error = fp->f_ops->fo_seek(fp, msg->offset, msg->whence, &off)) != 0)
		return error;
	msg->hdr.ms_result = off;
	return 0;
}

int
sys_dup(struct dup_msg *msg)
{
	struct proc *p = curproc;
	struct file *fp = fd_get(p, msg->fd);
	int fd;

	if (fp == NULL)
		return EBADF;
	file_hold(fp);
	if ((fd = fd_install(p, fp)) < 0) {
		file_drop(fp);
		return -fd;
	}
	msg->hdr.ms_result = fd;
	return 0;
}

/*
 * sys_dup2: newfd names oldfd's open file; what newfd named before is closed first (POSIX:
 * quietly). Nothing happens when they are equal. EBADF: oldfd is not open, or newfd is outside
 * 0 .. OPEN_MAX - 1.
 */
int
sys_dup2(struct dup2_msg *msg)
{
	struct proc *p = curproc;
	struct file *fp = fd_get(p, msg->oldfd), *old;

	if (fp == NULL || msg->newfd < 0 || msg->newfd >= NOFILE)
		return EBADF;
	msg->hdr.ms_result = msg->newfd;
	if (msg->newfd == msg->oldfd)
		return 0;
	file_hold(fp);
	old = p->p_fd[msg->newfd];
	p->p_fd[msg->newfd] = fp;
	if (old != NULL)
		file_drop(old);
	return 0;
}

/* sys_fstat: the struct stat of fd's open file, from its fileops. */
int
sys_fstat(struct fstat_msg *msg)
{
	struct file *fp = fd_get(curproc, msg->fd);
	struct stat st;

	if (fp == NULL)
		return EBADF;
	memset(&st, 0, sizeof(st));
	fp->f_ops->fo_stat(fp, &st);
	return copyout(&st, msg->buf, sizeof(st)) != 0 ? EFAULT : 0;
}

/* sys_isatty: 1 for the console, the one terminal; ENOTTY for any other open file. */
int
sys_isatty(struct isatty_msg *msg)
{
	struct file *fp = fd_get(curproc, msg->fd);

	if (fp == NULL)
		return EBADF;
	if (!console_is(fp))
		return ENOTTY;
	msg->hdr.ms_result = 1;
	return 0;
}

int
sys_pipe(struct pipe_msg *msg)
{
	struct proc *p = curproc;
	struct file *rf, *wf;
	int fds[2], error;

	if ((error = pipe_create(&rf, &wf)) != 0)
		return error;
	fds[0] = fd_install(p, rf);
	fds[1] = fds[0] < 0 ? -EMFILE : fd_install(p, wf);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			p->p_fd[fds[0]] = NULL;
		file_drop(rf);
		file_drop(wf);
		return EMFILE;
	}
	if (proc_copyout(p, (uint32_t)msg->fds, fds, sizeof(fds)) != 0) {
		p->p_fd[fds[0]] = p->p_fd[fds[1]] = NULL;
		file_drop(rf);
		file_drop(wf);
		return EFAULT;
	}
	return 0;
}
