/*
 * The tracing shim (cr/trace.h): a put-only port installed in front of the kernel port. Each
 * put forwards to the kernel, then prints the decoded call with its answer, and the raw record.
 * Its own writes go straight to the kernel port, so they are not traced.
 */
#include <stdio.h>
#include <string.h>
#include <sys/errno.h>
#include <sys/sysmsg.h>
#include <cr/sysport.h>
#include <cr/trace.h>

static struct lwkt_port trace_port;

int
cr_trace_format(char *buf, size_t size, const void *m)
{
	const struct lwkt_msg *msg = m;
	const char *p = m;
	int n;

	if (msg->ms_cmd >= SYS_MAXSYSCALL || cr_sysdesc[msg->ms_cmd].name == NULL) {
		n = snprintf(buf, size, "syscall_%u(?)", (unsigned)msg->ms_cmd);
	} else {
		const struct cr_sysdesc *d = &cr_sysdesc[msg->ms_cmd];
		n = snprintf(buf, size, "%s(", d->name);
		for (int i = 0; i < d->nargs; i++) {
			const void *at = p + d->args[i].offset;
			const char *sep = i ? ", " : "";
			switch (d->args[i].kind) {
			case CR_ARG_INT:
				n += snprintf(buf + n, size - n, "%s%s=%d", sep, d->args[i].name, *(const int32_t *)at);
				break;
			case CR_ARG_UINT:
				n += snprintf(buf + n, size - n, "%s%s=%u", sep, d->args[i].name, *(const uint32_t *)at);
				break;
			case CR_ARG_INT64:
				n += snprintf(buf + n, size - n, "%s%s=%lld", sep, d->args[i].name, *(const long long *)at);
				break;
			case CR_ARG_UINT64:
				n += snprintf(buf + n, size - n, "%s%s=%llu", sep, d->args[i].name,
				    *(const unsigned long long *)at);
				break;
			default:
				n += snprintf(buf + n, size - n, "%s%s=0x%x", sep, d->args[i].name, *(const uint32_t *)at);
			}
		}
		n += snprintf(buf + n, size - n, ")");
	}
	if ((msg->ms_flags & MSGF_DONE) == 0)
		return n + snprintf(buf + n, size - n, " ...");
	if (msg->ms_error)
		return n + snprintf(buf + n, size - n, " = -1 %s",
		    errno_name(msg->ms_error) ? errno_name(msg->ms_error) : "?");
	return n + snprintf(buf + n, size - n, " = %lld", (long long)msg->ms_result);
}

/* emit: one line to standard error, through the kernel port (never traced itself). */
static void
emit(const char *line, size_t len)
{
	struct write_msg w;

	lwkt_initmsg(&w.hdr, NULL, 0);
	w.hdr.ms_cmd = SYS_write;
	w.fd = 2;
	w.buf = line;
	w.len = len;
	lwkt_domsg(&cr_kernel_port, &w.hdr, 0);
}

static int
trace_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	char line[320];
	int error, n;
	uint32_t size;

	(void)port;
	error = cr_kernel_port.mp_putport(&cr_kernel_port, msg);
	if (msg->ms_cmd == SYS_exit)
		return error;
	if (error != EASYNC) {		/* show it as the caller will see it: answered */
		msg->ms_error = error;
		msg->ms_flags |= MSGF_DONE;
	}
	n = snprintf(line, sizeof(line), "trace: ");
	n += cr_trace_format(line + n, sizeof(line) - n - 1, msg);
	if (n > (int)sizeof(line) - 2)		/* cut: a format reports the length it wanted */
		n = sizeof(line) - 2;
	line[n++] = '\n';
	emit(line, n);
	size = msg->ms_cmd < SYS_MAXSYSCALL && cr_sysdesc[msg->ms_cmd].name ?
	    cr_sysdesc[msg->ms_cmd].msgsize : sizeof(*msg);
	n = snprintf(line, sizeof(line), "CRTRACE ");
	for (uint32_t i = 0; i < size && n < (int)sizeof(line) - 3; i++)
		n += snprintf(line + n, sizeof(line) - n, "%02x", ((const uint8_t *)msg)[i]);
	line[n++] = '\n';
	emit(line, n);
	if (error != EASYNC)
		msg->ms_flags &= ~MSGF_DONE;	/* as the kernel port returned it */
	return error;
}

/* cr_trace_install: put the shim in front of the kernel port. */
void
cr_trace_install(void)
{
	lwkt_initport_putonly(&trace_port, trace_putport);
	cr_syscall_port = &trace_port;
}
