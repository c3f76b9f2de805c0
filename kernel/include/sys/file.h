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
struct pollwait;
struct proc;
struct stat;

struct fileops {
	int	(*fo_read)(struct file *fp, struct ksysmsg *ksm, void *ubuf, size_t len);
	int	(*fo_write)(struct file *fp, struct ksysmsg *ksm, const void *ubuf, size_t len);
	int	(*fo_seek)(struct file *fp, off_t offset, int whence, off_t *newoff);
	void	(*fo_close)(struct file *fp);
	void	(*fo_stat)(struct file *fp, struct stat *st);	/* fstat: the rest is zeroed */
	/*
	 * fo_poll: the poll events (abi/poll.h) true of the file now; with pw, also file pw at the
	 * object, whose changes then call pollwakeup (sys/poll.h). Never changes anything else.
	 */
	short	(*fo_poll)(struct file *fp, struct pollwait *pw);
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

/* fs/ramfs.c, fs/ramfs_dir.c: the one file system (path names resolve against p's working
 * directory; p NULL: the kernel's, the root) */
void	ramfs_init(void);
int	ramfs_open(struct proc *p, const char *path, int flags, mode_t mode, struct file **fpp);
int	ramfs_stat(struct proc *p, const char *path, struct stat *st);
int	ramfs_exec_image(struct proc *p, const char *path, const void **data, size_t *size);
int	ramfs_unlink(struct proc *p, const char *path);
int	ramfs_mkdir(struct proc *p, const char *path, mode_t mode);
int	ramfs_rmdir(struct proc *p, const char *path);
int	ramfs_rename(struct proc *p, const char *from, const char *to);
int	ramfs_getdents(struct file *fp, struct proc *p, uint32_t ubuf, size_t len, size_t *done);
int	ramfs_chdir(struct proc *p, const char *path);
int	ramfs_getcwd(struct proc *p, char *buf, size_t len, size_t *n);
void	ramfs_cwd_inherit(struct proc *child, struct proc *parent);
void	ramfs_cwd_release(struct proc *p);
extern const struct fileops ramfs_dir_ops;	/* an open directory's */
extern uint32_t ramfs_files, ramfs_pages;
extern struct lwkt_token ramfs_token;	/* serializes ramfs across CPUs (fs/ramfs.h) */

/* fs/pipe.c */
int	pipe_create(struct file **rfp, struct file **wfp);
extern uint32_t pipes_alive;

/* dev/console.c */
struct file *console_file(void);
bool	console_is(const struct file *fp);	/* is fp the console (a terminal)? */
void	console_init(void);
void	console_service(void);
extern bool console_deferred;	/* input waits for proc_token: serve again next tick */

#endif
