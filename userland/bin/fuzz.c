/*
 * fuzz: a seeded fuzzer of the system-call message ABI (docs/reliability.md, docs/syscall-abi.md).
 *
 *   fuzz SEED STEPS [FIRST [TRACE]]	the driver: runs steps FIRST.. FIRST+STEPS-1 of SEED's run
 *   fuzz -w SEED FIRST N TRACE		a worker: N steps from FIRST (the driver spawns these)
 *
 * Every step sends at least one message, made by a PRNG seeded from SEED (and the step's chunk)
 * only: a call of any number with arguments good and hostile, sent synchronously or
 * asynchronously, in a batch, through the ring; aborts of messages never sent; messages reused
 * while in flight; headers at NULL, in the kernel, at the LAPIC, unmapped, misaligned, across the
 * end of mapped memory, in the program's read-only text and in the ring page. After each answer it
 * checks that the kernel changed only the bytes it may change (answer_ok, the one place that
 * knows) and that the error is one the call may answer. It never blocks without bound: calls that
 * may wait go asynchronously and are aborted and collected at the end of each episode; sleeps are
 * short when synchronous.
 *
 * The driver runs the steps in chunks of CHUNK, each in a fresh worker process, and compares the
 * kernel's resource counters (kstat) before and after each chunk: whatever a worker did, once it
 * has ended the kernel must hold exactly what it held before. Output: one `FUZZ ...` line per
 * chunk and at the end; a failure prints `FUZZ FAIL seed=S step=I: what` (toolchain/fuzz.py
 * turns it into a replay command). TRACE=1 prints every step before it is sent.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <fcntl.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <sys/errno.h>
#include <sys/kstat.h>
#include <sys/ring.h>
#include <sys/sysmsg.h>
#include <sys/stat.h>
#include <sys/syscalls.h>
#include <sys/vcpu.h>
#include <sys/wait.h>
#include <cr/trace.h>

#define CHUNK		10000		/* steps per worker process */
#define ARENA_PAGES	2		/* messages and buffers; the page after it is unmapped */
#define ARENA		(ARENA_PAGES * 4096u)
#define PAGE		4096u
#define MAX_FLIGHT	24		/* messages in flight before an episode ends */
#define EPISODE		48		/* steps between drains */
#define MAX_EXTRA	6		/* descriptors the fuzzed calls may leave open */
#define RING_ENTRIES	16
#define STRING_MAX	256		/* the spec's max for every path */
#define PIPE_SIZE	4096		/* kernel/fs/pipe.c */
#define NS_PER_TICK	10000000ull	/* HZ = 100 */
#define TLS_SLOT_FREE	511		/* an LDT slot libcr never uses (LDT_ENTRIES - 1) */
#define EXIT_CHILD	7		/* what `fuzz child` exits with */
#define CONSOLE_FD	1		/* stdout: the console (the tty calls, poll) */
#define FREE_FD		24		/* dup2 targets: 24..29; never the fuzzer's own, nor the
					   "bad" descriptors 30 and 31 pick_fd hands out */
#define FREE_FDS	6

#define USER_BASE	0x40000000u
#define USER_TOP	0xc0000000u

/* -- the protocol: which bytes of a message the kernel may write ---------------------------------
 *
 * docs/syscall-abi.md, "The header": the kernel writes only ms_error (bytes 28 to 31) and
 * ms_result (32 to 39) of a message, never anything else — not ms_flags. It writes EASYNC into
 * ms_error when it takes the message, and the answer when it is done: at once, or when the
 * program collects the completion of a call it held. If the protocol changes, change these
 * definitions and nothing else.
 */
#define ANSWER_LO	28		/* first byte the kernel may write */
#define ANSWER_HI	40		/* one past the last */

static uint32_t
rd32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* msg_done: has the kernel answered the message at p (once it took it: at once, or collected)? */
static int
msg_done(const uint8_t *p)
{
	return rd32(p + 28) != EASYNC;
}

/* msg_queued: the kernel keeps nothing about a message in the message: never. */
static int
msg_queued(const uint8_t *p)
{
	(void)p;
	return 0;
}

/*
 * answer_ok: is after (the message's bytes now) a correct answer to before (as sent), with
 * error? Returns NULL or what is wrong.
 */
static const char *
answer_ok(const uint8_t *before, const uint8_t *after, uint32_t size, int error, int queued)
{
	(void)queued;
	for (uint32_t i = 0; i < size; i++)
		if ((i < ANSWER_LO || i >= ANSWER_HI) && before[i] != after[i])
			return i >= 20 && i < 24 ? "ms_flags changed: the kernel never writes them" :
			    "a byte outside the answer changed";
	if ((int32_t)rd32(after + 28) != error)
		return "ms_error is not the answer's error";
	if (error != 0 && (rd32(after + 32) | rd32(after + 36)) != 0)
		return "ms_result is not 0 with an error";
	return NULL;
}

/* -- the PRNG: splitmix64, seeded from the seed and the chunk only ------------------------------ */

static uint64_t rng;

static uint64_t
next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t
rnd(uint32_t n)
{
	return n ? (uint32_t)(next() % n) : 0;
}

static int
chance(uint32_t percent)
{
	return rnd(100) < percent;
}

/* -- the trap, exactly as docs/syscall-abi.md says: %eax = the message, out: the put's answer ---- */

static int
trap(uint32_t addr)
{
	int eax = (int)addr;
	__asm__ volatile("int $0x80" : "+a"(eax) : : "memory");
	return eax;
}

/* -- state -------------------------------------------------------------------------------------- */

#define BIT(e)		(1ull << (e))	/* errors below 64; others go in expect.also */

/* What a call may answer and write. */
struct expect {
	uint64_t	errs;		/* bit e: error e is right (0 included) */
	int		exact;		/* on success the result must be result */
	int64_t		result;
	uint32_t	out[2][2];	/* (address, length) the call may write besides its answer */
	int		nout;
	int		blocks;		/* may wait: only ever sent asynchronously */
	int		post;		/* what to do with a success (P_ below) */
	int		also;		/* one more right error, any number (-1: none) */
};

enum { P_NONE, P_FD, P_DUP, P_PIPE, P_SPAWN, P_FORK, P_WAITPORT, P_SBRK_UNDO, P_MODEL, P_DUP2,
	P_PGID, P_SETSID, P_FG };

/* A message built and sent; the in-flight table keeps those not yet collected. */
struct call {
	uint32_t	addr, size;
	uint8_t		sent[SYSMSG_MAXSIZE];	/* its bytes as sent */
	struct expect	ex;
	int		ring;			/* sent through the ring: completes to the CQ */
	int		model_delta;		/* pipe bytes a modelled write/read moves */
};

static struct {
	int		batch_post;		/* looking at a batch's answers (see helper) */
	uint64_t	seed;
	uint32_t	step, messages, trace;
	uint8_t		*arena;			/* ARENA bytes; the page after it is unmapped */
	uint8_t		shadow[ARENA];		/* what the arena should hold */
	uint32_t	text_lo, text_hi, text_sum;
	pid_t		pid, ppid;
	int		psync[2];		/* a pipe whose bytes are modelled: never blocks */
	uint32_t	psync_bytes;
	int		pasync[2];		/* a pipe for calls that may wait: only async */
	int		file;			/* /fz/base, open read-write */
	int		rofile;			/* /bin/fuzz, open read-only */
	int		dir;			/* /fz, open as a directory */
	pid_t		pgid, sid, fg;		/* the worker's group and session, the console's
						   foreground group: modelled */
	int		pgrp_fuzzy;		/* a batch being built holds a call that may change
						   the group, session or foreground group: the calls
						   after it may find the state before or after */
	ino_t		ino_base;		/* /fz's: every file or directory made since has
						   one at least this high (teardown removes them) */
	int		extra[MAX_EXTRA], nextra;
	struct call	flight[MAX_FLIGHT * 2];
	int		nflight;
	struct ring_shared *ring;
	uint32_t	brk;
	uint32_t	resv[64][2];		/* ranges handed out in this step: never overlapped */
	int		nresv;
	uint32_t	kinds[8];
} f;

enum { K_SYNC, K_ASYNC, K_BATCH, K_RING, K_ABORT, K_REUSE, K_HOSTILE, K_READONLY };

static void
out(const char *s)
{
	write(1, s, strlen(s));
}

static __attribute__((noreturn)) void
fail(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n = snprintf(buf, sizeof(buf), "FUZZ FAIL seed=%llu step=%u: ",
	    (unsigned long long)f.seed, f.step);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	strcat(buf, "\n");
	out(buf);
	exit(1);
}

static void
say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	strcat(buf, "\n");
	out(buf);
}

static uint32_t
A(uint32_t off)
{
	return (uint32_t)f.arena + off;
}

static int
in_arena(uint32_t a, uint32_t len)
{
	return a >= A(0) && a + len <= A(ARENA) && a + len >= a;
}

/* put: the fuzzer's own write into the arena (and its shadow). */
static void
put(uint32_t addr, const void *src, uint32_t len)
{
	memcpy((void *)addr, src, len);
	if (in_arena(addr, len))
		memcpy(f.shadow + (addr - A(0)), src, len);
}

/* accept: the kernel may have written [addr, addr+len): take the arena's bytes as they are. */
static void
accept(uint32_t addr, uint32_t len)
{
	uint32_t lo = addr < A(0) ? A(0) : addr, hi = addr + len > A(ARENA) ? A(ARENA) : addr + len;

	if (len && lo < hi)
		memcpy(f.shadow + (lo - A(0)), (void *)lo, hi - lo);
}

/* in_flight_may_write: a message in flight may still have its answer or buffers written at addr. */
static int
in_flight_may_write(uint32_t addr)
{
	for (int i = 0; i < f.nflight; i++) {
		const struct call *c = &f.flight[i];
		if (addr >= c->addr + ANSWER_LO && addr < c->addr + ANSWER_HI)
			return 1;
		for (int j = 0; j < c->ex.nout; j++)
			if (addr >= c->ex.out[j][0] && addr - c->ex.out[j][0] < c->ex.out[j][1])
				return 1;
	}
	return 0;
}

/*
 * arena_check: the arena holds what it should: no byte the kernel may not write has changed.
 * A completion may land at any moment (a timer's, from an interrupt): bytes of messages still
 * in flight are taken as they are.
 */
static void
arena_check(const char *after)
{
	uint32_t *a = (uint32_t *)f.arena, *s = (uint32_t *)f.shadow;

	for (uint32_t i = 0; i < ARENA / 4; i++) {
		if (a[i] == s[i])
			continue;
		for (uint32_t b = 0; b < 4; b++) {
			uint32_t at = i * 4 + b;
			if (f.arena[at] != f.shadow[at] && !in_flight_may_write(A(at)))
				fail("after %s, arena byte 0x%x changed (0x%02x, was 0x%02x)", after,
				    at, f.arena[at], f.shadow[at]);
		}
		s[i] = a[i];
	}
}

static uint32_t
text_sum(void)
{
	uint32_t sum = 0;
	for (const uint32_t *p = (const uint32_t *)f.text_lo; p < (const uint32_t *)f.text_hi; p++)
		sum = (sum << 1 | sum >> 31) ^ *p;
	return sum;
}

/* -- where things go ---------------------------------------------------------------------------- */

static int
overlaps(uint32_t a, uint32_t len, uint32_t b, uint32_t blen)
{
	return a < b + blen && b < a + len;
}

/*
 * busy: [a, a+len) holds part of a message in flight or a buffer it may still write, or of
 * something already handed out in this step.
 */
static int
busy(uint32_t a, uint32_t len)
{
	for (int i = 0; i < f.nresv; i++)
		if (overlaps(a, len, f.resv[i][0], f.resv[i][1]))
			return 1;
	for (int i = 0; i < f.nflight; i++) {
		struct call *c = &f.flight[i];
		if (overlaps(a, len, c->addr, c->size))
			return 1;
		for (int j = 0; j < c->ex.nout; j++)
			if (overlaps(a, len, c->ex.out[j][0], c->ex.out[j][1]))
				return 1;
	}
	return 0;
}

/* reserve: hand out [a, a+len) for this step, if no one has it; returns whether it did. */
static int
reserve(uint32_t a, uint32_t len)
{
	if (busy(a, len) || f.nresv == 64)
		return 0;
	f.resv[f.nresv][0] = a;
	f.resv[f.nresv++][1] = len;
	return 1;
}

/* place: a free spot for len bytes in the arena, 4-aligned mostly; 0 if none was found. */
static uint32_t
place(uint32_t len)
{
	for (int tries = 0; tries < 16; tries++) {
		uint32_t off = rnd(ARENA - len + 1);
		if (!chance(10))
			off &= ~3u;
		if (!busy(A(off), len) && reserve(A(off), len))
			return A(off);
	}
	return 0;
}

