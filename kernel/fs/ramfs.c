/*
 * ramfs: the file system, in memory. Its tree starts with /tmp and the initrd's files (read-only:
 * their bytes stay in the boot module) in the directories their paths name; programs add files
 * (open with O_CREAT), whose bytes live in kernel pages, and directories (ramfs_dir.c, with the
 * path names, unlink, rename and listings).
 *
 * What is made at run time shares one quota (docs/reliability.md): at most RAMFS_FILES_MAX files
 * and directories, and RAMFS_QUOTA_PAGES pages of data in all; beyond it, making one or writing
 * a new page is ENOSPC. A file or directory whose name is gone gives its memory back when its
 * last open file closes (and, for a directory, the last process leaves it as its working one).
 *
 * Times are kept in clock ticks (10 ms) and reported as the realtime clock's time then.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/file.h>
#include <sys/globaldata.h>
#include <sys/initrd.h>
#include <sys/ksysmsg.h>
#include <sys/malloc.h>
#include <sys/poll.h>
#include <sys/proc.h>
#include <sys/thread2.h>
#include <string.h>
#include <vm/vm.h>
#include "ramfs.h"

struct lwkt_token ramfs_token = LWKT_TOKEN_INITIALIZER(ramfs_token);

struct rnode *ramfs_root;
uint32_t ramfs_files, ramfs_pages;	/* nodes made at run time and their pages: the quota's use */
static uint32_t next_ino = 1;

/* -- nodes ---------------------------------------------------------------------------------------- */

/* rnode_touch: mark the node's times (access: st_atime, modify: st_mtime, change: st_ctime). */
void
rnode_touch(struct rnode *rn, bool access, bool modify, bool change)
{
	uint64_t now = mycpu->gd_ticks;

	if (access)
		rn->r_atime = now;
	if (modify)
		rn->r_mtime = now;
	if (modify || change)
		rn->r_ctime = now;
}

/*
 * rnode_alloc: a node of type, not in the tree yet, counted in the quota: NULL when the quota's
 * node count is spent (ENOSPC for the caller) or memory is out (ENOMEM).
 */
struct rnode *
rnode_alloc(enum rnode_type type, mode_t perm)
{
	struct rnode *rn;

	if (ramfs_files >= RAMFS_FILES_MAX || (rn = kzalloc(sizeof(*rn))) == NULL)
		return NULL;
	rn->r_type = type;
	rn->r_perm = perm & ALLPERMS;
	rn->r_ino = next_ino++;
	if (type == RN_DIR) {
		TAILQ_INIT(&rn->d.children);
		rn->d.next_cookie = RAMFS_FIRST_COOKIE;
	}
	rnode_touch(rn, true, true, true);
	ramfs_files++;
	return rn;
}

static void
truncate(struct rnode *rn)
{
	for (int i = 0; i < RAMFS_PAGES; i++)
		if (rn->f.pages[i] != NULL) {
			vm_page_free(rn->f.pages[i]);
			rn->f.pages[i] = NULL;
			ramfs_pages--;
		}
	rn->f.size = 0;
}

/* rnode_free: the last of a node that has no name and no reference. */
static void
rnode_free(struct rnode *rn)
{
	KASSERT(rn->r_removed && rn->r_refs == 0 && !rn->r_ro, "freeing a ramfs node in use");
	if (rn->r_type == RN_REG)
		truncate(rn);
	ramfs_files--;
	kfree(rn);
}

void
rnode_ref(struct rnode *rn)
{
	rn->r_refs++;
}

/* rnode_rele: one reference less; a node without a name goes with its last one. */
void
rnode_rele(struct rnode *rn)
{
	KASSERT(rn->r_refs > 0, "ramfs node released once too often");
	if (--rn->r_refs == 0 && rn->r_removed)
		rnode_free(rn);
}

/* ramfs_removed: dir_unlink took the node's name: it goes now, or at its last reference. */
void
ramfs_removed(struct rnode *rn)
{
	rn->r_removed = true;
	if (rn->r_refs == 0)
		rnode_free(rn);
}

