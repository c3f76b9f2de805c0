/*
 * ramfs: a flat namespace of files in memory. The initrd's files are there from boot,
 * read-only (their bytes stay in the boot module); open with O_CREAT makes new, writable files
 * whose bytes live in kernel pages, and unlink removes them. Names are paths like "/bin/demo" or
 * "/tmp/x"; there are no directories to make or list.
 *
 * Writable files share one quota (docs/reliability.md): at most RAMFS_FILES_MAX of them and
 * RAMFS_QUOTA_PAGES pages of data in all; beyond it, creating a file or writing a new page is
 * ENOSPC. An unlinked file leaves the namespace at once and gives its pages back when its last
 * open file closes.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/file.h>
#include <sys/initrd.h>
#include <sys/ksysmsg.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/thread2.h>
#include <string.h>
#include <vm/vm.h>

#define RAMFS_NAME_MAX	128
#define RAMFS_PAGES	64		/* a writable file holds up to 256 KiB */
#define RAMFS_FILES_MAX	64		/* writable files, all processes together */
#define RAMFS_QUOTA_PAGES 1024		/* pages of writable files' data in all: 4 MiB */

struct rnode {
	TAILQ_ENTRY(rnode) r_link;
	char		r_name[RAMFS_NAME_MAX];
	bool		r_ro;			/* from the initrd */
	const uint8_t	*r_rodata;		/* read-only files: the bytes in the boot module */
	uint8_t		*r_pages[RAMFS_PAGES];	/* writable files */
	uint32_t	r_size;
	uint32_t	r_opens;		/* open files on it */
	bool		r_unlinked;		/* out of the namespace; freed at the last close */
};

static TAILQ_HEAD(, rnode) nodes = TAILQ_HEAD_INITIALIZER(nodes);
uint32_t ramfs_files, ramfs_pages;		/* writable files and their pages (the quota's use) */

static const char *
canonical(const char *path)
{
	while (*path == '/')
		path++;
	return path;
}

static struct rnode *
lookup(const char *path)
{
	struct rnode *rn;

	path = canonical(path);
	TAILQ_FOREACH(rn, &nodes, r_link)
		if (strcmp(rn->r_name, path) == 0)
			return rn;
	/* Initrd files are found lazily, on first open. */
	const void *data;
	size_t size;
	if (initrd_lookup(path, &data, &size) != 0)
		return NULL;
	if ((rn = kzalloc(sizeof(*rn))) == NULL)
		return NULL;
	strlcpy(rn->r_name, path, sizeof(rn->r_name));
	rn->r_ro = true;
	rn->r_rodata = data;
	rn->r_size = size;
	TAILQ_INSERT_TAIL(&nodes, rn, r_link);
	return rn;
}

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
			error = proc_copyout(p, ubuf + done, rn->r_rodata + pos, chunk);
		} else {
			uint8_t **pg = &rn->r_pages[pos / PAGE_SIZE];
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
	struct rnode *rn = fp->f_data;
	int n;

	if (fp->f_offset >= rn->r_size) {
		SYSMSG_RESULT(ksm) = 0;
		return 0;
	}
	if (len > rn->r_size - fp->f_offset)
		len = rn->r_size - (uint32_t)fp->f_offset;
	n = rw(rn, ksm->km_proc, (uint32_t)ubuf, (uint32_t)fp->f_offset, len, false);
	if (n < 0)
		return -n;
	fp->f_offset += n;
	SYSMSG_RESULT(ksm) = n;
	return 0;
}

static int
ramfs_write(struct file *fp, struct ksysmsg *ksm, const void *ubuf, size_t len)
{
	struct rnode *rn = fp->f_data;
	uint64_t max = (uint64_t)RAMFS_PAGES * PAGE_SIZE;
	int n;

	if (rn->r_ro)
		return EROFS;
	if (fp->f_flags & FAPPEND)
		fp->f_offset = rn->r_size;
	if ((uint64_t)fp->f_offset >= max)
		return ENOSPC;
	if (fp->f_offset + len > max)
		len = max - fp->f_offset;
	n = rw(rn, ksm->km_proc, (uint32_t)ubuf, (uint32_t)fp->f_offset, len, true);
	if (n < 0)
		return -n;
	fp->f_offset += n;
	if (fp->f_offset > rn->r_size)
		rn->r_size = (uint32_t)fp->f_offset;
	SYSMSG_RESULT(ksm) = n;
	return 0;
}

