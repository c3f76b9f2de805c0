/*
 * The console device: output to COM1, input from COM1's receive interrupt through a small line
 * discipline (echo, backspace, Ctrl-D, lines delivered at Enter). Reads are message-shaped: a
 * read with no complete line files its ksysmsg here and answers EASYNC; the line that arrives
 * completes it. The interrupt only moves bytes into a raw buffer; the line discipline runs as
 * deferred interrupt work (intr_service), never inside a critical section. poll waits for a
 * line through the console's pollq (sys/poll.h). The console is the one terminal: its session
 * and foreground process group are kern_pgrp.c's.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/file.h>
#include <sys/globaldata.h>
#include <sys/ksysmsg.h>
#include <sys/poll.h>
#include <sys/proc.h>
#include <sys/thread2.h>
#include <dev/serial.h>
#include <string.h>
#include <abi/stat.h>

void	pic_unmask(int irq);

#define RAW_SIZE	256
#define LINE_MAX	256
#define CONSOLE_RDEV	0x0501		/* st_rdev: Linux's number of /dev/console (5, 1) */

static volatile uint8_t raw[RAW_SIZE];
static volatile uint32_t raw_head, raw_tail;	/* the interrupt adds at head */
static char line[LINE_MAX];			/* the line being typed */
static uint32_t line_len;
static char ready[LINE_MAX * 2];		/* typed lines not read yet */
static uint32_t ready_len;
static bool eof_pending;			/* Ctrl-D on an empty line */
static TAILQ_HEAD(, ksysmsg) readers = TAILQ_HEAD_INITIALIZER(readers);
static struct pollq pollers = TAILQ_HEAD_INITIALIZER(pollers);
static struct file *console;

/* console_intr: IRQ 4, interrupts off: move received bytes into the raw buffer only. */
void
console_intr(void)
{
	int c;

	while ((c = serial_getc()) >= 0) {
		if (raw_head - raw_tail < RAW_SIZE)
			raw[raw_head++ % RAW_SIZE] = (uint8_t)c;
	}
	mycpu->gd_reqflags |= RQF_CONSOLE;
}

/* have_input: a read would be answered now (a line is ready, or Ctrl-D's end of file). */
static bool
have_input(void)
{
	return ready_len > 0 || eof_pending;
}

/* take_line: give p the ready bytes up to one newline (0 bytes: Ctrl-D); returns an errno. */
static int
take_line(struct proc *p, uint32_t ubuf, uint32_t len, uint32_t *n_out)
{
	uint32_t n = 0;

	while (n < ready_len && n < len && (n == 0 || ready[n - 1] != '\n'))
		n++;
	*n_out = n;
	if (n == 0) {
		eof_pending = false;
		return 0;
	}
	int error = proc_copyout(p, ubuf, ready, n);
	memmove(ready, ready + n, ready_len - n);
	ready_len -= n;
	return error;
}

/* deliver: complete the oldest waiting read, if input allows. */
static bool
deliver(void)
{
	struct ksysmsg *ksm = TAILQ_FIRST(&readers);
	uint32_t n;

	if (ksm == NULL || !have_input())
		return false;
	struct read_msg *a = (struct read_msg *)ksm->km_args.bytes;
	TAILQ_REMOVE(&readers, ksm, km_wlink);
	int error = take_line(ksm->km_proc, (uint32_t)a->buf, a->len, &n);
	sysmsg_complete(ksm, error, n);
	return true;
}