/* rnode_stat: rn's struct stat (abi/stat.h); a node with no name has no links. */
void
rnode_stat(const struct rnode *rn, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = ST_DEV_RAMFS;
	st->st_ino = rn->r_ino;
	st->st_mode = (rn->r_type == RN_DIR ? S_IFDIR : S_IFREG) | rn->r_perm;
	st->st_blksize = PAGE_SIZE;
	if (rn->r_type == RN_DIR) {
		st->st_nlink = rn->r_removed ? 0 : 2 + rn->d.nsubdirs;
		st->st_size = rn->r_removed ? 0 : 2 + rn->d.nentries;
	} else {
		st->st_nlink = rn->r_removed ? 0 : 1;
		st->st_size = rn->f.size;
		if (rn->r_ro)				/* its bytes, in the boot module */
			st->st_blocks = (rn->f.size + 511) / 512;
		else					/* its pages: a hole takes none */
			for (int i = 0; i < RAMFS_PAGES; i++)
				st->st_blocks += rn->f.pages[i] != NULL ? PAGE_SIZE / 512 : 0;
	}
	st->st_atim = realtime_at(rn->r_atime);
	st->st_mtim = realtime_at(rn->r_mtime);
	st->st_ctim = realtime_at(rn->r_ctime);
}

/* -- file data ------------------------------------------------------------------------------------ */

/* rw: copy between a file and p's memory at [off, off+len); returns bytes moved or -errno. */
static int
rw(struct rnode *rn, struct proc *p, uint32_t ubuf, uint32_t off, uint32_t len, bool write)
{
	uint32_t done = 0;

	while (done < len) {
		uint32_t pos = off + done, chunk = PAGE_SIZE - (pos % PAGE_SIZE);
		if (chunk > len - done)
			chunk = len - done;
		int error;
		if (rn->r_ro) {
			error = proc_copyout(p, ubuf + done, rn->f.rodata + pos, chunk);
		} else {
			uint8_t **pg = &rn->f.pages[pos / PAGE_SIZE];
			if (*pg == NULL && write) {
				if (ramfs_pages >= RAMFS_QUOTA_PAGES || (*pg = vm_page_alloc()) == NULL)
					return done ? (int)done : -ENOSPC;
				ramfs_pages++;
			}
			if (*pg == NULL) {		/* a hole: reads as zeros */
				static const uint8_t zeros[PAGE_SIZE];
				error = proc_copyout(p, ubuf + done, zeros, chunk);
			} else if (write) {
				error = proc_copyin(p, ubuf + done, *pg + pos % PAGE_SIZE, chunk);
			} else {
				error = proc_copyout(p, ubuf + done, *pg + pos % PAGE_SIZE, chunk);
			}
		}
		if (error)
			return done ? (int)done : -EFAULT;
		done += chunk;
	}
	return (int)done;
}

static int
ramfs_read(struct file *fp, struct ksysmsg *ksm, void *ubuf, size_t len)
{
	RAMFS_GUARD();
	struct rnode *rn = fp->f_data;
	int n;

	if (fp->f_offset >= rn->f.size) {
		SYSMSG_RESULT(ksm) = 0;
		return 0;
	}
	if (len > rn->f.size - fp->f_offset)
		len = rn->f.size - (uint32_t)fp->f_offset;
	n = rw(rn, ksm->km_proc, (uint32_t)ubuf, (uint32_t)fp->f_offset, len, false);
	if (n < 0)
		return -n;
	fp->f_offset += n;
	rnode_touch(rn, true, false, false);
	SYSMSG_RESULT(ksm) = n;
	return 0;
}

static int
ramfs_write(struct file *fp, struct ksysmsg *ksm, const void *ubuf, size_t len)
{
	RAMFS_GUARD();
	struct rnode *rn = fp->f_data;
	uint64_t max = (uint64_t)RAMFS_PAGES * PAGE_SIZE;
	int n;

	if (rn->r_ro)
		return EROFS;
	if (fp->f_flags & FAPPEND)
		fp->f_offset = rn->f.size;
	if ((uint64_t)fp->f_offset >= max)
		return ENOSPC;
	if (fp->f_offset + len > max)
		len = max - fp->f_offset;
	n = rw(rn, ksm->km_proc, (uint32_t)ubuf, (uint32_t)fp->f_offset, len, true);
	if (n < 0)
		return -n;
	fp->f_offset += n;
	if (fp->f_offset > rn->f.size)
		rn->f.size = (uint32_t)fp->f_offset;
	rnode_touch(rn, false, true, false);
	SYSMSG_RESULT(ksm) = n;
	return 0;
}