/* Addresses no message may live at: each must answer EFAULT in %eax and write nothing. */
static uint32_t
hostile_addr(void)
{
	static const uint32_t fixed[] = {
		0, 1, 0x1000, 0x100000, 0x3ffff000, USER_BASE - 1, USER_BASE - 24, USER_TOP - 47,
		USER_TOP - 1, USER_TOP, 0xfee00000, 0xfee00300, 0xffffffd0, 0xfffffff0, 0xffffffff,
		0x80000000, 0xbffef000,			/* unmapped: between heap and stack; the guard */
	};
	uint32_t k = rnd(sizeof(fixed) / 4 + 3);

	if (k < sizeof(fixed) / 4)
		return fixed[k];
	if (k == sizeof(fixed) / 4)
		return A(ARENA) + rnd(PAGE);		/* the unmapped page after the arena */
	return A(ARENA) - 1 - rnd(47);			/* a header across the end of mapped memory */
}

/* A pointer that is no good for len > 0 bytes (any direction); never into the arena. */
static uint32_t
bad_ptr(uint32_t len)
{
	static const uint32_t fixed[] = {
		0, 1, 0x1000, 0x100000, 0x3ffff000, USER_BASE - 24, USER_TOP, 0xfee00000,
		0xffffffd0, 0xffffffff, 0x80000000, 0xbffef000,
	};
	uint32_t k = rnd(sizeof(fixed) / 4 + 2);

	if (k == sizeof(fixed) / 4 && len > 1)			/* runs off the arena's end */
		return A(ARENA) - 1 - rnd(len - 1 < 64 ? len - 1 : 64);
	if (k == sizeof(fixed) / 4 + 1)
		return A(ARENA) + rnd(PAGE);			/* the unmapped page after the arena */
	return fixed[k % (sizeof(fixed) / 4)];
}

/* in_user: [a, a+len) lies in user space (the dispatcher's one range check passes). */
static int
in_user(uint32_t a, uint32_t len)
{
	return a >= USER_BASE && a + len <= USER_TOP && a + len >= a;
}

/* -- building arguments ------------------------------------------------------------------------- */

struct args {
	uint8_t		m[SYSMSG_MAXSIZE];	/* the message being built */
	int		efault;			/* a pointer argument is bad: EFAULT */
	int		efault_soft;		/* ... but in user space: the dispatcher lets it by,
						   so the call may answer another error first and
						   meets EFAULT only when it copies (the MMU) */
	int		efault_range;		/* a buffer is outside user space: the dispatcher's
						   range check, before anything else, answers EFAULT */
	int		toolong;		/* a string has no NUL within STRING_MAX (no EFAULT) */
	struct expect	ex;
};

static void
set32(struct args *a, uint32_t off, uint32_t v)
{
	memcpy(a->m + off, &v, 4);
}

static void
set64(struct args *a, uint32_t off, uint64_t v)
{
	memcpy(a->m + off, &v, 8);
}

static uint32_t
size_value(void)
{
	static const uint32_t sizes[] = { 0, 1, 2, 3, 4, 7, 8, 48, 64, 100, 4095, 4096, 4097,
		0x7fffffff, 0x80000000, 0xffffffff };
	return chance(50) ? rnd(200) : sizes[rnd(sizeof(sizes) / 4)];
}

/*
 * buffer: a (pointer, length) pair at offsets po and lo. out: the kernel writes it (so text is
 * no good); fixed: the length is the spec's constant, not an argument. Good buffers lie in the
 * arena; the call may write them (recorded in ex.out).
 */
static void
buffer(struct args *a, uint32_t po, int lo, uint32_t fixed, int out, uint32_t maxlen)
{
	uint32_t len = lo >= 0 ? size_value() : fixed, ptr;
	int good = chance(75);

	if (maxlen && len > maxlen && good)
		len = rnd(maxlen + 1);
	if (good && len <= ARENA / 2 && (ptr = place(len ? len : 1)) != 0) {
		if (out && a->ex.nout < 2) {
			a->ex.out[a->ex.nout][0] = ptr;
			a->ex.out[a->ex.nout++][1] = len;
		}
	} else if (!out && chance(20) && len < f.text_hi - f.text_lo) {
		ptr = f.text_lo + rnd(f.text_hi - f.text_lo - len);	/* readable, not writable */
	} else {
		do		/* a buffer the kernel writes, running off the arena, could cover */
			ptr = bad_ptr(len);	/* the message itself: not that one */
		while (out && in_arena(ptr, 1));
		a->efault |= len > 0;
		a->efault_soft |= len > 0 && in_user(ptr, len);
		a->efault_range |= len > 0 && !in_user(ptr, len);
		/* In user space the MMU stops the copy where the memory ends: what lies before that
		 * (in the arena) may be written before the EFAULT, as on Linux. */
		if (out && len > 0 && in_user(ptr, len) && a->ex.nout < 2) {
			a->ex.out[a->ex.nout][0] = ptr;
			a->ex.out[a->ex.nout++][1] = len;
		}
	}
	set32(a, po, ptr);
	if (lo >= 0)
		set32(a, (uint32_t)lo, len);
}

static const char *const paths[] = { "/fz/a", "/fz/b", "fz/c", "//fz/a", "/bin/fuzz",
	"/bin/nosuch", "", "/", "/fz/base", "/fz/" "0123456789012345678901234567890123456789"
	"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567" };

/* Indexes of paths whose state the fuzzer knows: every call on them has one right answer. */
enum { PATH_EMPTY = 6, PATH_ROOT = 7, PATH_PROGRAM = 4, PATH_LONG = 9, PATHS = 10 };

/*
 * string: a path argument at offset po: one of paths (index in *which, or -1), a string with no
 * NUL within STRING_MAX, one that runs into unmapped memory, bytes of text, or a bad pointer.
 */
static void
string(struct args *a, uint32_t po, int *which, int nchoices)
{
	uint32_t k = rnd(10), ptr = 0;

	*which = -1;
	if (k < 6) {
		int i = rnd(nchoices);
		uint32_t n = strlen(paths[i]) + 1;
		if ((ptr = place(n)) != 0) {
			put(ptr, paths[i], n);
			*which = i;
		}
	} else if (k == 6) {
		uint8_t fill[STRING_MAX + 8];
		memset(fill, 'A' + rnd(26), sizeof(fill));
		if ((ptr = place(sizeof(fill))) != 0) {
			put(ptr, fill, sizeof(fill));
			a->toolong = 1;
		}
	} else if (k == 7) {
		uint8_t fill[40];
		memset(fill, 'z', sizeof(fill));
		ptr = A(ARENA) - sizeof(fill);
		if (!reserve(ptr, sizeof(fill))) {
			ptr = 0;
		} else {
			put(ptr, fill, sizeof(fill));		/* no NUL before the unmapped page */
			a->efault = 1;
		}
	} else if (k == 8) {
		ptr = f.text_lo + rnd(f.text_hi - f.text_lo - STRING_MAX);
		a->ex.errs |= BIT(ENOENT) | BIT(ENAMETOOLONG) | BIT(EROFS) | BIT(EINVAL) |
		    BIT(ENOSPC) | BIT(ENOEXEC) | BIT(ENOTDIR) | BIT(EISDIR) | BIT(EEXIST) |
		    BIT(EPERM) | BIT(EACCES) | BIT(ENOTEMPTY) | BIT(EBUSY);
		*which = -2;				/* some bytes of text */
	}
	if (ptr == 0) {
		ptr = bad_ptr(0);			/* no byte of it is readable */
		a->efault = 1;
	}
	set32(a, po, ptr);
}

/* pick_fd: a descriptor value to pass; *cls says what it is. */
enum { FD_BAD, FD_PSYNC_R, FD_PSYNC_W, FD_PASYNC_R, FD_PASYNC_W, FD_FILE, FD_ROFILE, FD_EXTRA,
	FD_DIR, FD_CONSOLE };

static int
pick_fd(int *cls, int inbatch)
{
	static const int bad[] = { -1, -2147483647 - 1, 32, 33, 1000, 31, 30 };
	uint32_t k = rnd(10);

	if (inbatch && k < 2)
		k += 2;			/* entries run after the model was read: not the modelled pipe */
	switch (k) {
	case 0: *cls = FD_PSYNC_R; return f.psync[0];
	case 1: *cls = FD_PSYNC_W; return f.psync[1];
	case 2: *cls = FD_PASYNC_R; return f.pasync[0];
	case 3: *cls = FD_PASYNC_W; return f.pasync[1];
	case 4: *cls = FD_FILE; return f.file;
	case 5: *cls = FD_ROFILE; return f.rofile;
	case 9: *cls = FD_DIR; return f.dir;
	case 6:
		if (f.nextra) {
			*cls = FD_EXTRA;
			return f.extra[rnd(f.nextra)];
		}
		/* fall through */
	default:
		*cls = FD_BAD;
		return bad[rnd(sizeof(bad) / sizeof(bad[0]))];
	}
}

/* pick_fd_tty: pick_fd, or the console: for the calls that never wait on it. */
static int
pick_fd_tty(int *cls, int inbatch)
{
	if (chance(30)) {
		*cls = FD_CONSOLE;
		return CONSOLE_FD;
	}
	return pick_fd(cls, inbatch);
}

/* poll_known: what poll answers for fd of class cls now: revents, or -1 if it cannot be known. */
static int
poll_known(int fd, int cls, short events, int inbatch)
{
	const short always = POLLERR | POLLHUP | POLLNVAL;
	short rd = POLLIN | POLLRDNORM, wr = POLLOUT | POLLWRNORM;

	if (fd < 0)
		return 0;
	switch (cls) {
	case FD_BAD:
		return POLLNVAL;
	case FD_FILE: case FD_ROFILE: case FD_DIR:
		return (rd | wr) & (events | always);
	case FD_EXTRA:		/* a file or directory a fuzzed open made; a batch may close it */
		return inbatch ? -1 : (rd | wr) & (events | always);
	case FD_PSYNC_R:
		return (f.psync_bytes ? rd : 0) & (events | always);
	case FD_PSYNC_W:
		return (PIPE_SIZE - f.psync_bytes >= PIPE_BUF ? wr : 0) & (events | always);
	default:		/* pasync: async calls move its bytes; the console: no input known */
		return -1;
	}
}

/* gen_poll: a poll of 0..4 descriptors (sometimes a ragged length, or more than OPEN_MAX). */
static void
gen_poll(struct args *a, int async, int inbatch)
{
	struct expect *ex = &a->ex;
	struct pollfd pfd[4];
	uint32_t n = rnd(5), len = n * sizeof(struct pollfd), ready = 0, ptr;
	int known = 1, cls = FD_BAD;

	for (uint32_t i = 0; i < n; i++) {
		int fd = chance(10) ? -1 - (int)rnd(3) : chance(15) ? CONSOLE_FD : pick_fd(&cls, inbatch);
		short events = chance(70) ? (short)(rnd(2) ? POLLIN : 0) | (rnd(2) ? POLLOUT : 0) :
		    (short)next();
		int r = fd == CONSOLE_FD ? -1 : poll_known(fd, fd < 0 ? FD_BAD : cls, events, inbatch);
		pfd[i] = (struct pollfd){ .fd = fd, .events = events, .revents = (short)next() };
		if (r < 0)
			known = 0;
		else
			ready += r != 0;
	}
	if (chance(5))
		len = chance(50) ? len + 1 + rnd(7) : (OPEN_MAX + 1 + rnd(10)) * sizeof(struct pollfd);
	if (chance(80) && len <= sizeof(pfd) && (ptr = place(len ? len : 1)) != 0) {
		put(ptr, pfd, len);
		ex->out[ex->nout][0] = ptr;			/* revents: written */
		ex->out[ex->nout++][1] = len;
		set32(a, 48, ptr);
	} else {
		buffer(a, 48, -1, len, 1, 0);			/* a bad array, or the arena's bytes */
		known = 0;
	}
	set32(a, 52, len);
	/* The timeout: none, or (only asynchronously) without end or a second or more, so no
	 * answer depends on time; a synchronous one may wait half a tick when nothing can come. */
	int64_t ns = !async ? (chance(10) && known && ready == 0 ? (int64_t)NS_PER_TICK / 2 : 0) :
	    chance(40) ? 0 : chance(50) ? -1 - (int64_t)rnd(5) : (int64_t)(1ull << 30) + rnd(1000);
	set64(a, 56, (uint64_t)ns);
	if (len % sizeof(struct pollfd) != 0 || len / sizeof(struct pollfd) > OPEN_MAX) {
		ex->errs = BIT(EINVAL);
		ex->nout = 0;
		return;
	}
	if (known) {
		ex->exact = 1;
		ex->result = ready;
		ex->blocks = ready == 0 && ns < 0;	/* waits for an abort */
		if (ready == 0 && ns > (int64_t)NS_PER_TICK)
			ex->blocks = 1;
	} else {
		ex->blocks = ns != 0;
	}
}

/* -- one call ----------------------------------------------------------------------------------- */

