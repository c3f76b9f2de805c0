/*
 * Open files and descriptors. A descriptor indexes the process's p_fd[]; the struct file it
 * names is shared by dup and by children (reference counted). What a file is (a ramfs file, a
 * pipe end, the console) is its fileops.
 *
 * read and write get the call's ksysmsg: they answer at once (0 or an errno, the byte count in
 * SYSMSG_RESULT) or file the ksysmsg at the object and return EASYNC. User buffers are reached
 * with proc_copyin/proc_copyout, which work from any context (completion happens later, often
 * in another process's thread).
 */
#ifndef _SYS_FILE_H_
#define _SYS_FILE_H_

#include <sys/types.h>
#include <abi/fcntl.h>	/* O_*, SEEK_* */
#include <abi/limits.h>

struct file;
struct ksysmsg;
struct proc;

struct fileops {
	int	(*fo_read)(struct file *fp, struct ksysmsg *ksm, void *ubuf, size_t len);
	int	(*fo_write)(struct file *fp, struct ksysmsg *ksm, const void *ubuf, size_t len);
	int	(*fo_seek)(struct file *fp, off_t offset, int whence, off_t *newoff);
	void	(*fo_close)(struct file *fp);
};

struct file {
	int		f_refs;
	int		f_flags;	/* FREAD, FWRITE, FAPPEND */
	const struct fileops *f_ops;
	void		*f_data;
	off_t		f_offset;
};

#define FREAD		0x1
#define FWRITE		0x2
#define FAPPEND		0x4

#define NOFILE		OPEN_MAX	/* descriptors per process (<abi/limits.h>) */

/* kern/kern_descrip.c */
struct file *file_alloc(const struct fileops *ops, void *data, int flags);
void	file_hold(struct file *fp);
void	file_drop(struct file *fp);
int	fd_install(struct proc *p, struct file *fp);	/* a descriptor, or -EMFILE */
struct file *fd_get(struct proc *p, int fd);
void	fd_close_all(struct proc *p);
void	fd_inherit(struct proc *child, struct proc *parent);
extern uint32_t files_open;

/* fs/ramfs.c */
void	ramfs_init(void);
int	ramfs_open(const char *path, int flags, struct file **fpp);
int	ramfs_unlink(const char *path);
extern uint32_t ramfs_files, ramfs_pages;

/* fs/pipe.c */
int	pipe_create(struct file **rfp, struct file **wfp);
extern uint32_t pipes_alive;

/* dev/console.c */
struct file *console_file(void);
void	console_init(void);
void	console_service(void);

#endif