static void
echo(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

/* discipline: one typed byte. */
static void
discipline(int c)
{
	char s[2] = { (char)c, 0 };

	/* Ctrl-C (0x03), Ctrl-\ (0x1c) and Ctrl-Z (0x1a) raise SIGINT, SIGQUIT and SIGTSTP in the
	 * foreground process group, pgrp_foreground(), and throw the line typed so far away (POSIX:
	 * ISIG, !NOFLSH). */
	if (c == 0x03 || c == 0x1c || c == 0x1a) {
		pid_t fg = pgrp_foreground();

		echo(c == 0x03 ? "^C\r\n" : c == 0x1c ? "^\\\r\n" : "^Z\r\n");
		line_len = 0;
		if (fg != 0)
			sig_pgrp(fg, c == 0x03 ? SIGINT : c == 0x1c ? SIGQUIT : SIGTSTP, false);
		return;
	}
	if (c == '\r')
		c = s[0] = '\n';
	if (c == 0x7f || c == '\b') {
		if (line_len > 0) {
			line_len--;
			echo("\b \b");
		}
	} else if (c == 0x04) {			/* Ctrl-D: hand over the line, or end of file */
		if (line_len == 0)
			eof_pending = true;
		else if (ready_len + line_len <= sizeof(ready)) {
			memcpy(ready + ready_len, line, line_len);
			ready_len += line_len;
			line_len = 0;
		}
	} else if (c == '\n' || line_len == LINE_MAX - 1) {
		if (c == '\n')
			line[line_len++] = '\n';
		echo("\r\n");
		if (ready_len + line_len <= sizeof(ready)) {
			memcpy(ready + ready_len, line, line_len);
			ready_len += line_len;
		}
		line_len = 0;
	} else if (c >= ' ' && c < 0x7f) {
		line[line_len++] = (char)c;
		echo(s);
	}
}

bool console_deferred;

/*
 * console_service: run the line discipline over new input and complete waiting reads. It runs
 * as CPU 0's deferred interrupt work, which cannot wait for a token: a Ctrl-C or Ctrl-\ walks
 * the process table only if proc_token is free (or the interrupted thread's); when a thread of
 * another CPU holds it, the byte waits for CPU 0's next tick (console_deferred).
 */
void
console_service(void)
{
	crit_enter();
	console_deferred = false;
	while (raw_tail != raw_head) {
		int c = raw[raw_tail % RAW_SIZE];
		bool table = c == 0x03 || c == 0x1c;

		if (table && !lwkt_trytoken(&proc_token)) {
			console_deferred = true;
			break;
		}
		raw_tail++;
		discipline(c);
		if (table)
			lwkt_reltoken(&proc_token);
	}
	while (deliver())
		;
	pollwakeup(&pollers);		/* a line (or Ctrl-D) for a poll, if no read took it */
	crit_exit();
}

static void
console_abort(lwkt_msg_t msg)
{
	struct ksysmsg *ksm = (struct ksysmsg *)msg;

	crit_enter();
	if ((msg->ms_flags & MSGF_DONE) == 0) {
		TAILQ_REMOVE(&readers, ksm, km_wlink);
		sysmsg_complete(ksm, EINTR, 0);
	}
	crit_exit();
}

static int
console_read(struct file *fp, struct ksysmsg *ksm, void *ubuf, size_t len)
{
	uint32_t n;
	int error;

	(void)fp;
	crit_enter();
	if (TAILQ_EMPTY(&readers) && have_input()) {	/* a line is there: answer now */
		error = take_line(ksm->km_proc, (uint32_t)ubuf, len, &n);
		SYSMSG_RESULT(ksm) = n;
		crit_exit();
		return error;
	}
	if ((error = sysmsg_hold(&ksm)) != 0) {
		crit_exit();
		return error;
	}
	TAILQ_INSERT_TAIL(&readers, ksm, km_wlink);
	sysmsg_set_abort(ksm, console, console_abort);
	crit_exit();
	return EASYNC;
}

static int
console_fwrite(struct file *fp, struct ksysmsg *ksm, const void *ubuf, size_t len)
{
	char buf[128];
	size_t done = 0;

	(void)fp;
	while (done < len) {
		size_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		if (proc_copyin(ksm->km_proc, (uint32_t)ubuf + done, buf, n) != 0)
			return done ? 0 : EFAULT;
		console_write(buf, n);
		done += n;
		SYSMSG_RESULT(ksm) = done;
	}
	return 0;
}

/* console_poll: a line (or end of file) to read; writes never wait. */
static short
console_poll(struct file *fp, struct pollwait *pw)
{
	(void)fp;
	pollwait_file(&pollers, pw);
	return (have_input() ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM;
}

/* console_stat: a character device, the terminal; its times are the boot's. */
static void
console_stat(struct file *fp, struct stat *st)
{
	(void)fp;
	st->st_dev = ST_DEV_DEVICES;
	st->st_ino = 1;
	st->st_mode = S_IFCHR | 0620;
	st->st_nlink = 1;
	st->st_rdev = CONSOLE_RDEV;
	st->st_blksize = LINE_MAX;
	st->st_atim = st->st_mtim = st->st_ctim = realtime_at(0);
}

static const struct fileops console_ops = {
	.fo_read = console_read, .fo_write = console_fwrite, .fo_stat = console_stat,
	.fo_poll = console_poll,
};

void
console_init(void)
{
	console = file_alloc(&console_ops, NULL, FREAD | FWRITE);
	KASSERT(console != NULL, "no memory for the console");
	serial_enable_rx_interrupt();
	pic_unmask(4);
}

/* console_is: is fp the console (the terminal)? isatty, tcgetpgrp and tcsetpgrp ask. */
bool
console_is(const struct file *fp)
{
	return fp->f_ops == &console_ops;
}

/* console_file: the console's struct file, referenced by descriptors 0, 1 and 2. */
struct file *
console_file(void)
{
	return console;
}