void vcpu_trampoline(void);
static uint8_t vcpu_stack[64] __attribute__((aligned(16)));

/*
 * gen: build a message of a random call into a (header included, flags left to the caller),
 * with what it may answer. inbatch: an entry of a batch or the ring (where some calls are refused).
 * async: it will be sent asynchronously (so it may wait).
 */
static void
gen(struct args *a, int async, int inbatch)
{
	uint32_t cmd;
	struct expect *ex = &a->ex;
	int cls, which;

	memset(a, 0, sizeof(*a));
	for (uint32_t i = 48; i < SYSMSG_MAXSIZE; i++)
		a->m[i] = (uint8_t)next();			/* garbage after the arguments too */
	set64(a, 40, next());					/* ms_tag: never touched */
	set32(a, 0, (uint32_t)next());				/* links and ports: ignored */
	set32(a, 8, (uint32_t)next());
	do
		cmd = chance(3) ? SYS_MAXSYSCALL + rnd(1000) * (chance(50) ? 1 : 0x1000000) :
		    rnd(SYS_MAXSYSCALL);
	while (!inbatch && (cmd == SYS_exit || cmd == SYS_vcpu_exit || cmd == SYS_sigsuspend));
	set32(a, 24, cmd);
	ex->errs = BIT(0);
	ex->also = -1;
	switch (cmd) {
	case SYS_null:
	case SYS_sched_yield:
		ex->exact = 1;
		break;
	case SYS_getpid:
		ex->exact = 1;
		ex->result = f.pid;
		break;
	case SYS_exit:
	case SYS_vcpu_exit:
		set32(a, 48, 0);
		ex->errs = BIT(EINVAL);				/* only ever in a batch: refused */
		break;
	case SYS_write:
	case SYS_read: {
		int fd = pick_fd(&cls, inbatch), rd = cmd == SYS_read;
		set32(a, 48, (uint32_t)fd);
		buffer(a, 52, 56, 0, rd, 0);
		uint32_t len = rd32(a->m + 56);
		if (cls == FD_BAD || (rd && (cls == FD_PSYNC_W || cls == FD_PASYNC_W)) ||
		    (!rd && (cls == FD_PSYNC_R || cls == FD_PASYNC_R || cls == FD_ROFILE))) {
			ex->errs = BIT(EBADF);
		} else if (cls == FD_EXTRA) {
			/* a file or directory opened by a fuzzed open */
			ex->errs |= BIT(EBADF) | BIT(ENOSPC) | BIT(EISDIR);
		} else if (cls == FD_DIR) {
			ex->errs = rd ? (len ? BIT(EISDIR) : BIT(0)) : BIT(EBADF);
			ex->exact = 1;
		} else if (len == 0) {
			ex->exact = 1;
		} else if (cls == FD_PSYNC_R || cls == FD_PSYNC_W) {
			uint32_t room = rd ? f.psync_bytes : PIPE_SIZE - f.psync_bytes;
			/* A write of PIPE_BUF bytes or less waits until all of it fits (POSIX's
			 * atomic pipe writes: fs/pipe.c), a longer one until one byte does. */
			uint32_t need = rd || len > PIPE_BUF ? 1 : len;
			if (room < need) {			/* it would wait: not on this pipe */
				set32(a, 48, (uint32_t)f.pasync[rd ? 0 : 1]);
				ex->errs = BIT(0);
				ex->blocks = 1;
			} else {
				ex->exact = 1;
				ex->result = len < room ? len : room;
				ex->post = P_MODEL;
			}
		} else if (cls == FD_PASYNC_R || cls == FD_PASYNC_W) {
			ex->blocks = 1;
		} else {
			ex->errs |= BIT(ENOSPC);		/* the file's size limit or the quota */
		}
		break;
	}
	case SYS_open:
		string(a, 48, &which, 10);
		set32(a, 52, chance(70) ? (uint32_t)(rnd(3) | (rnd(2) ? O_CREAT : 0) |
		    (rnd(4) ? 0 : O_TRUNC) | (rnd(4) ? 0 : O_APPEND)) : (uint32_t)next());
		set32(a, 56, (uint32_t)next());
		ex->errs |= BIT(EINVAL) | BIT(ENOENT) | BIT(EROFS) | BIT(ENOSPC) | BIT(EMFILE) |
		    BIT(ENAMETOOLONG) | BIT(EISDIR) | BIT(ENOTDIR) | BIT(EEXIST);
		ex->post = P_FD;
		break;
	case SYS_close:
		set32(a, 48, (uint32_t)pick_fd(&cls, inbatch));
		if (cls != FD_EXTRA)
			set32(a, 48, 1000 + rnd(5));		/* never the fuzzer's own */
		/* In a batch, an earlier entry may have closed the same descriptor. */
		ex->errs = cls == FD_EXTRA ? BIT(0) | (inbatch ? BIT(EBADF) : 0) : BIT(EBADF);
		ex->post = P_FD;
		break;
	case SYS_lseek:
		set32(a, 48, (uint32_t)pick_fd(&cls, inbatch));
		set64(a, 52, chance(50) ? rnd(300000) : next());
		set32(a, 60, rnd(5));
		ex->errs |= BIT(EBADF) | BIT(ESPIPE) | BIT(EINVAL);
		break;
	case SYS_dup:
		set32(a, 48, (uint32_t)pick_fd(&cls, inbatch));
		ex->errs |= BIT(EBADF) | BIT(EMFILE);
		ex->post = P_DUP;				/* closed at once: see after() */
		break;
	case SYS_pipe:
		buffer(a, 48, -1, 8, 1, 0);
		ex->errs |= BIT(EMFILE);
		ex->post = P_PIPE;
		break;
	case SYS_spawn:
	case SYS_exec:
		string(a, 48, &which, cmd == SYS_exec ? 4 : 6);	/* exec: never a real program */
		buffer(a, 52, 56, 0, 0, 300);
		buffer(a, 60, 64, 0, 0, 300);
		ex->errs = BIT(ENOENT) | BIT(E2BIG) | BIT(EINVAL) | BIT(ENOEXEC) | BIT(EBUSY) |
		    BIT(ENAMETOOLONG) | BIT(EFAULT) | BIT(EACCES) | BIT(ENOTDIR) |
		    (cmd == SYS_spawn ? BIT(0) : 0);
		if (which == -2)
			ex->errs |= BIT(EFAULT);
		ex->post = cmd == SYS_spawn ? P_SPAWN : P_NONE;
		break;
	case SYS_wait:
		/* Any child (-1) only outside batches: a batch's spawn may have made one, which a
		 * wait(-1) in flight would take from under the fuzzer's own wait for it. */
		set32(a, 48, chance(50) && !inbatch ? (uint32_t)-1 : chance(30) ? (uint32_t)-2 - rnd(100) :
		    chance(30) && !inbatch ? 0 : 0x7fff0000 + rnd(1000));
		buffer(a, 52, -1, 4, 1, 0);
		{
			uint32_t options = chance(70) ? rnd(2) * WNOHANG | rnd(2) * WUNTRACED :
			    (uint32_t)next();
			set32(a, 56, options);
			ex->errs = options & ~(WNOHANG | WUNTRACED | WCONTINUED) ? BIT(EINVAL) :
			    BIT(ECHILD);
		}
		break;
	case SYS_kill: {
		/* Never itself, its group (0), everyone it may signal (-1) or a group it is in: its
		 * parent (EPERM), or pids and groups nobody has (ESRCH); a bad signal is EINVAL. */
		uint32_t pid = chance(40) ? (uint32_t)f.ppid : chance(50) ? 0x7fff0000 + rnd(1000) :
		    -(0x7fff0000 + rnd(1000));
		uint32_t sig = chance(50) ? rnd(NSIG) : (uint32_t)next();
		set32(a, 48, pid);
		set32(a, 52, sig);
		ex->errs = sig >= NSIG ? BIT(EINVAL) : pid == (uint32_t)f.ppid ? BIT(EPERM) : BIT(ESRCH);
		break;
	}
	case SYS_upcall_register: {
		/* Never a registration that succeeds: the fuzzer's own upcalls must keep working. */
		static const uint32_t bad[] = { 0x1000, USER_BASE - 4, USER_TOP, 0xfee00000, 0xfffffff0 };
		if (chance(50)) {
			set32(a, 48, bad[rnd(5)]);
			set32(a, 52, chance(50) ? A(rnd(ARENA / 4) * 4) : (uint32_t)next());
			ex->errs = BIT(EFAULT);
		} else {
			set32(a, 48, (uint32_t)cr_upcall_entry);
			set32(a, 52, chance(50) ? bad[rnd(5)] : A(rnd(ARENA / 4) * 4) + 1 + rnd(3));
			ex->errs = BIT(EFAULT) | BIT(EINVAL);
		}
		break;
	}
	case SYS_upcall_resume: {
		/* Only contexts it cannot read: a real one would jump into garbage. */
		static const uint32_t bad[] = { 0, 0x1000, USER_BASE - 8, USER_TOP - 8, 0xfee00000 };
		set32(a, 48, chance(50) ? bad[rnd(5)] : A(ARENA) + rnd(4000));
		ex->errs = BIT(EFAULT);
		break;
	}
	case SYS_sigaction: {
		/* Asks, never sets (a fuzzed action could end the fuzzer): act and oact NULL or
		 * unreadable/unwritable (an answer written into the arena would go unrecorded). */
		static const uint32_t bad[] = { 0x1000, USER_BASE - 4, USER_TOP, 0xfee00000 };
		uint32_t sig = chance(70) ? rnd(NSIG + 2) : (uint32_t)next();
		uint32_t act = chance(50) ? 0 : chance(50) ? bad[rnd(4)] : A(ARENA) + rnd(4000);
		uint32_t oact = chance(50) ? 0 : bad[rnd(4)];
		set32(a, 48, sig);
		set32(a, 52, act);
		set32(a, 56, oact);
		ex->errs = sig == 0 || sig >= NSIG ? BIT(EINVAL) : act || oact ? BIT(EFAULT) : BIT(0);
		break;
	}
	case SYS_sigprocmask:
		set32(a, 48, chance(70) ? rnd(4) : (uint32_t)next());
		set32(a, 52, (uint32_t)next());
		ex->errs = BIT(0) | BIT(EINVAL);
		break;
	case SYS_sigsuspend:
		set32(a, 48, (uint32_t)next());
		ex->errs = BIT(EINVAL);				/* only ever in a batch: refused */
		break;
	case SYS_alarm: {
		/* 0 (nothing armed) or too long: an armed alarm would end the fuzzer. */
		uint32_t s = chance(50) ? 0 : 86401 + rnd(1000000);
		set32(a, 48, s);
		ex->errs = s == 0 ? BIT(0) : BIT(EINVAL);
		break;
	}
	case SYS_sigpending:
		break;
	case SYS_sigaltstack: {
		/* ss NULL, unreadable, or the arena's bytes (a stack for SA_ONSTACK handlers, which
		 * the fuzzer has none of, or EINVAL/ENOMEM; EPERM once a stack so set spans the
		 * fuzzer's own); oss NULL or unwritable. */
		static const uint32_t bad[] = { 0x1000, USER_BASE - 4, USER_TOP, 0xfee00000 };
		uint32_t ss = chance(30) ? 0 : chance(50) ? bad[rnd(4)] : A(rnd(ARENA / 4) * 4);
		uint32_t oss = chance(50) ? 0 : bad[rnd(4)];
		set32(a, 48, ss);
		set32(a, 52, oss);
		ex->errs = ss == 0 && oss == 0 ? BIT(0) :
		    ss >= A(0) && ss < A(ARENA) ?
		    BIT(0) | BIT(EINVAL) | BIT(ENOMEM) | BIT(EPERM) | BIT(EFAULT) :
		    BIT(EFAULT);
		break;
	}
	case SYS_sigtimedwait: {
		/* Only looks (timeout 0) or times out over a day (EINVAL): a real wait would stall
		 * the fuzzer, and a taken signal would be lost to it. info NULL or unwritable. */
		static const uint32_t bad[] = { 0x1000, USER_BASE - 4, USER_TOP, 0xfee00000 };
		uint32_t info = chance(50) ? 0 : bad[rnd(4)];
		uint64_t ns = chance(70) ? 0 : 86401ull * 1000000000ull + rnd(1000000);
		set32(a, 48, (uint32_t)next());
		set32(a, 52, info);
		set32(a, 56, (uint32_t)ns);
		set32(a, 60, (uint32_t)(ns >> 32));
		ex->errs = BIT(EINVAL) |		/* and in a batch: refused */
		    (ns != 0 ? 0 : info != 0 ? BIT(EFAULT) : BIT(EAGAIN) | BIT(0));
		break;
	}
	case SYS_upcall_poke:
		set32(a, 48, chance(30) ? 0 : (uint32_t)next());
		ex->errs = BIT(0) | BIT(EINVAL);
		break;
	case SYS_utrace:
		/* The fuzz kernel does not trace: every event is ENOSYS. */
		set32(a, 48, chance(70) ? rnd(6) : (uint32_t)next());
		set32(a, 52, (uint32_t)next());
		set32(a, 56, (uint32_t)next());
		ex->errs = BIT(ENOSYS);
		break;
	case SYS_sched_model: {
		/* Asks (-1), keeps Dillon's (0), or a model that does not exist: never KSE (1), which
		 * would send the fuzzer's own blocking calls through upcalls. */
		uint32_t m = chance(50) ? (uint32_t)rnd(2) - 1 : (uint32_t)next();
		if (m == 1)
			m = 2;
		set32(a, 48, m);
		ex->errs = m == 0 || m == (uint32_t)-1 ? BIT(0) : BIT(EINVAL);
		break;
	}
	case SYS_sbrk: {
		static const int32_t incr[] = { 0, 0x7fffffff, -0x7fffffff - 1, 0x7ffff000,
			-0x40000000, -0x1000000, 4096 };
		int32_t v = incr[rnd(sizeof(incr) / 4)];
		if (v == 4096 && (async || inbatch))
			v = 0;
		set32(a, 48, (uint32_t)v);
		ex->errs = v == 0 || v == 4096 ? BIT(0) : BIT(ENOMEM);
		ex->exact = 1;
		ex->result = f.brk;
		if (v == 4096)
			ex->post = P_SBRK_UNDO;
		break;
	}
	case SYS_sleep_ns: {
		/* A synchronous sleep is short; an asynchronous one is zero or long (a second or
		 * more: the drain aborts it first), so no completion depends on time and a seed
		 * replays the same run. */
		uint64_t ns = async && chance(50) ? next() >> rnd(32) | 1ull << 30 :
		    chance(2) ? NS_PER_TICK / 2 : 0;
		set64(a, 48, ns);
		if ((ns + NS_PER_TICK - 1) / NS_PER_TICK > 0xffffffffull || ns > ~0ull - NS_PER_TICK) {
			ex->errs = BIT(EINVAL);
			if (ns > ~0ull - NS_PER_TICK)		/* the tick count wraps: any answer */
				ex->errs |= BIT(0), ex->blocks = 1;
		} else if (ns) {
			ex->blocks = ns > NS_PER_TICK;
		}
		break;
	}
	case SYS_clock_ns: {
		int32_t c = chance(60) ? (int32_t)rnd(2) : (int32_t)next();
		set32(a, 48, (uint32_t)c);
		ex->errs = c == 0 || c == 1 ? BIT(0) : BIT(EINVAL);
		break;
	}
	case SYS_kstat:
	case SYS_proclist:
		buffer(a, 48, 52, 0, 1, 0);
		if (cmd == SYS_kstat) {
			uint32_t len = rd32(a->m + 52);
			ex->exact = 1;
			ex->result = len < sizeof(struct kstat) ? len : sizeof(struct kstat);
		}
		break;
	case SYS_waitmsg: {
		/*
		 * A header of our own making at a spot no message of ours is: the kernel never holds
		 * it, so EINVAL whatever the header says (the kernel does not read it: a forged
		 * EASYNC or kernel-internal number in ms_error changes nothing); EFAULT only for an
		 * address outside user space.
		 */
		uint32_t at = place(48), flags = (uint32_t)next();
		int32_t err = chance(50) ? (int32_t)rnd(600) - 50 : (int32_t)next();
		if (at == 0 || chance(15)) {
			at = bad_ptr(48);
			a->efault = !in_user(at, 48);
		} else {
			uint8_t h[48];
			for (int i = 0; i < 48; i++)
				h[i] = (uint8_t)next();
			if (chance(30))
				err = (int32_t)(EASYNC - 2 + rnd(5));	/* kernel-internal numbers */
			memcpy(h + 20, &flags, 4);
			memcpy(h + 28, &err, 4);
			put(at, h, 48);
		}
		ex->errs = BIT(EINVAL);
		set32(a, 48, at);
		break;
	}
	case SYS_waitport: {
		uint32_t fl = chance(50) ? WAITPORT_POLL : chance(20) ? 0 : (uint32_t)next();
		if ((fl & ~WAITPORT_FLAGS) == 0 && !(fl & WAITPORT_POLL) && f.nflight)
			fl = WAITPORT_POLL;			/* would wait: not here */
		if ((fl & ~WAITPORT_FLAGS) == 0)
			fl &= ~WAITPORT_IDLE;			/* an idle vCPU's call: not ours */
		if (inbatch)
			fl |= 0x100;		/* a batch's waitport would take its neighbours: EINVAL */
		set32(a, 48, fl);
		ex->errs = (fl & ~WAITPORT_FLAGS) ? BIT(EINVAL) : BIT(EAGAIN) | BIT(0);
		ex->post = P_WAITPORT;
		break;
	}
	case SYS_abortmsg: {
		uint32_t at = place(48);			/* never sent */
		if (at == 0 || chance(20)) {
			at = bad_ptr(48);
			a->efault = !in_user(at, 48);		/* the kernel never touches it */
		}
		set32(a, 48, at);
		ex->errs = BIT(EINVAL);
		break;
	}
	case SYS_submit:
		buffer(a, 48, 52, 0, 0, 0);
		if (inbatch)
			ex->errs = BIT(EINVAL);
		else if (rd32(a->m + 52) >= 4) {		/* only empty vectors here: see batch() */
			uint32_t len = rd32(a->m + 52), ptr;
			do			/* a vector running off the arena may be readable */
				ptr = bad_ptr(len);
			while (in_arena(ptr, 1));
			set32(a, 48, ptr);
			a->efault = 1;
			a->efault_soft = in_user(ptr, len);	/* EFAULT when it is read */
		}
		ex->exact = !inbatch;
		break;
	case SYS_ring_setup: {
		uint32_t n = chance(50) ? 1u << rnd(10) : (uint32_t)next();
		uint32_t flags = chance(50) ? 0 : chance(50) ? RING_SETUP_KPOLL : (uint32_t)next();
		if (!f.ring && n >= 1 && n <= 256 && !(n & (n - 1)))
			n = 3;					/* the fuzzer makes its ring itself */
		set32(a, 48, n);
		set32(a, 52, flags);
		/* A polled ring needs a second CPU: ENOTSUP before EEXIST with one. */
		ex->errs = (n == 0 || n > 256 || (n & (n - 1)) || (flags & ~RING_SETUP_FLAGS)) ?
		    BIT(EINVAL) : BIT(EEXIST);
		if (ex->errs == BIT(EEXIST) && flags)
			ex->also = ENOTSUP;
		break;
	}
	case SYS_ring_enter:
		set32(a, 48, 0);
		set32(a, 52, chance(50) ? 0 : (uint32_t)next() | 0x100);
		/* RING_ENTER_WAKEUP: the fuzzer's ring is not polled, EINVAL like any unknown flag. */
		set32(a, 56, chance(50) ? 0 : chance(50) ? RING_ENTER_WAKEUP : (uint32_t)next());
		ex->errs = inbatch || !f.ring || rd32(a->m + 52) || rd32(a->m + 56) ? BIT(EINVAL) : BIT(0);
		break;
	case SYS_tls_set: {
		uint32_t slot = chance(50) ? TLS_SLOT_FREE : TLS_SLOT_FREE + 1 + rnd(1000);
		uint32_t base = chance(50) ? A(rnd(ARENA)) : (uint32_t)next();
		set32(a, 48, slot);
		set32(a, 52, base);
		ex->errs = slot == TLS_SLOT_FREE && base >= USER_BASE && base < USER_TOP ? BIT(0) :
		    BIT(EINVAL);
		break;
	}
	case SYS_rfork: {
		uint32_t k = rnd(6), cpu = rnd(9);
		uint32_t flags = k == 0 ? (uint32_t)next() :
		    k == 3 ? (RFTHREAD | RFMEM | RFCPU(cpu)) : (RFTHREAD | RFMEM);
		/* Bad entries and stacks lie outside the program's memory: a vCPU started in its
		 * data would fault and take the fuzzer with it (which is right, but ends the run). */
		static const uint32_t bad[] = { 0, 0x1000, USER_BASE - 4, USER_TOP, 0xfee00000,
			0xfffffffc, 0x80000000, (uint32_t)vcpu_stack + 1 };
		uint32_t entry = k == 1 ? bad[rnd(6)] : (uint32_t)vcpu_trampoline;
		uint32_t stack = k == 2 ? bad[rnd(8)] : (uint32_t)(vcpu_stack + sizeof(vcpu_stack));
		set32(a, 48, flags);
		set32(a, 52, entry);
		set32(a, 56, stack);
		set32(a, 60, (uint32_t)next());
		ex->errs = BIT(EINVAL) | BIT(EFAULT);
		bool placed = k == 3 && cpu < (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
		if ((flags == (RFTHREAD | RFMEM) || placed) && entry >= USER_BASE && entry < USER_TOP &&
		    stack >= USER_BASE + 8 && stack <= USER_TOP && !(stack & 3))
			ex->errs = BIT(0) | BIT(EAGAIN) | BIT(EFAULT);
		break;
	}
	case SYS_vcpu_wake:
		set32(a, 48, chance(50) ? 0 : (uint32_t)next());
		ex->errs = BIT(0) | BIT(EINVAL);
		break;
	case SYS_unlink:
	case SYS_rmdir:
	case SYS_mkdir:
	case SYS_chdir:
	case SYS_stat: {
		/* errs: what each call may answer for the paths the fuzzer cannot know (index 0: the
		 * names under /fz, which come and go, and relative ones), then for "", "/", the
		 * program, and a component that is too long. */
		static const struct { uint32_t cmd; uint64_t some, empty, root, program; } known[] = {
			{ SYS_unlink, BIT(0) | BIT(ENOENT) | BIT(EPERM), BIT(ENOENT), BIT(EPERM), BIT(EROFS) },
			{ SYS_rmdir, BIT(0) | BIT(ENOENT) | BIT(ENOTDIR) | BIT(ENOTEMPTY), BIT(ENOENT),
			    BIT(EBUSY), BIT(ENOTDIR) },
			{ SYS_mkdir, BIT(0) | BIT(EEXIST) | BIT(ENOENT) | BIT(ENOSPC), BIT(ENOENT),
			    BIT(EEXIST), BIT(EEXIST) },
			{ SYS_chdir, BIT(0) | BIT(ENOENT) | BIT(ENOTDIR), BIT(ENOENT), BIT(0), BIT(ENOTDIR) },
			{ SYS_stat, BIT(0) | BIT(ENOENT), BIT(ENOENT), BIT(0), BIT(0) },
		};
		string(a, 48, &which, PATHS);
		for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
			if (known[i].cmd != cmd)
				continue;
			if (which == PATH_EMPTY)
				ex->errs = known[i].empty;
			else if (which == PATH_ROOT)
				ex->errs = known[i].root;
			else if (which == PATH_PROGRAM)
				ex->errs = known[i].program;
			else if (which == PATH_LONG)
				ex->errs = BIT(ENAMETOOLONG);
			else
				ex->errs |= known[i].some;
		}
		if (cmd == SYS_mkdir)
			set32(a, 52, (uint32_t)next());
		if (cmd == SYS_stat)
			buffer(a, 52, -1, sizeof(struct stat), 1, 0);
		break;
	}
	case SYS_rename: {
		int to;
		string(a, 48, &which, PATHS);
		/* The dispatcher copies from, then to: a bad from is the answer, whatever to is. */
		int efault = a->efault, soft = a->efault_soft, toolong = a->toolong;
		string(a, 52, &to, PATHS);
		if (efault || toolong) {
			a->efault = efault;
			a->efault_soft = soft;
			a->toolong = toolong;
		} else if (which == -2 && (a->efault || a->toolong)) {
			/* text bytes may hold no NUL (ENAMETOOLONG) before to's error comes */
			ex->errs |= BIT(ENAMETOOLONG) | BIT(EFAULT);
			a->efault = a->efault_soft = a->toolong = 0;
		}
		if (which == PATH_EMPTY)
			ex->errs = BIT(ENOENT);
		else if (which == PATH_LONG)
			ex->errs = BIT(ENAMETOOLONG);
		else
			ex->errs |= BIT(ENOENT) | BIT(ENOTDIR) | BIT(EISDIR) | BIT(ENOTEMPTY) |
			    BIT(EINVAL) | BIT(EBUSY) | BIT(EROFS) | BIT(ENAMETOOLONG);
		if (to == -2)
			ex->errs |= BIT(ENAMETOOLONG);	/* to's text, copied before from is looked at */
		break;
	}
	case SYS_dup2: {
		int oldfd = pick_fd(&cls, inbatch);
		int newfd = chance(15) ? oldfd : chance(15) ? (chance(50) ? -1 - (int)rnd(9) :
		    OPEN_MAX + (int)rnd(100)) : FREE_FD + (int)rnd(FREE_FDS);
		set32(a, 48, (uint32_t)oldfd);
		set32(a, 52, (uint32_t)newfd);
		if (cls == FD_BAD || newfd < 0 || newfd >= OPEN_MAX) {
			ex->errs = BIT(EBADF);
		} else {
			ex->errs = BIT(0) | (cls == FD_EXTRA && inbatch ? BIT(EBADF) : 0);
			ex->exact = 1;
			ex->result = newfd;
			ex->post = newfd == oldfd ? P_NONE : P_DUP2;
		}
		break;
	}
	case SYS_fstat:
		set32(a, 48, (uint32_t)pick_fd_tty(&cls, inbatch));
		buffer(a, 52, -1, sizeof(struct stat), 1, 0);
		ex->errs = cls == FD_BAD ? BIT(EBADF) :
		    BIT(0) | (cls == FD_EXTRA && inbatch ? BIT(EBADF) : 0);
		break;
	case SYS_isatty:
		set32(a, 48, (uint32_t)pick_fd_tty(&cls, inbatch));
		ex->errs = cls == FD_BAD ? BIT(EBADF) : cls == FD_CONSOLE ? BIT(0) :
		    BIT(ENOTTY) | (cls == FD_EXTRA && inbatch ? BIT(EBADF) : 0);
		ex->exact = 1;
		ex->result = 1;
		break;
	case SYS_getdents: {
		set32(a, 48, (uint32_t)pick_fd(&cls, inbatch));
		buffer(a, 52, 56, 0, 1, 0);
		uint32_t len = rd32(a->m + 56);
		if (cls == FD_BAD)
			ex->errs = BIT(EBADF);
		else if (cls == FD_EXTRA)
			ex->errs |= BIT(ENOTDIR) | BIT(EINVAL) | (inbatch ? BIT(EBADF) : 0);
		else if (cls != FD_DIR)
			ex->errs = BIT(ENOTDIR);
		else if (len < DIRENT_RECLEN(1))	/* not even "." fits, if it is next */
			ex->errs |= BIT(EINVAL);
		else
			ex->errs |= BIT(EINVAL);	/* a long name next may not fit */
		break;
	}
	case SYS_getcwd:
		buffer(a, 48, 52, 0, 1, 0);
		ex->errs = rd32(a->m + 52) == 0 ? BIT(EINVAL) : BIT(0) | BIT(ERANGE) | BIT(ENOENT);
		break;
	case SYS_getppid:
		ex->exact = 1;
		ex->result = f.ppid;
		break;
	case SYS_getpgid:
	case SYS_getsid: {
		uint32_t k = rnd(5);
		pid_t pid = k == 0 ? 0 : k == 1 ? f.pid : k == 2 ? f.ppid :
		    k == 3 ? (pid_t)(0x7fff0000 + rnd(1000)) : -1 - (pid_t)rnd(1000);
		set32(a, 48, (uint32_t)pid);
		ex->exact = 1;
		if (pid == 0 || pid == f.pid)
			ex->result = cmd == SYS_getpgid ? f.pgid : f.sid;
		else if (pid == f.ppid)
			ex->result = f.ppid;		/* the driver leads its own session and group */
		else
			ex->errs = BIT(ESRCH);
		if ((pid == 0 || pid == f.pid) && inbatch && f.pgrp_fuzzy)
			ex->exact = 0;
		break;
	}
	case SYS_setpgid: {
		uint32_t kp = rnd(5), kg = rnd(6);
		pid_t pid = kp == 0 ? 0 : kp == 1 ? f.pid : kp == 2 ? f.ppid :
		    kp == 3 ? (pid_t)(0x7fff0000 + rnd(1000)) : -1 - (pid_t)rnd(1000);
		pid_t pgid = kg == 0 ? 0 : kg == 1 ? f.pid : kg == 2 ? f.ppid : kg == 3 ?
		    -1 - (pid_t)rnd(1000) : kg == 4 ? 1 + (pid_t)rnd(1000) : (pid_t)next();
		pid_t pg = pgid == 0 ? f.pid : pgid;
		set32(a, 48, (uint32_t)pid);
		set32(a, 52, (uint32_t)pgid);
		if (pgid < 0)
			ex->errs = BIT(EINVAL);
		else if (pid != 0 && pid != f.pid)
			ex->errs = BIT(ESRCH);		/* not the worker, nor a child of it */
		else if (f.sid == f.pid || (pg != f.pid && pg != f.ppid && pg != f.pgid))
			ex->errs = BIT(EPERM);		/* a session leader; no such group */
		else
			ex->post = P_PGID;
		if (pgid >= 0 && (pid == 0 || pid == f.pid) && inbatch && f.pgrp_fuzzy) {
			ex->errs = BIT(0) | BIT(EPERM);
			ex->post = P_PGID;
		}
		f.pgrp_fuzzy |= inbatch && ex->post == P_PGID;
		break;
	}
	case SYS_setsid:
		if (f.pgid == f.pid) {
			ex->errs = BIT(EPERM);		/* it leads its group already */
		} else {
			/* In a batch, a child an earlier entry spawned (waited for only after the
			 * batch) may still be in a group with the worker's pid: EPERM then. */
			ex->errs = BIT(0) | (inbatch ? BIT(EPERM) : 0);
			ex->exact = 1;
			ex->result = f.pid;
			ex->post = P_SETSID;
		}
		if (inbatch && f.pgrp_fuzzy) {
			ex->errs = BIT(0) | BIT(EPERM);
			ex->exact = 1;
			ex->result = f.pid;
			ex->post = P_SETSID;
		}
		f.pgrp_fuzzy |= inbatch && ex->post == P_SETSID;
		break;
	case SYS_tcgetpgrp:
	case SYS_tcsetpgrp: {
		int fd = pick_fd_tty(&cls, inbatch);
		pid_t pgrp = chance(30) ? f.ppid : chance(30) ? f.pgid : chance(30) ? (pid_t)rnd(3) - 1 :
		    (pid_t)next();
		set32(a, 48, (uint32_t)fd);
		set32(a, 52, (uint32_t)pgrp);
		if (cls == FD_BAD)
			ex->errs = BIT(EBADF);
		else if (cls != FD_CONSOLE)
			ex->errs = BIT(ENOTTY) | (cls == FD_EXTRA && inbatch ? BIT(EBADF) : 0);
		else if (f.sid != f.ppid)
			ex->errs = BIT(ENOTTY);		/* its own session has no terminal */
		else if (cmd == SYS_tcgetpgrp) {
			ex->exact = 1;
			ex->result = f.fg;
		} else if (pgrp <= 0)
			ex->errs = BIT(EINVAL);
		else if (pgrp != f.ppid && pgrp != f.pgid)
			ex->errs = BIT(EPERM);		/* no such group in the session */
		else
			ex->post = P_FG;
		if (cls == FD_CONSOLE && inbatch && f.pgrp_fuzzy) {	/* either state, see pgrp_fuzzy */
			ex->exact = 0;
			ex->errs = BIT(ENOTTY) | (cmd == SYS_tcgetpgrp ? BIT(0) :
			    pgrp <= 0 ? BIT(EINVAL) : BIT(0) | BIT(EPERM));
			ex->post = cmd == SYS_tcsetpgrp && pgrp > 0 ? P_FG : P_NONE;
		}
		f.pgrp_fuzzy |= inbatch && ex->post == P_FG;
		break;
	}
	case SYS_poll:
		gen_poll(a, async, inbatch);
		break;
	case SYS_fork:
		/* The child returns from the same trap in one() and ends at once (forked_child). */
		ex->errs = BIT(0) | BIT(ENOMEM);
		ex->post = P_FORK;
		break;
	default:
		ex->errs = BIT(ENOSYS);
		break;
	}
	if (cmd < SYS_MAXSYSCALL && inbatch &&
	    (cmd == SYS_submit || cmd == SYS_ring_enter || cmd == SYS_exit || cmd == SYS_vcpu_exit ||
	    cmd == SYS_exec || cmd == SYS_fork || cmd == SYS_upcall_resume || cmd == SYS_sigsuspend)) {
		ex->errs = BIT(EINVAL);				/* batch = false in the spec */
		ex->post = P_NONE;
		ex->nout = 0;
		ex->blocks = 0;
		a->efault = a->toolong = 0;
	} else if (cmd < SYS_MAXSYSCALL && (a->efault_range || (a->efault && !a->efault_soft))) {
		ex->errs = BIT(EFAULT);
		ex->exact = 0;
		ex->post = ex->post == P_WAITPORT ? P_WAITPORT : P_NONE;
		ex->blocks = 0;
	} else if (cmd < SYS_MAXSYSCALL && a->toolong) {
		/* The dispatcher copies strings before the handler copies any buffer. */
		ex->errs = BIT(ENAMETOOLONG);
		ex->exact = 0;
		ex->post = P_NONE;
		ex->blocks = 0;
	} else if (cmd < SYS_MAXSYSCALL && a->efault) {
		/* In user space: EFAULT when the call copies, or whatever it answers before. */
		ex->errs |= BIT(EFAULT);
		ex->exact = 0;
		ex->post = ex->post == P_WAITPORT ? P_WAITPORT : P_NONE;
	}
}

