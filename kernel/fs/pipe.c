/*
 * Pipes: a 4 KiB ring of bytes between a read end and a write end. Blocking is message-shaped:
 * a read of an empty pipe, or a write to a full one, files its ksysmsg on the pipe and answers
 * EASYNC; the other end's next write (read) completes it. A read answers with what there is (at
 * least one byte) or 0 once no writer is left; a write of PIPE_BUF bytes or fewer waits until
 * all of it fits and writes it at once (POSIX's atomic writes), a longer one writes what fits (at
 * least one byte) and answers that count (libcr's write() goes on with the rest), or EPIPE once
 * no reader is left. poll waits on a pipe through its pollq
 * (sys/poll.h): every change of its state (bytes in or out, an end closed) is a pollwakeup.
 *
 * Who moves the bytes: a caller that waits in the kernel (a synchronous call) is woken with
 * ERESTART and moves them itself, in its own address space, through the MMU, in the resume hook
 * the pipe set when it filed the call (pipe_resume_read, pipe_resume_write: the call goes on
 * where it waited, without running its handler again); an asynchronous call, whose process is not
 * in the kernel, has them moved by whoever completes it, through its process's page tables
 * (proc_copyin/proc_copyout). Either way each byte is copied twice: into the pipe's buffer by the
 * writer, out of it by the reader.
 *
 * Lifetime: a pipe lives while it has an open end (readers, writers) or a synchronous call it
 * woke with ERESTART has not yet run its resume hook (resuming). The hook finds the pipe through
 * km_obj, not through the descriptor, which another thread may have closed meanwhile: the call
 * goes on on the pipe it waited on, as a call that never waited would have. serve_waiting counts
 * resuming up as it wakes such a call; the hook counts it down first thing, and frees the pipe
 * when it was the last of it (pipe_release). wait_sync runs the hook exactly once for each
 * ERESTART (kern_sysmsg.c), so the count always comes back to zero.
 *
 * Across CPUs (docs/smp.md) each pipe has a spin lock, pp->lock, held (inside a critical
 * section, as every spin lock is) by each operation from start to end — pipe_read, pipe_write,
 * a resume hook, abort, close: nothing here blocks, and completing a waiting call
 * (sysmsg_complete) or a poll only replies or schedules, which reach another CPU by IPI message
 * without waiting for it. The pipe is freed only after its lock is let go. The poll functions
 * take no lock: serve's pollwakeup calls them with it held, and their reads of one word each
 * need none; the poll queue itself (pp->pollers, sys_poll.c) is still guarded only by CPU 0's
 * critical sections, as polls still run on CPU 0 only.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/file.h>
#include <sys/ksysmsg.h>
#include <sys/globaldata.h>
#include <sys/malloc.h>
#include <sys/poll.h>
#include <sys/proc.h>
#include <sys/spinlock.h>
#include <sys/sysmsg.h>
#include <sys/thread2.h>
#include <sys/uaccess.h>
#include <vm/vm.h>
#include <abi/limits.h>
#include <abi/stat.h>

#define PIPE_SIZE	4096
_Static_assert(PIPE_BUF <= PIPE_SIZE, "a write of PIPE_BUF bytes must fit in an empty pipe");

struct pipe {
	struct spinlock	lock;			/* everything below, across CPUs */
	char		*buf;			/* PIPE_SIZE bytes (one page) */
	uint32_t	rpos;			/* next byte to read */
	uint32_t	count;			/* bytes in the pipe */
	int		readers, writers;	/* open ends */
	uint32_t	resuming;		/* woken synchronous calls whose hook has not run */
	TAILQ_HEAD(, ksysmsg) rwait;		/* reads waiting for bytes */
	TAILQ_HEAD(, ksysmsg) wwait;		/* writes waiting for room */
	struct pollq	pollers;		/* polls waiting for a change */
	uint32_t	ino;			/* its number (st_ino) */
	uint32_t	atime, mtime;		/* clock ticks (their low 32 bits: 497 days):
						   last read, last write (or made) */
};

uint32_t pipes_alive;
static uint32_t pipe_next_ino = 1;

/*
 * move_bytes: copy n bytes between the pipe's buffer at k and p's memory at ubuf (out: into p's).
 * The pipe's common case, the caller's own call, copies through the MMU at once (user_copy, the
 * range checked here as copyin and copyout do); a call of another process completed from here
 * goes through its page tables (proc_copyin, proc_copyout). 0 or EFAULT.
 */
