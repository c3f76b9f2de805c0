/*
 * The system calls that take a path name: open, unlink, stat, mkdir, rmdir, rename, chdir,
 * getcwd, and getdents (the listing of an open directory). The file system behind them is
 * ramfs (fs/ramfs.c, fs/ramfs_dir.c), where the rules and the errors are; a relative path is
 * the calling process's, against its working directory.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/file.h>
#include <sys/proc.h>
#include <sys/sysmsg.h>
#include <sys/uaccess.h>
#include <abi/stat.h>

#define OPEN_FLAGS	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_DIRECTORY)

/* sys_open: EINVAL for an unknown flag or for the access mode 3. */
int
sys_open(struct open_msg *msg)
{
	struct file *fp;
	int error, fd;

	if ((msg->flags & O_ACCMODE) == O_ACCMODE || (msg->flags & ~OPEN_FLAGS) != 0)
		return EINVAL;
	if ((error = ramfs_open(curproc, msg->path, msg->flags, (mode_t)msg->mode, &fp)) != 0)
		return error;
	if ((fd = fd_install(curproc, fp)) < 0) {
		file_drop(fp);
		return -fd;
	}
	msg->hdr.ms_result = fd;
	return 0;
}

/* sys_unlink: the ramfs quota (docs/reliability.md) would be spent for good without it. */
int
sys_unlink(struct unlink_msg *msg)
{
	return ramfs_unlink(curproc, msg->path);
}

int
sys_stat(struct stat_msg *msg)
{
	struct stat st;
	int error;

	if ((error = ramfs_stat(curproc, msg->path, &st)) != 0)
		return error;
	return copyout(&st, msg->buf, sizeof(st)) != 0 ? EFAULT : 0;
}

int
sys_mkdir(struct mkdir_msg *msg)
{
	return ramfs_mkdir(curproc, msg->path, msg->mode);
}

int
sys_rmdir(struct rmdir_msg *msg)
{
	return ramfs_rmdir(curproc, msg->path);
}

int
sys_rename(struct rename_msg *msg)
{
	return ramfs_rename(curproc, msg->from, msg->to);
}

/* sys_getdents: EBADF for no such descriptor, ENOTDIR for one that is not a directory. */
int
sys_getdents(struct getdents_msg *msg)
{
	struct file *fp = fd_get(curproc, msg->fd);
	size_t done;
	int error;

	if (fp == NULL)
		return EBADF;
	if (fp->f_ops != &ramfs_dir_ops)
		return ENOTDIR;
	if ((error = ramfs_getdents(fp, curproc, (uint32_t)msg->buf, msg->len, &done)) != 0)
		return error;
	msg->hdr.ms_result = done;
	return 0;
}

int
sys_chdir(struct chdir_msg *msg)
{
	return ramfs_chdir(curproc, msg->path);
}

int
sys_getcwd(struct getcwd_msg *msg)
{
	size_t n;
	int error;

	if ((error = ramfs_getcwd(curproc, msg->buf, msg->len, &n)) != 0)
		return error;
	msg->hdr.ms_result = n;
	return 0;
}