/* The bytes of each call's message. */
static const uint8_t sizes[SYS_MAXSYSCALL] = {
		[SYS_null] = sizeof(struct null_msg), [SYS_exit] = sizeof(struct exit_msg),
		[SYS_write] = sizeof(struct write_msg), [SYS_getpid] = sizeof(struct getpid_msg),
		[SYS_read] = sizeof(struct read_msg), [SYS_open] = sizeof(struct open_msg),
		[SYS_close] = sizeof(struct close_msg), [SYS_lseek] = sizeof(struct lseek_msg),
		[SYS_dup] = sizeof(struct dup_msg), [SYS_pipe] = sizeof(struct pipe_msg),
		[SYS_spawn] = sizeof(struct spawn_msg), [SYS_wait] = sizeof(struct wait_msg),
		[SYS_kill] = sizeof(struct kill_msg), [SYS_sbrk] = sizeof(struct sbrk_msg),
		[SYS_sleep_ns] = sizeof(struct sleep_ns_msg), [SYS_clock_ns] = sizeof(struct clock_ns_msg),
		[SYS_sched_yield] = sizeof(struct sched_yield_msg), [SYS_kstat] = sizeof(struct kstat_msg),
		[SYS_waitmsg] = sizeof(struct waitmsg_msg), [SYS_waitport] = sizeof(struct waitport_msg),
		[SYS_abortmsg] = sizeof(struct abortmsg_msg), [SYS_submit] = sizeof(struct submit_msg),
		[SYS_ring_setup] = sizeof(struct ring_setup_msg),
		[SYS_ring_enter] = sizeof(struct ring_enter_msg),
		[SYS_proclist] = sizeof(struct proclist_msg), [SYS_exec] = sizeof(struct exec_msg),
		[SYS_tls_set] = sizeof(struct tls_set_msg), [SYS_rfork] = sizeof(struct rfork_msg),
		[SYS_vcpu_exit] = sizeof(struct vcpu_exit_msg),
		[SYS_vcpu_wake] = sizeof(struct vcpu_wake_msg), [SYS_unlink] = sizeof(struct unlink_msg),
		[SYS_dup2] = sizeof(struct dup2_msg), [SYS_stat] = sizeof(struct stat_msg),
		[SYS_fstat] = sizeof(struct fstat_msg), [SYS_mkdir] = sizeof(struct mkdir_msg),
		[SYS_rmdir] = sizeof(struct rmdir_msg), [SYS_rename] = sizeof(struct rename_msg),
		[SYS_getdents] = sizeof(struct getdents_msg), [SYS_chdir] = sizeof(struct chdir_msg),
		[SYS_getcwd] = sizeof(struct getcwd_msg), [SYS_getppid] = sizeof(struct getppid_msg),
		[SYS_setpgid] = sizeof(struct setpgid_msg), [SYS_getpgid] = sizeof(struct getpgid_msg),
		[SYS_setsid] = sizeof(struct setsid_msg), [SYS_getsid] = sizeof(struct getsid_msg),
		[SYS_tcgetpgrp] = sizeof(struct tcgetpgrp_msg),
		[SYS_tcsetpgrp] = sizeof(struct tcsetpgrp_msg), [SYS_isatty] = sizeof(struct isatty_msg),
		[SYS_poll] = sizeof(struct poll_msg),
		[SYS_fork] = sizeof(struct fork_msg),
		[SYS_upcall_register] = sizeof(struct upcall_register_msg),
		[SYS_upcall_resume] = sizeof(struct upcall_resume_msg),
		[SYS_sigaction] = sizeof(struct sigaction_msg),
		[SYS_sigprocmask] = sizeof(struct sigprocmask_msg),
		[SYS_sigpending] = sizeof(struct sigpending_msg),
		[SYS_sigsuspend] = sizeof(struct sigsuspend_msg),
		[SYS_alarm] = sizeof(struct alarm_msg),
		[SYS_upcall_poke] = sizeof(struct upcall_poke_msg),
		[SYS_sched_model] = sizeof(struct sched_model_msg),
		[SYS_utrace] = sizeof(struct utrace_msg),
		[SYS_sigaltstack] = sizeof(struct sigaltstack_msg),
		[SYS_sigtimedwait] = sizeof(struct sigtimedwait_msg),
};

