/*
 * ramfs's directories (fs/ramfs.h): path names, the names in a directory, and the calls on
 * them: mkdir, rmdir, unlink, rename, getdents, and each process's working directory.
 *
 * A path resolves from the root when it starts with '/', else from the process's working
 * directory (p_cwd; NULL is the root). "." is the directory itself, ".." its parent (the root's
 * is the root); empty components ("a//b") are skipped. Every component but the last must be a
 * directory (ENOTDIR) that exists (ENOENT); a component longer than NAME_MAX is ENAMETOOLONG. A
 * path that ends in '/' must name a directory. There are no links: each node has one name, and
 * lstat is stat.
 *
 * POSIX leaves some errors to the implementation; the choices here: unlink of a directory is
 * EPERM, rmdir and rename onto a non-empty directory ENOTEMPTY, rmdir of "." EINVAL and of ".."
 * ENOTEMPTY, rmdir or rename of the root EBUSY, and anything from the initrd (its files and the
 * directories it made) EROFS to unlink, rmdir or rename, though its directories take new names.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/file.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/uaccess.h>
#include <abi/dirent.h>
#include <string.h>
#include "ramfs.h"

/* -- names in a directory ----------------------------------------------------------------------- */

/* dir_lookup: the entry name of dir, or NULL. */
struct rnode *
dir_lookup(struct rnode *dir, const char *name)
{
	struct rnode *rn;

	TAILQ_FOREACH(rn, &dir->d.children, r_link)
		if (strcmp(rn->r_name, name) == 0)
			return rn;
	return NULL;
}

/* dir_link: rn (with no name) takes name in dir, listed after every entry there now. */
void
dir_link(struct rnode *dir, struct rnode *rn, const char *name)
{
	strlcpy(rn->r_name, name, sizeof(rn->r_name));
	rn->r_parent = dir;
	rn->r_cookie = dir->d.next_cookie++;
	TAILQ_INSERT_TAIL(&dir->d.children, rn, r_link);
	dir->d.nentries++;
	if (rn->r_type == RN_DIR)
		dir->d.nsubdirs++;
	rnode_touch(dir, false, true, false);
	rnode_touch(rn, false, false, true);
}

/* dir_unlink: rn's name leaves its directory (rn itself stays: see ramfs_removed). */
void
dir_unlink(struct rnode *rn)
{
	struct rnode *dir = rn->r_parent;

	TAILQ_REMOVE(&dir->d.children, rn, r_link);
	dir->d.nentries--;
	if (rn->r_type == RN_DIR)
		dir->d.nsubdirs--;
	rn->r_parent = NULL;
	rnode_touch(dir, false, true, false);
	rnode_touch(rn, false, false, true);
}

/* -- path names ----------------------------------------------------------------------------------- */

/* step: the component comp of dir: the node and what kind of name it is. */
static struct rnode *
step(struct rnode *dir, const char *comp, enum last_kind *kind)
{
	if (strcmp(comp, ".") == 0) {
		*kind = LAST_DOT;
		return dir;
	}
	if (strcmp(comp, "..") == 0) {
		*kind = LAST_DOTDOT;
		if (dir == ramfs_root)
			return dir;
		return dir->r_parent;		/* NULL: dir has no name any more */
	}
	*kind = LAST_NAME;
	return dir_lookup(dir, comp);
}

/*
 * namei: resolve path for p (NULL: from the root). On 0, nd says what the last component is
 * (nd->node, NULL when no such entry exists) and where it is looked up (nd->dir). Errors:
 * ENOENT (an empty path, a directory on the way missing), ENOTDIR (a file on the way),
 * ENAMETOOLONG (a component longer than NAME_MAX).
 */