static int
ramfs_seek(struct file *fp, off_t offset, int whence, off_t *newoff)
{
	RAMFS_GUARD();
	struct rnode *rn = fp->f_data;
	off_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? fp->f_offset :
	    whence == SEEK_END ? (off_t)rn->f.size : -1;

	if (base < 0 || base + offset < 0)
		return EINVAL;
	fp->f_offset = base + offset;
	*newoff = fp->f_offset;
	return 0;
}

/* ramfs_close: a file or a directory (ramfs_dir_ops share it). */
void
ramfs_close(struct file *fp)
{
	RAMFS_GUARD();
	rnode_rele(fp->f_data);
}

/* ramfs_fstat: a file or a directory. */
void
ramfs_fstat(struct file *fp, struct stat *st)
{
	RAMFS_GUARD();
	rnode_stat(fp->f_data, st);
}

/* ramfs_poll: a file or a directory is always ready: reads and writes never wait (POSIX). */
short
ramfs_poll(struct file *fp, struct pollwait *pw)
{
	(void)fp;
	(void)pw;
	return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
}

static const struct fileops ramfs_ops = {
	.fo_read = ramfs_read, .fo_write = ramfs_write, .fo_seek = ramfs_seek,
	.fo_close = ramfs_close, .fo_stat = ramfs_fstat, .fo_poll = ramfs_poll,
};

/* -- by path name ----------------------------------------------------------------------------------- */

/* create: a new empty file named nd->name in nd->dir. */
static int
create(struct nameidata *nd, mode_t mode, struct rnode **rnp)
{
	struct rnode *rn;

	if (nd->dir->r_removed)
		return ENOENT;			/* a directory with no name takes no new names */
	if ((rn = rnode_alloc(RN_REG, mode)) == NULL)
		return ramfs_files >= RAMFS_FILES_MAX ? ENOSPC : ENOMEM;
	dir_link(nd->dir, rn, nd->name);
	*rnp = rn;
	return 0;
}

/*
 * ramfs_open: open path with open's flags (abi/fcntl.h). A directory opens read-only (for
 * getdents); EISDIR for writing one. O_CREAT makes a file with mode's permission bits; O_EXCL
 * then refuses an existing name (EEXIST); a name that ends in '/' is never made (EISDIR).
 * EROFS: writing or truncating an initrd file.
 */
int
ramfs_open(struct proc *p, const char *path, int flags, mode_t mode, struct file **fpp)
{
	RAMFS_GUARD();
	struct nameidata nd;
	struct rnode *rn;
	int access = flags & O_ACCMODE;
	int fflags = (access == O_RDONLY ? FREAD : access == O_WRONLY ? FWRITE : FREAD | FWRITE) |
	    ((flags & O_APPEND) ? FAPPEND : 0);
	int error;

	if ((error = namei(p, path, &nd)) != 0)
		return error;
	rn = nd.node;
	if (rn == NULL) {
		if ((flags & O_CREAT) == 0 || nd.last != LAST_NAME)
			return ENOENT;		/* (".." of a directory with no name any more) */
		if (nd.slash)
			return EISDIR;		/* "name/": only a directory could be it */
		if (flags & O_DIRECTORY)
			return ENOENT;
		if ((error = create(&nd, mode, &rn)) != 0)
			return error;
	} else {
		if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
			return EEXIST;
		if (rn->r_type == RN_DIR) {
			if (fflags & FWRITE || (flags & O_CREAT && !(flags & O_DIRECTORY)))
				return EISDIR;
		} else {
			if (nd.slash || (flags & O_DIRECTORY))
				return ENOTDIR;
			if (rn->r_ro && (fflags & FWRITE || flags & O_TRUNC))
				return EROFS;
		}
	}
	if ((*fpp = file_alloc(rn->r_type == RN_DIR ? &ramfs_dir_ops : &ramfs_ops, rn,
	    fflags & ~(rn->r_type == RN_DIR ? FAPPEND : 0))) == NULL)
		return ENOMEM;
	if (rn->r_type == RN_REG && (flags & O_TRUNC) && (fflags & FWRITE) && nd.node != NULL) {
		truncate(rn);
		rnode_touch(rn, false, true, false);
	}
	rnode_ref(rn);
	return 0;
}