/*
 * sizes_check: every call of the spec (cr_sysdesc, generated from it) has its size above, and
 * every size above is a call's: a new call must be added here and to gen(). NULL, or what is
 * missing.
 */
static const char *
sizes_check(void)
{
	static char what[80];

	for (uint32_t cmd = 0; cmd < SYS_MAXSYSCALL; cmd++)
		if ((cr_sysdesc[cmd].name != NULL) != (sizes[cmd] != 0) ||
		    (sizes[cmd] != 0 && sizes[cmd] != cr_sysdesc[cmd].msgsize)) {
			snprintf(what, sizeof(what), "call %u (%s) has no right size in msg_size", cmd,
			    cr_sysdesc[cmd].name ? cr_sysdesc[cmd].name : "no such call");
			return what;
		}
	return NULL;
}

/* msg_size: the bytes of a message of cmd (the header alone for an unknown number or a gap). */
static uint32_t
msg_size(uint32_t cmd)
{
	return cmd < SYS_MAXSYSCALL && sizes[cmd] != 0 ? sizes[cmd] : sizeof(struct lwkt_msg);
}

/* -- after an answer ---------------------------------------------------------------------------- */

static void
untrack_fd(int fd)
{
	for (int i = 0; i < f.nextra; i++)
		if (f.extra[i] == fd) {
			f.extra[i] = f.extra[--f.nextra];
			return;
		}
}