int
namei(struct proc *p, const char *path, struct nameidata *nd)
{
	struct rnode *cur;

	memset(nd, 0, sizeof(*nd));
	if (*path == '\0')
		return ENOENT;
	cur = *path == '/' || p == NULL || p->p_cwd == NULL ? ramfs_root : p->p_cwd;
	nd->dir = nd->node = cur;
	nd->last = LAST_ROOT;
	for (;;) {
		enum last_kind kind;
		char comp[NAME_MAX + 1];

		while (*path == '/')
			path++;
		if (*path == '\0')
			return 0;			/* only slashes: the root (or the start) */
		size_t n = strcspn(path, "/");
		if (n > NAME_MAX)
			return ENAMETOOLONG;
		if (cur == NULL)
			return ENOENT;
		if (cur->r_type != RN_DIR)
			return ENOTDIR;
		memcpy(comp, path, n);
		comp[n] = '\0';
		path += n;
		const char *rest = path;
		while (*rest == '/')
			rest++;
		struct rnode *next = step(cur, comp, &kind);
		if (*rest == '\0') {			/* the last component */
			nd->dir = cur;
			nd->node = next;
			nd->last = kind;
			nd->slash = *path == '/';
			memcpy(nd->name, comp, n + 1);
			return 0;
		}
		cur = next;
	}
}

/* namei_existing: namei, and ENOENT when nothing has the name. */
int
namei_existing(struct proc *p, const char *path, struct nameidata *nd)
{
	int error = namei(p, path, nd);

	return error == 0 && nd->node == NULL ? ENOENT : error;
}

/* remove_name: rn's name goes; rn itself goes now, or at its last reference. */
static void
remove_name(struct rnode *rn)
{
	dir_unlink(rn);
	ramfs_removed(rn);
}

/* -- calls by path name --------------------------------------------------------------------------- */

/* ramfs_mkdir: a new directory path with mode's permission bits. */
int
ramfs_mkdir(struct proc *p, const char *path, mode_t mode)
{
	RAMFS_GUARD();
	struct nameidata nd;
	struct rnode *rn;
	int error;

	if ((error = namei(p, path, &nd)) != 0)
		return error;
	if (nd.node != NULL || nd.last != LAST_NAME)
		return nd.node != NULL ? EEXIST : ENOENT;	/* ".." of a removed directory */
	if (nd.dir->r_removed)
		return ENOENT;
	if ((rn = rnode_alloc(RN_DIR, mode)) == NULL)
		return ramfs_files >= RAMFS_FILES_MAX ? ENOSPC : ENOMEM;
	dir_link(nd.dir, rn, nd.name);
	return 0;
}

/* ramfs_rmdir: remove the empty directory path. */
int
ramfs_rmdir(struct proc *p, const char *path)
{
	RAMFS_GUARD();
	struct nameidata nd;
	struct rnode *rn;
	int error;

	if ((error = namei_existing(p, path, &nd)) != 0)
		return error;
	if ((rn = nd.node)->r_type != RN_DIR)
		return ENOTDIR;
	if (rn == ramfs_root)
		return EBUSY;
	if (nd.last == LAST_DOT)
		return EINVAL;
	if (nd.last == LAST_DOTDOT || rn->d.nentries > 0)
		return ENOTEMPTY;
	if (rn->r_ro)
		return EROFS;
	remove_name(rn);
	return 0;
}

/* ramfs_unlink: remove the name path of a file; EPERM for a directory (POSIX). */
int
ramfs_unlink(struct proc *p, const char *path)
{
	RAMFS_GUARD();
	struct nameidata nd;
	struct rnode *rn;
	int error;

	if ((error = namei_existing(p, path, &nd)) != 0)
		return error;
	if ((rn = nd.node)->r_type == RN_DIR)
		return EPERM;
	if (nd.slash)
		return ENOTDIR;
	if (rn->r_ro)
		return EROFS;
	remove_name(rn);
	return 0;
}

/* is_within: is dir the directory top or somewhere below it? */
static bool
is_within(const struct rnode *dir, const struct rnode *top)
{
	for (; dir != NULL; dir = dir->r_parent)
		if (dir == top)
			return true;
	return false;
}