/* ramfs_stat: the struct stat of path's file or directory. */
int
ramfs_stat(struct proc *p, const char *path, struct stat *st)
{
	RAMFS_GUARD();
	struct nameidata nd;
	int error;

	if ((error = namei_existing(p, path, &nd)) != 0)
		return error;
	if (nd.slash && nd.node->r_type != RN_DIR)
		return ENOTDIR;
	rnode_stat(nd.node, st);
	return 0;
}

/*
 * ramfs_exec_image: the bytes of the program at path, for exec: an initrd file. EACCES: not a
 * regular file (POSIX); ENOEXEC: a file written at run time (its pages are not one image).
 */
int
ramfs_exec_image(struct proc *p, const char *path, const void **data, size_t *size)
{
	RAMFS_GUARD();
	struct nameidata nd;
	int error;

	if ((error = namei_existing(p, path, &nd)) != 0)
		return error;
	if (nd.node->r_type != RN_REG)
		return EACCES;
	if (nd.slash)
		return ENOTDIR;
	if (!nd.node->r_ro)
		return ENOEXEC;
	*data = nd.node->f.rodata;
	*size = nd.node->f.size;
	rnode_touch(nd.node, true, false, false);
	return 0;
}

/* -- the initrd's tree ---------------------------------------------------------------------------- */

/* initrd_node: a node of the initrd's tree: read-only, outside the quota, never freed. */
static struct rnode *
initrd_node(enum rnode_type type, mode_t perm)
{
	struct rnode *rn = kzalloc(sizeof(*rn));

	if (rn == NULL)
		panic("ramfs: no memory for the initrd's files");
	rn->r_type = type;
	rn->r_perm = perm;
	rn->r_ro = true;
	rn->r_ino = next_ino++;
	if (type == RN_DIR) {
		TAILQ_INIT(&rn->d.children);
		rn->d.next_cookie = RAMFS_FIRST_COOKIE;
	}
	rnode_touch(rn, true, true, true);
	return rn;
}

/* add_initrd_file: one file of the initrd, with the directories its path names. */
static void
add_initrd_file(const char *path, const void *data, size_t size)
{
	struct rnode *dir = ramfs_root, *rn;
	char name[NAME_MAX + 1];

	for (;;) {
		while (*path == '/')
			path++;
		size_t n = strcspn(path, "/");
		if (n == 0 || n > NAME_MAX || (n <= 2 && strncmp(path, "..", n) == 0)) {
			printf("ramfs: initrd file name \"%s\" skipped\n", path);
			return;
		}
		memcpy(name, path, n);
		name[n] = '\0';
		path += n;
		while (*path == '/')
			path++;
		if (*path == '\0')
			break;
		if ((rn = dir_lookup(dir, name)) == NULL)
			dir_link(dir, rn = initrd_node(RN_DIR, 0755), name);
		if (rn->r_type != RN_DIR) {
			printf("ramfs: initrd file %s is also a directory: skipped\n", name);
			return;
		}
		dir = rn;
	}
	if (dir_lookup(dir, name) != NULL)
		return;				/* the archive holds it twice: the first one counts */
	rn = initrd_node(RN_REG, 0555);
	rn->f.rodata = data;
	rn->f.size = (uint32_t)size;
	dir_link(dir, rn, name);
}

/* ramfs_init: the root, and the initrd's files in their directories. */
void
ramfs_init(void)
{
	ramfs_root = initrd_node(RN_DIR, 0755);	/* never removed or renamed; takes new names */
	dir_link(ramfs_root, initrd_node(RN_DIR, 01777), "tmp");	/* scratch space, always there */
	initrd_foreach(add_initrd_file);
}