/* helper: a call of the fuzzer's own, synchronous, that must answer 0 (counted as a message). */
static int64_t
helper(uint32_t cmd, uint32_t a0, uint32_t a1)
{
	uint32_t m[16] = { 0 };

	m[5] = MSGF_DONE;
	m[6] = cmd;
	m[12] = a0;
	m[13] = a1;
	f.messages++;
	int error = trap((uint32_t)m);
	/* A batch runs every entry before the fuzzer looks at any: a later entry may have closed
	 * (at random) a descriptor an earlier one made, which the fuzzer now closes too. */
	if (error == EBADF && cmd == SYS_close && f.batch_post)
		return 0;
	if (error != 0)
		fail("the fuzzer's own call %u(%u, %u) answered %d", cmd, a0, a1, error);
	return (int64_t)((uint64_t)m[8] | (uint64_t)m[9] << 32);
}

static void
close_extra(int fd)
{
	helper(SYS_close, (uint32_t)fd, 0);
	untrack_fd(fd);
}

/* reap: the fuzzer's own wait for the child pid a fuzzed call made (what: how); its status. */
static int
reap(const char *what, int pid)
{
	uint32_t m[16] = { 0 };
	int status = -1;

	m[5] = MSGF_DONE;
	m[6] = SYS_wait;
	m[12] = (uint32_t)pid;
	m[13] = (uint32_t)&status;
	m[14] = 0;			/* options */
	f.messages++;
	if (trap((uint32_t)m) != 0 || (int32_t)m[8] != pid)
		fail("wait for the %s pid %d answered %d", what, pid, (int)m[7]);
	return status;
}

/* after: a success of c, answered with result: keep the fuzzer's model of its state. */
static void
after(struct call *c, int64_t result)
{
	uint32_t cmd = rd32(c->sent + 24);

	switch (c->ex.post) {
	case P_FD:
		if (cmd == SYS_close) {
			untrack_fd((int)rd32(c->sent + 48));
		} else if (f.nextra < MAX_EXTRA) {
			f.extra[f.nextra++] = (int)result;
		} else {
			helper(SYS_close, (uint32_t)result, 0);
		}
		break;
	case P_DUP:			/* a dup of a modelled pipe end must not outlive the call */
	case P_DUP2:
		helper(SYS_close, (uint32_t)result, 0);
		break;
	case P_PGID:
		f.pgid = rd32(c->sent + 52) ? (pid_t)rd32(c->sent + 52) : f.pid;
		break;
	case P_SETSID:
		f.sid = f.pgid = f.pid;
		break;
	case P_FG:
		f.fg = (pid_t)rd32(c->sent + 52);
		break;
	case P_PIPE: {
		int fds[2];
		memcpy(fds, (void *)rd32(c->sent + 48), 8);
		helper(SYS_close, (uint32_t)fds[0], 0);
		helper(SYS_close, (uint32_t)fds[1], 0);
		break;
	}
	case P_SPAWN:
		reap("spawned", (int)result);
		break;
	case P_FORK: {
		/* The child ended at once with EXIT_CHILD: it returned from the trap, answered 0. */
		int status = reap("forked", (int)result);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != EXIT_CHILD)
			fail("the forked child %d ended with status %#x, not exit %d", (int)result, status,
			    EXIT_CHILD);
		break;
	}
	case P_SBRK_UNDO:
		helper(SYS_sbrk, (uint32_t)-4096, 0);
		break;
	case P_MODEL:
		if (cmd == SYS_read)
			f.psync_bytes -= (uint32_t)result;
		else
			f.psync_bytes += (uint32_t)result;
		break;
	}
}

/* track: c answered EASYNC: it is in flight until collected. */
static void
track(struct call *c)
{
	if (f.nflight >= (int)(sizeof(f.flight) / sizeof(f.flight[0])))
		fail("more than %d messages in flight", f.nflight);
	f.flight[f.nflight++] = *c;
}

/*
 * completed: the in-flight message at addr has been collected (by waitmsg or waitport, or from
 * the ring's completion queue); check its answer and forget it. error: what the collecting call
 * said, or -1 to take ms_error as it is.
 */
static void
completed(uint32_t addr, int error, int via_ring)
{
	int dups = 0;

	for (int i = 0; i < f.nflight; i++)
		dups += f.flight[i].addr == addr;
	for (int i = 0; i < f.nflight; i++) {
		struct call *c = &f.flight[i];
		if (c->addr != addr)
			continue;
		const uint8_t *now = (const uint8_t *)addr;
		int err = (int32_t)rd32(now + 28);
		if (dups > 1)			/* reused in flight: the memory shows the last answer */
			err = error >= 0 ? error : err;
		else if (error >= 0 && error != err)
			fail("collected message 0x%x: the collecting call said %d, ms_error %d", addr,
			    error, err);
		if (!msg_done(now))
			fail("collected message 0x%x (call %u) is not DONE", addr, rd32(c->sent + 24));
		const char *why = dups > 1 ? NULL : answer_ok(c->sent, now, c->size, err, 1);
		if (why)
			fail("completion of call %u at 0x%x: %s", rd32(c->sent + 24), addr, why);
		if (err != EINTR && !(err >= 0 && err < 64 && (c->ex.errs & BIT(err))) && err != c->ex.also)
			fail("call %u completed later with error %d, not one it may answer",
			    rd32(c->sent + 24), err);
		int64_t result;
		memcpy(&result, now + 32, 8);
		if (err == 0)
			after(c, result);
		for (int j = 0; j < c->ex.nout; j++)
			accept(c->ex.out[j][0], c->ex.out[j][1]);
		accept(addr, c->size);
		f.flight[i] = f.flight[--f.nflight];
		return;
	}
	fail("a completion for 0x%x%s that the fuzzer never sent (or collected twice)", addr,
	    via_ring ? " in the ring" : "");
}

static void answered(struct call *c, int error, int async);

/*
 * taken: an entry of a batch was taken; what its message says now tells how it was answered:
 * at once (DONE, not QUEUED), or EASYNC (in flight, or completed and waiting to be collected).
 */
static void
taken(struct call *c)
{
	const uint8_t *now = (const uint8_t *)c->addr;
	int async = (rd32(c->sent + 20) & MSGF_ASYNC) != 0;

	if (msg_done(now) && !msg_queued(now))
		answered(c, (int32_t)rd32(now + 28), async);
	else if (!async)
		fail("a synchronous batch entry (call %u) was not answered", rd32(c->sent + 24));
	else
		track(c);
}

/*
 * answered: the kernel answered c at once with error (from %eax or the batch); check the answer
 * bytes and the error, and keep the model.
 */
static void
answered(struct call *c, int error, int async)
{
	const uint8_t *now = (const uint8_t *)c->addr;
	uint32_t cmd = rd32(c->sent + 24);
	int64_t result;

	if (error == EASYNC) {
		if (!async)
			fail("call %u sent synchronously answered EASYNC", cmd);
		for (uint32_t i = 0; i < c->size; i++)
			if (now[i] != c->sent[i] && !(i >= 28 && i < 32) &&
			    !(i >= ANSWER_LO && i < ANSWER_HI && msg_done(now)))
				fail("call %u answered EASYNC but its message changed at byte %u", cmd, i);
		if (rd32(now + 28) != EASYNC && !msg_done(now))
			fail("call %u answered EASYNC but its ms_error is not EASYNC", cmd);
		track(c);
		return;
	}
	const char *why = answer_ok(c->sent, now, c->size, error, async);
	if (why)
		fail("call %u at 0x%x (flags 0x%x, now 0x%x): %s (error %d)", cmd, c->addr,
		    rd32(c->sent + 20), rd32(now + 20), why, error);
	memcpy(&result, now + 32, 8);
	if ((error < 0 || error >= 64 || !(c->ex.errs & BIT(error))) && error != c->ex.also)
		fail("call %u at 0x%x (args %08x %08x %08x %08x) answered %d, not one of its errors "
		    "(mask 0x%llx, or %d)", cmd, c->addr, rd32(c->sent + 48), rd32(c->sent + 52),
		    rd32(c->sent + 56), rd32(c->sent + 60), error, (unsigned long long)c->ex.errs,
		    c->ex.also);
	if (error == 0 && c->ex.exact && result != c->ex.result)
		fail("call %u answered %lld, expected %lld", cmd, (long long)result,
		    (long long)c->ex.result);
	if (error == 0 && c->ex.post == P_WAITPORT) {
		completed((uint32_t)result, -1, 0);
		return;
	}
	if (error == 0)
		after(c, result);
	if (cmd == SYS_ring_setup && error == 0)
		fail("a second ring was set up");
}

/* -- sending ------------------------------------------------------------------------------------ */

/* build: a random call at a free spot in the arena, flags chosen; 0 if no room. */
static int
build(struct call *c, int async, int inbatch, int badflags)
{
	struct args a;
	uint32_t flags;

	gen(&a, async, inbatch);
	uint32_t cmd = rd32(a.m + 24);
	c->size = msg_size(cmd);
	if ((c->addr = place(c->size)) == 0)
		return 0;
	/* An asynchronous message goes with DONE clear, as lwkt_sendmsg sends it: in a batch, DONE
	 * is the only sign of how it was answered. A synchronous one may say anything allowed. */
	flags = async ? MSGF_ASYNC | (chance(30) ? MSGF_SYNC : 0) :
	    (chance(70) ? MSGF_DONE : 0) | (chance(30) ? MSGF_REPLY : 0) | (chance(30) ? MSGF_SYNC : 0);
	if (badflags)
		flags |= 1u << (2 + rnd(30)) & ~MSGF_USER_SUBMIT ? 1u << (2 + rnd(30)) : 0x40;
	if (badflags && !(flags & ~MSGF_USER_SUBMIT))
		flags |= 0x40;
	set32(&a, 20, flags);
	c->ex = a.ex;
	if (flags & ~MSGF_USER_SUBMIT) {
		c->ex.errs = BIT(EINVAL);
		c->ex.nout = 0;
		c->ex.blocks = 0;
		c->ex.post = P_NONE;
	} else if (cmd >= SYS_MAXSYSCALL) {
		c->ex.errs = BIT(ENOSYS);
	}
	c->ring = 0;
	memcpy(c->sent, a.m, c->size);
	put(c->addr, c->sent, c->size);
	if (f.trace > 1)
		say("FUZZ step %u: built call %u at 0x%x flags 0x%x errs 0x%llx args %08x %08x %08x "
		    "%08x", f.step, cmd, c->addr, flags, (unsigned long long)c->ex.errs,
		    rd32(a.m + 48), rd32(a.m + 52), rd32(a.m + 56), rd32(a.m + 60));
	return 1;
}

static void
trace_call(const char *how, const struct call *c)
{
	if (f.trace)
		say("FUZZ step %u: %s call %u at 0x%x flags 0x%x args %08x %08x %08x %08x", f.step, how,
		    rd32(c->sent + 24), c->addr, rd32(c->sent + 20), rd32(c->sent + 48),
		    rd32(c->sent + 52), rd32(c->sent + 56), rd32(c->sent + 60));
}