static inline __attribute__((always_inline)) int
move_bytes(struct proc *p, uint32_t ubuf, char *k, uint32_t n, bool out)
{
	if (__builtin_expect(pmap_is_current(&p->p_pmap), 1)) {
		if (!user_range(ubuf, n))
			return EFAULT;
		return out ? user_copy((void *)ubuf, k, n) : user_copy(k, (const void *)ubuf, n);
	}
	return out ? proc_copyout(p, ubuf, k, n) : proc_copyin(p, ubuf, k, n);
}

/* take_bytes: move up to len bytes out of the pipe into p's memory at ubuf. */
static uint32_t
take_bytes(struct pipe *pp, struct proc *p, uint32_t ubuf, uint32_t len)
{
	uint32_t done = 0;

	while (done < len && pp->count > 0) {
		uint32_t chunk = PIPE_SIZE - pp->rpos;
		if (chunk > pp->count)
			chunk = pp->count;
		if (chunk > len - done)
			chunk = len - done;
		if (move_bytes(p, ubuf + done, pp->buf + pp->rpos, chunk, true) != 0)
			break;
		pp->rpos = (pp->rpos + chunk) % PIPE_SIZE;
		pp->count -= chunk;
		done += chunk;
		pp->atime = (uint32_t)mycpu->gd_ticks;
	}
	return done;
}

/* put_bytes: move up to len bytes from p's memory at ubuf into the pipe. */
static uint32_t
put_bytes(struct pipe *pp, struct proc *p, uint32_t ubuf, uint32_t len)
{
	uint32_t done = 0;

	while (done < len && pp->count < PIPE_SIZE) {
		uint32_t wpos = (pp->rpos + pp->count) % PIPE_SIZE;
		uint32_t chunk = PIPE_SIZE - wpos;		/* contiguous up to the buffer's end */
		if (chunk > PIPE_SIZE - pp->count)		/* ... and no further than the room */
			chunk = PIPE_SIZE - pp->count;
		if (chunk > len - done)
			chunk = len - done;
		if (move_bytes(p, ubuf + done, pp->buf + wpos, chunk, false) != 0)
			break;
		pp->count += chunk;
		done += chunk;
		pp->mtime = (uint32_t)mycpu->gd_ticks;
	}
	return done;
}

/*
 * room_for: whether a write of len bytes may go now. POSIX: "Write requests of {PIPE_BUF} bytes
 * or less shall not be interleaved with data from other processes": such a write waits until
 * all of it fits, and then goes in one piece; a longer one goes as soon as a byte fits (libcr's
 * write() calls again for the rest).
 */
static inline bool
room_for(const struct pipe *pp, size_t len)
{
	return PIPE_SIZE - pp->count >= (len <= PIPE_BUF ? len : 1);
}

/* The arguments of a waiting read or write (the same layout: fd, buf, len). */
static struct read_msg *
args_of(struct ksysmsg *ksm)
{
	return (struct read_msg *)ksm->km_args.bytes;
}

/*
 * serve, serve_waiting: complete what the pipe's state now allows: waiting reads, then waiting
 * writes (serve looks whether anybody waits, inline; serve_waiting does the work). A
 * synchronous waiter is only woken (ERESTART, the pipe kept alive for it: resuming) to move its
 * bytes itself, and serving that side stops there for now: its resume hook serves the rest once
 * it has run. (Nothing is reserved for it: should another reader take the bytes first, it
 * simply waits again, at the head.)
 */