/*
 * ramfs_rename: from's file or directory takes the name to, in one step. What to named goes
 * (a directory only if it is empty, and only for a directory). Renaming a name to itself, or
 * to another name of the same file, does nothing.
 */
int
ramfs_rename(struct proc *p, const char *from, const char *to)
{
	RAMFS_GUARD();
	struct nameidata src, dst;
	struct rnode *rn, *old;
	int error;

	if ((error = namei_existing(p, from, &src)) != 0)
		return error;
	if (src.slash && src.node->r_type != RN_DIR)
		return ENOTDIR;
	if ((error = namei(p, to, &dst)) != 0)
		return error;
	if (src.last == LAST_ROOT || dst.last == LAST_ROOT)
		return EBUSY;
	if (src.last != LAST_NAME || dst.last != LAST_NAME)
		return EINVAL;			/* "." or ".." as the last component */
	rn = src.node;
	old = dst.node;
	if (rn->r_type != RN_DIR && dst.slash)
		return ENOTDIR;			/* a file named as a directory */
	if (old == rn)
		return 0;
	if (rn->r_type == RN_DIR) {
		if (old != NULL && old->r_type != RN_DIR)
			return ENOTDIR;
		if (is_within(dst.dir, rn))
			return EINVAL;		/* into itself, or below itself */
	} else if (old != NULL && old->r_type == RN_DIR) {
		return EISDIR;
	}
	if (old != NULL && old->r_type == RN_DIR && old->d.nentries > 0)
		return ENOTEMPTY;
	if (rn->r_ro || (old != NULL && old->r_ro))
		return EROFS;
	if (dst.dir->r_removed)
		return ENOENT;
	if (old != NULL)
		remove_name(old);
	dir_unlink(rn);
	dir_link(dst.dir, rn, dst.name);
	return 0;
}

/* -- listing: getdents ------------------------------------------------------------------------------ */

/*
 * put_dirent: one record at ubuf + *done if it fits in len; 0, EINVAL (not even one fits),
 * ERANGE (no more fit: the caller stops there) or EFAULT.
 */
static int
put_dirent(struct proc *p, uint32_t ubuf, size_t len, size_t *done, const struct rnode *rn,
    const char *name, uint32_t next)
{
	struct dirent d;
	size_t namelen = strlen(name), reclen = DIRENT_RECLEN(namelen);

	if (*done + reclen > len)
		return *done == 0 ? EINVAL : ERANGE;
	memset(&d, 0, sizeof(d));
	d.d_ino = rn->r_ino;
	d.d_off = next;
	d.d_reclen = (uint16_t)reclen;
	d.d_type = rn->r_type == RN_DIR ? DT_DIR : DT_REG;
	memcpy(d.d_name, name, namelen + 1);
	if (proc_copyout(p, ubuf + *done, &d, reclen) != 0)
		return EFAULT;
	*done += reclen;
	return 0;
}

/*
 * ramfs_getdents: the entries of the directory open as fp from its position on, as many as fit
 * in len bytes at p's ubuf: ".", "..", then the names in the order they were made. EINVAL when
 * not even the next one fits. A directory with no name lists nothing.
 */
int
ramfs_getdents(struct file *fp, struct proc *p, uint32_t ubuf, size_t len, size_t *done)
{
	RAMFS_GUARD();
	struct rnode *dir = fp->f_data, *rn;
	int error = 0;

	*done = 0;
	if (dir->r_removed)
		return 0;
	if (fp->f_offset == 0 && (error = put_dirent(p, ubuf, len, done, dir, ".", 1)) == 0)
		fp->f_offset = 1;
	if (error == 0 && fp->f_offset == 1 && (error = put_dirent(p, ubuf, len, done,
	    dir->r_parent ? dir->r_parent : dir, "..", RAMFS_FIRST_COOKIE)) == 0)
		fp->f_offset = RAMFS_FIRST_COOKIE;
	TAILQ_FOREACH(rn, &dir->d.children, r_link) {
		if (error != 0)
			break;
		if (rn->r_cookie < fp->f_offset)
			continue;
		if ((error = put_dirent(p, ubuf, len, done, rn, rn->r_name, rn->r_cookie + 1)) == 0)
			fp->f_offset = rn->r_cookie + 1;
	}
	rnode_touch(dir, true, false, false);
	if (error == ERANGE || (error == EFAULT && *done > 0))
		return 0;			/* full, or faulted after some: those count */
	return error;
}