/* settle: after a call: accept what it and the messages in flight may write, check the rest. */
static void
settle(struct call *c, const char *what)
{
	if (c) {
		accept(c->addr, c->size);	/* checked byte by byte already by answered() */
		for (int j = 0; j < c->ex.nout; j++)
			accept(c->ex.out[j][0], c->ex.out[j][1]);
	}
	arena_check(what);
}

/*
 * forked_child: the child of a fuzzed fork, just back from the trap (its answer: 0): it ends at
 * once, with a raw exit, touching nothing the parent's checks could see.
 */
static __attribute__((noreturn)) void
forked_child(void)
{
	uint32_t m[13] = { 0 };

	m[5] = MSGF_DONE;
	m[6] = SYS_exit;
	m[12] = EXIT_CHILD;
	trap((uint32_t)m);
	for (;;)
		;				/* exit does not return */
}

/* one: a call sent by one trap, synchronously or not. */
static void
one(int async, int badflags)
{
	struct call c;

	if (!build(&c, async, 0, badflags))
		return;
	if (c.ex.blocks && !async) {				/* it may wait: send it async */
		uint32_t fl = (rd32(c.sent + 20) | MSGF_ASYNC) & ~(MSGF_DONE | MSGF_REPLY);
		memcpy(c.sent + 20, &fl, 4);
		put(c.addr, c.sent, c.size);
		async = 1;
	}
	trace_call(async ? "async" : "sync", &c);
	f.messages++;
	int error = trap(c.addr);
	if (rd32(c.sent + 24) == SYS_fork && error == 0 && rd32((const void *)(c.addr + 32)) == 0)
		forked_child();
	answered(&c, error, async);
	settle(&c, "a call");
}

/*
 * hostile: a header where no message can be: EFAULT in %eax, and nothing written outside the
 * answer words. A header that runs off the end of mapped memory is one only if the words the
 * kernel touches (ms_flags to ms_result, bytes 20 to 39) are not all mapped; if they are, it is
 * answered in place (here ENOSYS: its number is none). If they are only partly mapped, the part
 * of the answer words before the end may be written (docs/syscall-abi.md, "What the kernel
 * checks").
 */
static void
hostile(void)
{
	uint32_t addr = hostile_addr(), n = 0;

	if (in_arena(addr, 1) && !reserve(addr, A(ARENA) - addr))
		return;
	if (in_arena(addr, 1)) {		/* a header that runs off the end: fill what is mapped */
		uint8_t h[48];
		for (int i = 0; i < 48; i++)
			h[i] = (uint8_t)next();
		n = A(ARENA) - addr;
		memcpy(h + 20, &(uint32_t){ MSGF_DONE }, 4);
		memcpy(h + 24, &(uint32_t){ 0xffffffffu }, 4);
		put(addr, h, n < 48 ? n : 48);
	}
	if (f.trace)
		say("FUZZ step %u: hostile header 0x%x", f.step, addr);
	f.messages++;
	int error = trap(addr);
	if (n >= 40) {
		if (error != ENOSYS || rd32((void *)(addr + 28)) != ENOSYS)
			fail("a message at 0x%x whose touched words are mapped answered %d", addr, error);
		accept(addr + 28, 12);
	} else if (error != EFAULT) {
		fail("a message at 0x%x answered %d, not EFAULT", addr, error);
	} else if (n > 28) {
		accept(addr + 28, n - 28);
	}
	settle(NULL, "a hostile header");
}

/* readonly: a valid-looking message in the program's text: EFAULT, and the text unchanged. */
static void
readonly(void)
{
	uint32_t addr = f.text_lo + rnd(f.text_hi - f.text_lo - 64);

	if (f.trace)
		say("FUZZ step %u: header in text 0x%x", f.step, addr);
	f.messages++;
	int error = trap(addr);
	if (error != EFAULT)
		fail("a message in read-only text at 0x%x answered %d, not EFAULT", addr, error);
}

/* abort_unsent: abortmsg of a message never sent (or already answered): EINVAL. */
static void
abort_unsent(void)
{
	struct call c;

	if (!build(&c, 0, 0, 0))
		return;
	uint32_t m[13] = { 0 };
	m[5] = MSGF_DONE;
	m[6] = SYS_abortmsg;
	m[12] = c.addr;
	f.messages++;
	int error = trap((uint32_t)m);
	if (error != EINVAL)
		fail("abortmsg of a message never sent answered %d, not EINVAL", error);
	settle(NULL, "an abort of an unsent message");
}

/*
 * reuse: a message that waits (an async read of an empty pipe, or a long sleep) sent, then the
 * same bytes sent again while the first is in flight; both are then in flight at one address.
 */
static void
reuse(void)
{
	struct call c;
	uint32_t m[18] = { 0 };

	if (f.nflight + 2 > MAX_FLIGHT)
		return;
	c.size = chance(50) ? sizeof(struct read_msg) : sizeof(struct sleep_ns_msg);
	if ((c.addr = place(c.size)) == 0)
		return;
	m[5] = MSGF_ASYNC;
	if (c.size == sizeof(struct read_msg)) {
		uint32_t buf = place(8);
		if (buf == 0)
			return;
		m[6] = SYS_read;
		m[12] = (uint32_t)f.pasync[0];
		m[13] = buf;
		m[14] = 8;
		c.ex = (struct expect){ .errs = BIT(0), .out = { { buf, 8 } }, .nout = 1, .also = -1 };
	} else {
		m[6] = SYS_sleep_ns;
		m[12] = 0xffffffffu;				/* about 43 seconds: aborted long before */
		c.ex = (struct expect){ .errs = BIT(0), .also = -1 };
	}
	c.ring = 0;
	memcpy(c.sent, m, c.size);
	put(c.addr, c.sent, c.size);
	for (int i = 0; i < 2; i++) {
		trace_call("reuse", &c);
		f.messages++;
		answered(&c, trap(c.addr), 1);
		settle(&c, "a message reused in flight");
		if (!msg_done((const uint8_t *)c.addr))
			put(c.addr, c.sent, c.size);		/* sent again exactly as before */
		else
			memcpy(c.sent, (const void *)c.addr, c.size);	/* answered: sent as it is */
	}
}

/*
 * batch: a submit of up to 8 entries: messages (sync ones that would wait go async), nested
 * batches and exits (refused), hostile addresses and read-only ones (either ends the batch: no
 * header to answer in). Answers how many were taken; every taken entry is checked.
 */
static void
batch(void)
{
	struct call cs[8];
	uint32_t vec[8], n = rnd(9), end = n;

	f.pgrp_fuzzy = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = rnd(20);
		int async = chance(50);
		if (k == 0) {
			do				/* unreadable: the batch ends here (a header */
				vec[i] = bad_ptr(48);	/* running off the arena may be readable) */
			while (in_arena(vec[i], 1));
			cs[i].addr = 0;
			if (end == n)
				end = i;
			continue;
		}
		if (k == 1) {
			vec[i] = f.text_lo + rnd(f.text_hi - f.text_lo - 64);
			cs[i].addr = 0;				/* unwritable: the batch ends here too */
			if (end == n)
				end = i;
			continue;
		}
		if (!build(&cs[i], async, 1, k == 2) || f.nflight + (int)i + 1 > MAX_FLIGHT) {
			vec[i] = 0;
			cs[i].addr = 0;
			if (end == n)
				end = i;
			continue;
		}
		if (cs[i].ex.blocks && !async) {
			uint32_t fl = (rd32(cs[i].sent + 20) | MSGF_ASYNC) & ~(MSGF_DONE | MSGF_REPLY);
			memcpy(cs[i].sent + 20, &fl, 4);
			put(cs[i].addr, cs[i].sent, cs[i].size);
		}
		vec[i] = cs[i].addr;
	}
	uint32_t vaddr = place(sizeof(vec));
	if (vaddr == 0)
		return;
	put(vaddr, vec, n * 4);
	struct submit_msg sm;
	memset(&sm, 0, sizeof(sm));
	sm.hdr.ms_flags = MSGF_DONE;
	sm.hdr.ms_cmd = SYS_submit;
	sm.vec = (const void *)vaddr;
	sm.len = n * 4 + (chance(10) ? rnd(4) : 0);		/* a ragged length is rounded down */
	if (f.trace)
		say("FUZZ step %u: batch of %u at 0x%x (ends at %u)", f.step, n, vaddr, end);
	f.messages += 1 + end;
	int error = trap((uint32_t)&sm);
	if (error != 0 || (uint32_t)sm.hdr.ms_result != end ||
	    (uint64_t)sm.hdr.ms_result >> 32 > end)	/* high word: how many are held */
		fail("a batch of %u (first bad entry %u) answered %d, took %lld", n, end, error,
		    (long long)sm.hdr.ms_result);
	f.batch_post = 1;
	for (uint32_t i = 0; i < end; i++)
		if (cs[i].addr != 0) {
			taken(&cs[i]);
			accept(cs[i].addr, cs[i].size);
			for (int j = 0; j < cs[i].ex.nout; j++)
				accept(cs[i].ex.out[j][0], cs[i].ex.out[j][1]);
		}
	f.batch_post = 0;
	settle(NULL, "a batch");
}

/* ring_drain: take every completion posted to the ring's CQ. */
static void
ring_drain(void)
{
	struct ring_shared *r = f.ring;
	uint32_t *cq = (uint32_t *)((char *)r + r->cq_off);

	while (r->cq_head != r->cq_tail) {
		uint32_t addr = cq[r->cq_head & (RING_ENTRIES - 1)];
		r->cq_head++;
		completed(addr, -1, 1);
	}
}

/*
 * ring: up to 8 messages through the shared ring (each one asynchronous whatever its flags say;
 * one that waits completes to the CQ later), sometimes with counters made up.
 */
static void
ring(void)
{
	struct ring_shared *r = f.ring;
	uint32_t *sq = (uint32_t *)((char *)r + r->sq_off);
	struct call cs[8];
	uint32_t n = rnd(9), posted = 0;

	f.pgrp_fuzzy = 0;
	if (chance(5)) {				/* counters no ring can have: EINVAL */
		uint32_t save = r->sq_tail;
		r->sq_tail = r->sq_head + RING_ENTRIES + 1 + rnd(1000);
		struct ring_enter_msg e = { .hdr = { .ms_flags = MSGF_DONE, .ms_cmd = SYS_ring_enter },
			.to_submit = 8 };
		f.messages++;
		if (trap((uint32_t)&e) != EINVAL)
			fail("ring_enter with sq_tail - sq_head > entries did not answer EINVAL");
		r->sq_tail = save;
		return;
	}
	if (f.nflight + (int)n > MAX_FLIGHT)
		n = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t addr;
		if (chance(5)) {
			do				/* no message: nothing posted (a header */
				addr = bad_ptr(48);	/* running off the arena may be one) */
			while (in_arena(addr, 1));
			cs[i].addr = 0;
		} else if (build(&cs[i], chance(50), 1, chance(5))) {
			cs[i].ring = 1;
			addr = cs[i].addr;
			posted++;
		} else {
			addr = 0;
			cs[i].addr = 0;
		}
		sq[r->sq_tail & (RING_ENTRIES - 1)] = addr;
		r->sq_tail++;
	}
	struct ring_enter_msg e = { .hdr = { .ms_flags = MSGF_DONE, .ms_cmd = SYS_ring_enter },
		.to_submit = n };
	if (f.trace)
		say("FUZZ step %u: ring of %u", f.step, n);
	f.messages += 1 + n;
	int error = trap((uint32_t)&e);
	if (error != 0 || e.hdr.ms_result != n)
		fail("ring_enter of %u answered %d, took %lld", n, error, (long long)e.hdr.ms_result);
	for (uint32_t i = 0; i < n; i++)
		if (cs[i].addr != 0) {
			struct call *c = &cs[i];
			c->ex.blocks = 0;
			track(c);			/* every one completes to the CQ, now or later */
		}
	f.batch_post = 1;			/* every entry ran before the fuzzer looks (see helper) */
	ring_drain();
	f.batch_post = 0;
	settle(NULL, "a ring submission");
}

/*
 * drain: end the episode: abort every message in flight and collect them all (waitmsg for
 * trapped ones, the CQ for ring ones); then nothing may be left to collect.
 */
static void
drain(void)
{
	while (f.nflight > 0) {
		struct call *c = &f.flight[0];
		int before = f.nflight;
		uint32_t addr = c->addr, m[13] = { 0 };
		m[5] = MSGF_DONE;
		m[6] = SYS_abortmsg;
		m[12] = addr;
		f.messages++;
		int error = trap((uint32_t)m);
		if (error != 0 && error != EINVAL)
			fail("abortmsg of a message in flight answered %d", error);
		if (c->ring) {
			ring_drain();
			/* a completion that found the CQ full waits on the reply port */
			uint32_t w[13] = { 0 };
			w[5] = MSGF_DONE;
			w[6] = SYS_waitport;
			w[12] = WAITPORT_POLL;
			f.messages++;
			if (trap((uint32_t)w) == 0)
				completed(w[8], -1, 1);
			if (f.nflight == before)
				fail("ring message 0x%x (call %u) never completed after its abort", addr,
				    rd32(c->sent + 24));
			continue;
		}
		m[6] = SYS_waitmsg;
		f.messages++;
		error = trap((uint32_t)m);
		completed(addr, error, 0);
	}
	uint32_t w[13] = { 0 };
	w[5] = MSGF_DONE;
	w[6] = SYS_waitport;
	w[12] = WAITPORT_POLL;
	f.messages++;
	if (trap((uint32_t)w) != EAGAIN)
		fail("after the drain waitport still found message 0x%x", w[8]);
	settle(NULL, "the drain");
}

