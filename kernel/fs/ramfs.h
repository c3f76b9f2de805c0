/*
 * ramfs's nodes, shared by its two files: ramfs.c (files, their data, open, stat, the quota, the
 * initrd's tree) and ramfs_dir.c (directories: path names, mkdir, rmdir, unlink, rename,
 * getdents, the working directory). Private to kernel/fs; the rest of the kernel goes through
 * <sys/file.h>.
 *
 * A node is a regular file or a directory. A directory keeps its entries in r_children in the
 * order they were made, each with a cookie (its position for getdents and lseek) that only
 * grows. A node leaves the tree when its name goes (unlink, rmdir, rename over it) and is freed
 * when nothing refers to it any more: no open file (r_refs counts them, and every working
 * directory on it too).
 */
#ifndef _FS_RAMFS_H_
#define _FS_RAMFS_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <abi/limits.h>
#include <abi/stat.h>
#include <sys/file.h>
#include <sys/token.h>

/*
 * ramfs_token serializes all of ramfs across CPUs (docs/smp.md): each entry point the rest of
 * the kernel calls (sys/file.h's ramfs_* and the file operations) begins with RAMFS_GUARD(),
 * which holds the token until that function returns (taken again, recursively, when one entry
 * point calls another). Nothing in ramfs blocks (its copies to and from user memory do not), so
 * the token spans each call whole. (ramfs_token is declared in sys/file.h.)
 */

/* ramfs_guard_end: the end of a RAMFS_GUARD's scope. */
static inline void
ramfs_guard_end(int *guard)
{
	(void)guard;
	lwkt_reltoken(&ramfs_token);
}

#define RAMFS_GUARD()								\
	int ramfs_guard_ __attribute__((cleanup(ramfs_guard_end), unused)) =	\
	    (lwkt_gettoken(&ramfs_token), 0)

#define RAMFS_PAGES	64		/* a writable file holds up to 256 KiB */
#define RAMFS_FILES_MAX	64		/* files and directories made at run time, in all */
#define RAMFS_QUOTA_PAGES 1024		/* pages of writable files' data in all: 4 MiB */
#define RAMFS_FIRST_COOKIE 2		/* getdents: 0 is ".", 1 is "..", entries follow */

enum rnode_type { RN_REG, RN_DIR };

struct rnode {
	TAILQ_ENTRY(rnode) r_link;		/* on the parent's r_children */
	struct rnode	*r_parent;		/* the directory holding its name; NULL for the root
						   and once it has no name */
	char		r_name[NAME_MAX + 1];
	enum rnode_type	r_type;
	uint32_t	r_ino;
	mode_t		r_perm;			/* permission bits (kept, never checked) */
	bool		r_ro;			/* from the initrd: never written, renamed or removed */
	bool		r_removed;		/* has no name: freed at the last reference */
	uint32_t	r_cookie;		/* its position in the parent's listing */
	uint32_t	r_refs;			/* open files and working directories on it */
	uint64_t	r_atime, r_mtime, r_ctime;	/* in clock ticks (ramfs_timespec) */
	union {
		struct {			/* RN_REG */
			const uint8_t	*rodata;	/* from the initrd: the bytes in the boot module */
			uint8_t		*pages[RAMFS_PAGES];	/* written at run time */
			uint32_t	size;
		} f;
		struct {			/* RN_DIR */
			TAILQ_HEAD(, rnode) children;
			uint32_t	nentries;	/* names in it */
			uint32_t	nsubdirs;	/* ... that are directories (st_nlink) */
			uint32_t	next_cookie;
		} d;
	};
};

/* A path name resolved (ramfs_dir.c: namei). */
enum last_kind { LAST_NAME, LAST_DOT, LAST_DOTDOT, LAST_ROOT };

struct nameidata {
	struct rnode	*dir;			/* the directory the last component is looked up in */
	struct rnode	*node;			/* what the path names, or NULL: no such entry */
	enum last_kind	last;			/* the last component: a name, ".", "..", or none ("/") */
	bool		slash;			/* the path ends with '/': it must be a directory */
	char		name[NAME_MAX + 1];	/* the last component (LAST_NAME) */
};

struct file;
struct pollwait;
struct proc;

/* ramfs.c */
extern struct rnode *ramfs_root;
struct rnode *rnode_alloc(enum rnode_type type, mode_t perm);
void	rnode_ref(struct rnode *rn);
void	rnode_rele(struct rnode *rn);
void	ramfs_removed(struct rnode *rn);
void	ramfs_close(struct file *fp);
void	ramfs_fstat(struct file *fp, struct stat *st);
short	ramfs_poll(struct file *fp, struct pollwait *pw);
void	rnode_touch(struct rnode *rn, bool access, bool modify, bool change);
void	rnode_stat(const struct rnode *rn, struct stat *st);
/* ramfs_dir.c */
int	namei(struct proc *p, const char *path, struct nameidata *nd);
int	namei_existing(struct proc *p, const char *path, struct nameidata *nd);
void	dir_link(struct rnode *dir, struct rnode *rn, const char *name);
void	dir_unlink(struct rnode *rn);
struct rnode *dir_lookup(struct rnode *dir, const char *name);

#endif