/* The ops of an open directory: read is EISDIR; lseek moves among entries (d_off values). */
static int
dir_read(struct file *fp, struct ksysmsg *ksm, void *ubuf, size_t len)
{
	(void)fp, (void)ksm, (void)ubuf, (void)len;
	return EISDIR;
}

static int
dir_seek(struct file *fp, off_t offset, int whence, off_t *newoff)
{
	RAMFS_GUARD();
	off_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? fp->f_offset : -1;

	if (base < 0 || base + offset < 0 || base + offset > 0xffffffffll)
		return EINVAL;
	fp->f_offset = base + offset;
	*newoff = fp->f_offset;
	return 0;
}

const struct fileops ramfs_dir_ops = {
	.fo_read = dir_read, .fo_seek = dir_seek, .fo_close = ramfs_close,
	.fo_stat = ramfs_fstat, .fo_poll = ramfs_poll,
};

/* -- the working directory ---------------------------------------------------------------------- */

/* ramfs_chdir: p's working directory is path from now on. */
int
ramfs_chdir(struct proc *p, const char *path)
{
	RAMFS_GUARD();
	struct nameidata nd;
	struct rnode *rn;
	int error;

	if ((error = namei_existing(p, path, &nd)) != 0)
		return error;
	if ((rn = nd.node)->r_type != RN_DIR)
		return ENOTDIR;
	if (rn == ramfs_root)
		rn = NULL;			/* the root needs no reference */
	else
		rnode_ref(rn);
	ramfs_cwd_release(p);
	p->p_cwd = rn;
	return 0;
}

#define CWD_MAX		(4 * PATH_MAX)	/* the longest working directory getcwd reports */

/*
 * ramfs_getcwd: p's working directory as an absolute path into buf (user memory, len bytes);
 * *n is its length with the NUL. EINVAL: len is 0; ERANGE: it does not fit; ENOENT: the
 * directory has no name any more; ENAMETOOLONG: longer than CWD_MAX.
 */
int
ramfs_getcwd(struct proc *p, char *buf, size_t len, size_t *n)
{
	RAMFS_GUARD();
	char path[CWD_MAX];
	size_t at = sizeof(path) - 1;
	const struct rnode *rn;

	if (len == 0)
		return EINVAL;
	path[at] = '\0';
	for (rn = p->p_cwd; rn != NULL && rn != ramfs_root; rn = rn->r_parent) {
		size_t namelen = strlen(rn->r_name);
		if (rn->r_removed)
			return ENOENT;
		if (namelen + 1 > at)
			return ENAMETOOLONG;
		at -= namelen;
		memcpy(path + at, rn->r_name, namelen);
		path[--at] = '/';
	}
	if (at == sizeof(path) - 1)
		path[--at] = '/';		/* the root */
	*n = sizeof(path) - at;			/* with the NUL */
	if (*n > len)
		return ERANGE;
	return copyout(path + at, buf, *n) != 0 ? EFAULT : 0;
}

/* ramfs_cwd_inherit: a new process starts in its parent's working directory. */
void
ramfs_cwd_inherit(struct proc *child, struct proc *parent)
{
	RAMFS_GUARD();
	if ((child->p_cwd = parent->p_cwd) != NULL)
		rnode_ref(child->p_cwd);
}

/* ramfs_cwd_release: p leaves its working directory (it ends, or changes directory). */
void
ramfs_cwd_release(struct proc *p)
{
	RAMFS_GUARD();
	if (p->p_cwd != NULL)
		rnode_rele(p->p_cwd);
	p->p_cwd = NULL;
}