static __attribute__((noinline)) void
serve_waiting(struct pipe *pp)
{
	struct ksysmsg *ksm;
	bool progress = true;

	while (progress) {
		progress = false;
		while ((ksm = TAILQ_FIRST(&pp->rwait)) != NULL && (pp->count > 0 || pp->writers == 0)) {
			TAILQ_REMOVE(&pp->rwait, ksm, km_wlink);
			if (ksm->km_flags & KMF_SYNC) {
				pp->resuming++;
				sysmsg_complete(ksm, ERESTART, 0);
				break;
			}
			struct read_msg *a = args_of(ksm);
			uint32_t n = take_bytes(pp, ksm->km_proc, (uint32_t)a->buf, a->len);
			sysmsg_complete(ksm, 0, n);
			progress |= n > 0;
		}
		while ((ksm = TAILQ_FIRST(&pp->wwait)) != NULL &&
		    (room_for(pp, args_of(ksm)->len) || pp->readers == 0)) {
			TAILQ_REMOVE(&pp->wwait, ksm, km_wlink);
			if (pp->readers == 0) {
				sig_post(ksm->km_proc, SIGPIPE, SI_KERNEL, 0, 0);
				sysmsg_complete(ksm, EPIPE, 0);
				continue;
			}
			if (ksm->km_flags & KMF_SYNC) {
				pp->resuming++;
				sysmsg_complete(ksm, ERESTART, 0);
				break;
			}
			struct read_msg *a = args_of(ksm);
			uint32_t n = put_bytes(pp, ksm->km_proc, (uint32_t)a->buf, a->len);
			sysmsg_complete(ksm, n ? 0 : EFAULT, n);
			progress |= n > 0;
		}
	}
	pollwakeup(&pp->pollers);
}

static inline __attribute__((always_inline)) void
serve(struct pipe *pp)
{
	if (TAILQ_EMPTY(&pp->rwait) && TAILQ_EMPTY(&pp->wwait))
		pollwakeup(&pp->pollers);	/* nobody waits: only a poll may care */
	else
		serve_waiting(pp);
}


static void
pipe_abort(lwkt_msg_t msg)
{
	struct ksysmsg *ksm = (struct ksysmsg *)msg;
	struct pipe *pp = ksm->km_obj;
	struct ksysmsg *k;

	spin_lock(&pp->lock);
	if ((msg->ms_flags & MSGF_DONE) == 0) {
		TAILQ_FOREACH(k, &pp->rwait, km_wlink)
			if (k == ksm)
				break;
		if (k != NULL)
			TAILQ_REMOVE(&pp->rwait, ksm, km_wlink);
		else
			TAILQ_REMOVE(&pp->wwait, ksm, km_wlink);
		sysmsg_complete(ksm, EINTR, 0);
	}
	spin_unlock(&pp->lock);
}

/*
 * pipe_release: free the pipe once nothing can reach it: no open end, and no woken synchronous
 * call that has still to run its resume hook. Inside a critical section, its lock let go.
 */
static void
pipe_release(struct pipe *pp)
{
	if (pp->readers == 0 && pp->writers == 0 && pp->resuming == 0) {
		polldetach(&pp->pollers);
		vm_page_free(pp->buf);
		kfree(pp);
		__atomic_sub_fetch(&pipes_alive, 1, __ATOMIC_RELAXED);
	}
}

static int pipe_resume_read(struct ksysmsg *ksm);
static int pipe_resume_write(struct ksysmsg *ksm);

/*
 * read_in: pipe_read's body, in a critical section: bytes now (the caller's own turn: nobody
 * waits before it, or it was woken for them: resumed), end of file, or filed to wait (a woken
 * call again at the head: it keeps its turn). A woken caller may find the bytes gone to an
 * asynchronous reader meanwhile: it waits again.
 */
static inline __attribute__((always_inline)) int
read_in(struct pipe *pp, struct ksysmsg *ksm, uint32_t ubuf, uint32_t len, bool resumed)
{
	int error = 0;

	if (pp->count > 0 && (resumed || TAILQ_EMPTY(&pp->rwait))) {
		SYSMSG_RESULT(ksm) = take_bytes(pp, ksm->km_proc, ubuf, len);
		if (SYSMSG_RESULT(ksm) == 0)
			error = EFAULT;
		serve(pp);		/* room for waiting writers, bytes for the next reader */
	} else if (pp->writers == 0) {
		SYSMSG_RESULT(ksm) = 0;	/* end of file */
		serve(pp);
	} else if ((error = sysmsg_hold(&ksm)) == 0) {
		if (resumed)
			TAILQ_INSERT_HEAD(&pp->rwait, ksm, km_wlink);
		else
			TAILQ_INSERT_TAIL(&pp->rwait, ksm, km_wlink);
		ksm->km_resume = pipe_resume_read;
		sysmsg_set_abort(ksm, pp, pipe_abort);
		error = EASYNC;
	}
	return error;
}