/* -- the worker --------------------------------------------------------------------------------- */

/* vcpu_trampoline: where a fuzzed rfork starts: end the vCPU at once, touching no memory. */
__asm__(".text\n.globl vcpu_trampoline\nvcpu_trampoline:\n"
	"\tmovl $vcpu_exit_msg, %eax\n\tint $0x80\n\tud2\n");
struct vcpu_exit_msg vcpu_exit_msg = { .hdr = { .ms_flags = MSGF_DONE, .ms_cmd = SYS_vcpu_exit } };

static int
open_or_die(const char *path, int flags)
{
	int fd = open(path, flags, 0);
	if (fd < 0)
		fail("cannot open %s", path);
	return fd;
}

static void
worker_setup(void)
{
	extern char __tdata_start[];
	uint32_t cur = (uint32_t)sbrk(0), pad = (PAGE - (cur & (PAGE - 1))) & (PAGE - 1);

	f.text_lo = USER_BASE;
	f.text_hi = (uint32_t)__tdata_start & ~(PAGE - 1);
	f.text_sum = text_sum();
	if ((int32_t)(uint32_t)sbrk(pad + ARENA) == -1)
		fail("no memory for the arena");
	f.arena = (uint8_t *)(cur + pad);
	f.brk = (uint32_t)sbrk(0);
	memset(f.arena, 0, ARENA);
	f.pid = getpid();
	if (pipe(f.psync) != 0 || pipe(f.pasync) != 0)
		fail("no pipes");
	struct stat st;
	if (mkdir("/fz", 0755) != 0 || stat("/fz", &st) != 0)
		fail("cannot make /fz (errno %d)", errno);
	f.ino_base = st.st_ino;
	f.file = open_or_die("/fz/base", O_RDWR | O_CREAT | O_TRUNC);
	f.rofile = open_or_die("/bin/fuzz", O_RDONLY);
	f.dir = open_or_die("/fz", O_RDONLY | O_DIRECTORY);
	f.pgid = getpgrp();
	f.sid = getsid(0);
	f.fg = tcgetpgrp(CONSOLE_FD);
	if (f.pgid != f.ppid || f.sid != f.ppid || f.fg != f.ppid)
		fail("the worker's group %d, session %d, console group %d: not the driver's %d",
		    f.pgid, f.sid, f.fg, f.ppid);
	f.ring = (struct ring_shared *)__sys_ring_setup(RING_ENTRIES, 0);
	if ((uint32_t)f.ring != RING_UADDR)
		fail("ring_setup answered %p", (void *)f.ring);
	/* The premise of every straddling header: the page after the arena is unmapped. */
	if (trap(A(ARENA)) != EFAULT || trap(A(ARENA) - 24) != EFAULT)
		fail("the page after the arena is mapped: the fuzzer's premise is wrong");
}

/*
 * rm_tree: remove name (in the current directory), and everything in it if it is a directory
 * (fuzzed calls made them). It works down by chdir and relative names: a rename can move a
 * directory under a long-named one, so a tree may be deeper than any path can name.
 */
static void
rm_tree(const char *name)
{
	struct stat st;
	struct dirent *e;
	DIR *d;

	if (stat(name, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(name) != 0)
			fail("cannot unlink %s (errno %d)", name, errno);
		return;
	}
	if (chdir(name) != 0 || (d = opendir(".")) == NULL)
		fail("cannot list the directory %s (errno %d)", name, errno);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			rm_tree(e->d_name);
	closedir(d);
	if (chdir("..") != 0)
		fail("cannot leave the directory %s (errno %d)", name, errno);
	if (rmdir(name) != 0)
		fail("cannot remove the directory %s (errno %d)", name, errno);
}

/*
 * rm_made: remove everything in the current directory that the worker made (its number is
 * ino_base or more: ramfs numbers files in the order they are made), wherever it is (a path of
 * text bytes may name anything), looking into the directories that were there before.
 */
static void
rm_made(void)
{
	struct dirent *e;
	DIR *d;

	if ((d = opendir(".")) == NULL)
		fail("cannot list a directory (errno %d)", errno);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (e->d_ino >= f.ino_base) {
			rm_tree(e->d_name);
		} else if (e->d_type == DT_DIR) {
			if (chdir(e->d_name) != 0)
				fail("cannot enter the directory %s (errno %d)", e->d_name, errno);
			rm_made();
			if (chdir("..") != 0)
				fail("cannot leave the directory %s (errno %d)", e->d_name, errno);
		}
	}
	closedir(d);
}

static void
worker_teardown(void)
{
	drain();
	while (f.nextra)
		close_extra(f.extra[0]);
	close(f.file);
	close(f.rofile);
	close(f.dir);
	if (chdir("/") != 0)
		fail("cannot go back to /");
	rm_made();			/* from /: what fuzzed opens, mkdirs and renames made, /fz included */
	if (text_sum() != f.text_sum)
		fail("the program's text changed");
}

static int
worker(uint64_t seed, uint32_t first, uint32_t n, int tracing)
{
	f.seed = seed;
	f.trace = (uint32_t)tracing;
	f.step = first;
	f.ppid = 0;
	f.ppid = getppid();
	worker_setup();
	/* Every chunk starts from the seed and its own first step alone: replayable on its own. */
	rng = seed ^ (uint64_t)(first / CHUNK) * 0xd1b54a32d192ed03ull;
	next();
	for (uint32_t i = 0; i < n; i++, f.step++) {
		uint32_t k = rnd(100);
		int kind = k < 30 ? K_SYNC : k < 50 ? K_ASYNC : k < 62 ? K_BATCH : k < 72 ? K_RING :
		    k < 76 ? K_ABORT : k < 80 ? K_REUSE : k < 96 ? K_HOSTILE : K_READONLY;
		f.kinds[kind]++;
		f.nresv = 0;
		switch (kind) {
		case K_SYNC: one(0, chance(5)); break;
		case K_ASYNC: one(1, chance(5)); break;
		case K_BATCH: batch(); break;
		case K_RING: ring(); break;
		case K_ABORT: abort_unsent(); break;
		case K_REUSE: reuse(); break;
		case K_HOSTILE: hostile(); break;
		case K_READONLY: readonly(); break;
		}
		if (f.nflight >= MAX_FLIGHT || (f.step + 1) % EPISODE == 0)
			drain();
		if ((f.step & 4095) == 0 && text_sum() != f.text_sum)
			fail("the program's text changed");
	}
	worker_teardown();
	say("FUZZ worker steps=%u messages=%u sync=%u async=%u batch=%u ring=%u abort=%u reuse=%u "
	    "hostile=%u readonly=%u", n, f.messages, f.kinds[0], f.kinds[1], f.kinds[2], f.kinds[3],
	    f.kinds[4], f.kinds[5], f.kinds[6], f.kinds[7]);
	return 0;
}

/* -- the driver --------------------------------------------------------------------------------- */

/* The counters of what the kernel holds: all must be back after every worker. */
#define COUNTERS(X) X(ks_pages_free) X(ks_kmalloc_in_use) X(ks_threads) X(ks_procs) \
	X(ks_sysmsg_live) X(ks_sysmsg_outstanding) X(ks_files) X(ks_pipes) X(ks_ramfs_files) \
	X(ks_ramfs_pages) X(ks_polls) X(ks_pages_shared) X(ks_pages_reserved)

static int
leaks(const struct kstat *a, const struct kstat *b, char *buf, size_t len)
{
	int n = 0;
	buf[0] = '\0';
#define CMP(field) if (a->field != b->field) { \
		size_t at = strlen(buf); \
		snprintf(buf + at, len - at, " " #field " %u -> %u", (unsigned)a->field, \
		    (unsigned)b->field); \
		n++; \
	}
	COUNTERS(CMP)
#undef CMP
	return n;
}

static int
driver(uint64_t seed, uint32_t steps, uint32_t first, int tracing)
{
	struct kstat start, before, now;
	char seedbuf[24], firstbuf[16], nbuf[16], tbuf[4], diff[256];
	const char *missing;

	f.seed = seed;
	say("FUZZ start seed=%llu steps=%u first=%u chunk=%u", (unsigned long long)seed, steps, first,
	    CHUNK);
	if ((missing = sizes_check()) != NULL) {
		say("FUZZ FAIL seed=%llu step=%u: %s: add it there and to gen()",
		    (unsigned long long)seed, first, missing);
		return 1;
	}
	kstat(&start, sizeof(start));
	for (uint32_t done = 0; done < steps; ) {
		uint32_t at = first + done, n = CHUNK - at % CHUNK;
		if (n > steps - done)
			n = steps - done;
		snprintf(seedbuf, sizeof(seedbuf), "%llu", (unsigned long long)seed);
		snprintf(firstbuf, sizeof(firstbuf), "%u", at);
		snprintf(nbuf, sizeof(nbuf), "%u", n);
		snprintf(tbuf, sizeof(tbuf), "%d", tracing);
		char *argv[] = { "fuzz", "-w", seedbuf, firstbuf, nbuf, tbuf, NULL };
		tcsetpgrp(CONSOLE_FD, getpgrp());	/* a worker may have taken the console */
		kstat(&before, sizeof(before));
		pid_t pid = spawnv("/bin/fuzz", argv);
		int status = -1;
		if (pid < 0 || waitpid(pid, &status, 0) != pid) {
			say("FUZZ FAIL seed=%llu step=%u: cannot run a worker", (unsigned long long)seed, at);
			return 1;
		}
		if (status != 0) {
			say("FUZZ FAIL seed=%llu step=%u: the worker for steps %u..%u %s %d%s",
			    (unsigned long long)seed, at, at, at + n - 1,
			    WIFSIGNALED(status) ? "was killed by signal" : "ended with status",
			    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
			    WIFSIGNALED(status) ? " (see the kernel's report above)" : "");
			return 1;
		}
		kstat(&now, sizeof(now));
		if (leaks(&before, &now, diff, sizeof(diff))) {
			say("FUZZ FAIL seed=%llu step=%u: the kernel leaked in steps %u..%u:%s",
			    (unsigned long long)seed, at, at, at + n - 1, diff);
			return 1;
		}
		done += n;
		say("FUZZ progress %u/%u", done, steps);
	}
	kstat(&now, sizeof(now));
	if (leaks(&start, &now, diff, sizeof(diff))) {
		say("FUZZ FAIL seed=%llu step=%u: the kernel leaked over the run:%s",
		    (unsigned long long)seed, first + steps, diff);
		return 1;
	}
	say("FUZZ PASS seed=%llu steps=%u: every kstat counter is back where it started",
	    (unsigned long long)seed, steps);
	return 0;
}

/*
 * ppid_of: the parent of pid (0: started by the kernel), or -1. A fuzzed spawn may run this very
 * program with arguments of any shape, even a driver's or a worker's: only the kernel starts a
 * driver, and only a driver starts a worker, so the roles are told by who the parent is.
 */
static int
ppid_of(int pid)
{
	struct procinfo pi[64];
	int n = proclist(pi, sizeof(pi));

	for (int i = 0; i < n; i++)
		if (pi[i].pi_pid == pid)
			return pi[i].pi_ppid;
	return -1;
}

int
main(int argc, char **argv)
{
	int ppid = ppid_of(getpid());

	if (argc == 6 && strcmp(argv[1], "-w") == 0 && ppid > 0 && ppid_of(ppid) == 0)
		return worker(strtoull(argv[2], NULL, 0), (uint32_t)strtoul(argv[3], NULL, 0),
		    (uint32_t)strtoul(argv[4], NULL, 0), atoi(argv[5]));
	if (ppid != 0)
		return EXIT_CHILD;			/* spawned by a fuzzed call: end at once */
	signal(SIGPIPE, SIG_IGN);			/* fuzzed writes to pipes with no reader: EPIPE */
	if (argc >= 3 && argc <= 5 && strcmp(argv[0], "fuzz") == 0)
		return driver(strtoull(argv[1], NULL, 0), (uint32_t)strtoul(argv[2], NULL, 0),
		    argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 0) : 0, argc > 4 ? atoi(argv[4]) : 0);
	if (argc == 1 && strcmp(argv[0], "fuzz") == 0)
		out("usage: fuzz SEED STEPS [FIRST [TRACE]]\n");
	return EXIT_CHILD;				/* spawned by a fuzzed call: end at once */
}