static int
ramfs_seek(struct file *fp, off_t offset, int whence, off_t *newoff)
{
	struct rnode *rn = fp->f_data;
	off_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? fp->f_offset :
	    whence == SEEK_END ? (off_t)rn->r_size : -1;

	if (base < 0 || base + offset < 0)
		return EINVAL;
	fp->f_offset = base + offset;
	*newoff = fp->f_offset;
	return 0;
}

static void
truncate(struct rnode *rn)
{
	for (int i = 0; i < RAMFS_PAGES; i++)
		if (rn->r_pages[i] != NULL) {
			vm_page_free(rn->r_pages[i]);
			rn->r_pages[i] = NULL;
			ramfs_pages--;
		}
	rn->r_size = 0;
}

/* destroy: the last of an unlinked writable file (no name, no open file) goes. */
static void
destroy(struct rnode *rn)
{
	truncate(rn);
	ramfs_files--;
	kfree(rn);
}

static void
ramfs_close(struct file *fp)
{
	struct rnode *rn = fp->f_data;

	if (--rn->r_opens == 0 && rn->r_unlinked)
		destroy(rn);
}

static const struct fileops ramfs_ops = { ramfs_read, ramfs_write, ramfs_seek, ramfs_close };

/* ramfs_open: a file for path with open flags; EROFS for writing an initrd file. */
int
ramfs_open(const char *path, int flags, struct file **fpp)
{
	struct rnode *rn;
	int access = flags & O_ACCMODE;
	int fflags = (access == O_RDONLY ? FREAD : access == O_WRONLY ? FWRITE : FREAD | FWRITE) |
	    ((flags & O_APPEND) ? FAPPEND : 0);

	if (*canonical(path) == '\0')
		return ENOENT;
	crit_enter();
	rn = lookup(path);
	if (rn == NULL && (flags & O_CREAT)) {
		if (strlen(canonical(path)) >= RAMFS_NAME_MAX) {
			crit_exit();
			return ENAMETOOLONG;
		}
		if (ramfs_files >= RAMFS_FILES_MAX) {
			crit_exit();
			return ENOSPC;
		}
		if ((rn = kzalloc(sizeof(*rn))) == NULL) {
			crit_exit();
			return ENOMEM;
		}
		strlcpy(rn->r_name, canonical(path), sizeof(rn->r_name));
		TAILQ_INSERT_TAIL(&nodes, rn, r_link);
		ramfs_files++;
	}
	crit_exit();
	if (rn == NULL)
		return ENOENT;
	if (rn->r_ro && (fflags & FWRITE || flags & O_TRUNC))
		return EROFS;
	if ((*fpp = file_alloc(&ramfs_ops, rn, fflags)) == NULL)
		return ENOMEM;
	if (flags & O_TRUNC)
		truncate(rn);
	rn->r_opens++;
	return 0;
}

/*
 * ramfs_unlink: path leaves the namespace; its pages go now if no file has it open, else at
 * the last close. EROFS for an initrd file, ENOENT for no such file.
 */
int
ramfs_unlink(const char *path)
{
	struct rnode *rn;

	if (*canonical(path) == '\0')
		return ENOENT;
	crit_enter();
	rn = lookup(path);
	if (rn == NULL || rn->r_ro) {
		crit_exit();
		return rn == NULL ? ENOENT : EROFS;
	}
	TAILQ_REMOVE(&nodes, rn, r_link);
	rn->r_unlinked = true;
	if (rn->r_opens == 0)
		destroy(rn);
	crit_exit();
	return 0;
}