/*
 * write_in: the same for writes: what fits now (all of it, for a write of PIPE_BUF bytes or
 * less: room_for), EPIPE, or filed to wait for room.
 */
static inline __attribute__((always_inline)) int
write_in(struct pipe *pp, struct ksysmsg *ksm, uint32_t ubuf, uint32_t len, bool resumed)
{
	int error = 0;

	if (pp->readers == 0) {
		error = EPIPE;		/* and SIGPIPE to the writer (POSIX write) */
		sig_post(ksm->km_proc, SIGPIPE, SI_KERNEL, 0, 0);
		serve(pp);
	} else if (room_for(pp, len) && (resumed || TAILQ_EMPTY(&pp->wwait))) {
		SYSMSG_RESULT(ksm) = put_bytes(pp, ksm->km_proc, ubuf, len);
		if (SYSMSG_RESULT(ksm) == 0 && len != 0)
			error = EFAULT;
		serve(pp);		/* bytes for waiting readers, room for the next writer */
	} else if ((error = sysmsg_hold(&ksm)) == 0) {
		if (resumed)
			TAILQ_INSERT_HEAD(&pp->wwait, ksm, km_wlink);
		else
			TAILQ_INSERT_TAIL(&pp->wwait, ksm, km_wlink);
		ksm->km_resume = pipe_resume_write;
		sysmsg_set_abort(ksm, pp, pipe_abort);
		error = EASYNC;
	}
	return error;
}

/* pipe_read: fo_read (its arguments checked by sys_read). */
static int
pipe_read(struct file *fp, struct ksysmsg *ksm, void *ubuf, size_t len)
{
	struct pipe *pp = fp->f_data;
	int error;

	crit_enter();
	spin_lock(&pp->lock);
	error = read_in(pp, ksm, (uint32_t)ubuf, len, false);
	spin_unlock(&pp->lock);
	crit_exit();
	return error;
}

/* pipe_write: fo_write (its arguments checked by sys_write). */
static int
pipe_write(struct file *fp, struct ksysmsg *ksm, const void *ubuf, size_t len)
{
	struct pipe *pp = fp->f_data;
	int error;

	crit_enter();
	spin_lock(&pp->lock);
	error = write_in(pp, ksm, (uint32_t)ubuf, len, false);
	spin_unlock(&pp->lock);
	crit_exit();
	return error;
}

/*
 * resume, pipe_resume_read, pipe_resume_write: km_resume of a synchronous read or write the pipe woke
 * with ERESTART (kern_sysmsg.c: wait_sync runs it on the caller's stack, in its address space,
 * inside the wait's critical section):
 * the call goes on where it waited, on the pipe it waited on (km_obj) with the arguments taken
 * once at the trap (km_args: fd, buf, len, checked by sys_read or sys_write then). Drops the
 * reference serve_waiting took (resuming) and frees the pipe when that was its last. resume is
 * their body (write: which of the two).
 */
static inline __attribute__((always_inline)) int
resume(struct ksysmsg *ksm, bool write)
{
	struct pipe *pp = ksm->km_obj;
	struct read_msg *a = args_of(ksm);
	int error;
	bool last;

	spin_lock(&pp->lock);
	pp->resuming--;
	if (write)
		error = write_in(pp, ksm, (uint32_t)a->buf, a->len, true);
	else
		error = read_in(pp, ksm, (uint32_t)a->buf, a->len, true);
	last = pp->readers == 0 && pp->writers == 0 && pp->resuming == 0;
	spin_unlock(&pp->lock);
	if (__builtin_expect(last, 0))
		pipe_release(pp);	/* both ends closed meanwhile: this was the last of it */
	return error;
}

static int
pipe_resume_read(struct ksysmsg *ksm)
{
	return resume(ksm, false);
}

static int
pipe_resume_write(struct ksysmsg *ksm)
{
	return resume(ksm, true);
}

/*
 * pipe_close_end: one end of the pipe closes (*ends is pp->readers or pp->writers): the other
 * end's waiting calls are served (waiting writers learn EPIPE, readers end of file); the last
 * close of both frees the pipe, once its lock is let go (the two ends may close on two CPUs).
 */
static void
pipe_close_end(struct pipe *pp, int *ends)
{
	bool last;

	crit_enter();
	spin_lock(&pp->lock);
	(*ends)--;
	serve(pp);
	last = pp->readers == 0 && pp->writers == 0 && pp->resuming == 0;
	spin_unlock(&pp->lock);
	if (last)
		pipe_release(pp);	/* a woken call still to resume frees it instead */
	crit_exit();
}

static void
pipe_close_read(struct file *fp)
{
	struct pipe *pp = fp->f_data;

	pipe_close_end(pp, &pp->readers);
}

static void
pipe_close_write(struct file *fp)
{
	struct pipe *pp = fp->f_data;

	pipe_close_end(pp, &pp->writers);
}

/* pipe_poll_read: bytes to read; POLLHUP once no writer is left (a read answers 0 then). */
static short
pipe_poll_read(struct file *fp, struct pollwait *pw)
{
	struct pipe *pp = fp->f_data;

	pollwait_file(&pp->pollers, pw);
	return (pp->count > 0 ? POLLIN | POLLRDNORM : 0) | (pp->writers == 0 ? POLLHUP : 0);
}

/* pipe_poll_write: room to write; POLLERR once no reader is left (a write answers EPIPE). */
static short
pipe_poll_write(struct file *fp, struct pollwait *pw)
{
	struct pipe *pp = fp->f_data;

	pollwait_file(&pp->pollers, pw);
	if (pp->readers == 0)
		return POLLERR;
	/* ready: a write of PIPE_BUF bytes or fewer would not wait (room_for), a longer one
	 * would move at least PIPE_BUF bytes at once */
	return PIPE_SIZE - pp->count >= PIPE_BUF ? POLLOUT | POLLWRNORM : 0;
}

/* full_ticks: the tick whose low 32 bits are t, the latest not after now. */
static uint64_t
full_ticks(uint32_t t)
{
	uint64_t now = mycpu->gd_ticks;

	return now - (uint32_t)(now - t);	/* now, less the ticks since t (mod 2^32) */
}

/* pipe_stat: a FIFO; its size is the bytes in it now. */
static void
pipe_stat(struct file *fp, struct stat *st)
{
	struct pipe *pp = fp->f_data;

	st->st_dev = ST_DEV_PIPE;
	st->st_ino = pp->ino;
	st->st_mode = S_IFIFO | 0600;
	st->st_nlink = 1;
	st->st_size = pp->count;
	st->st_blksize = PIPE_SIZE;
	st->st_atim = realtime_at(full_ticks(pp->atime));
	st->st_mtim = realtime_at(full_ticks(pp->mtime));
	st->st_ctim = st->st_mtim;		/* a write is its only change */
}

static const struct fileops pipe_read_ops = {
	.fo_read = pipe_read, .fo_close = pipe_close_read, .fo_stat = pipe_stat,
	.fo_poll = pipe_poll_read,
};
static const struct fileops pipe_write_ops = {
	.fo_write = pipe_write, .fo_close = pipe_close_write, .fo_stat = pipe_stat,
	.fo_poll = pipe_poll_write,
};

int
pipe_create(struct file **rfp, struct file **wfp)
{
	struct pipe *pp = kzalloc(sizeof(*pp));

	if (pp == NULL)
		return ENOMEM;
	if ((pp->buf = vm_page_alloc()) == NULL) {
		kfree(pp);
		return ENOMEM;
	}
	TAILQ_INIT(&pp->rwait);
	TAILQ_INIT(&pp->wwait);
	TAILQ_INIT(&pp->pollers);
	pp->readers = pp->writers = 1;
	pp->ino = __atomic_fetch_add(&pipe_next_ino, 1, __ATOMIC_RELAXED);
	pp->atime = pp->mtime = (uint32_t)mycpu->gd_ticks;
	*rfp = file_alloc(&pipe_read_ops, pp, FREAD);
	*wfp = file_alloc(&pipe_write_ops, pp, FWRITE);
	if (*rfp == NULL || *wfp == NULL) {
		if (*rfp)
			kfree(*rfp), files_open--;
		if (*wfp)
			kfree(*wfp), files_open--;
		vm_page_free(pp->buf);
		kfree(pp);
		return ENOMEM;
	}
	__atomic_add_fetch(&pipes_alive, 1, __ATOMIC_RELAXED);
	return 0;
}
