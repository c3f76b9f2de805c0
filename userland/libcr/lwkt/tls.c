/* Thread-local storage areas for user threads (cr/tls.h). */
#include <string.h>
#include <sys/sysmsg.h>
#include <cr/sysport.h>
#include <cr/tls.h>

extern char __tdata_start[], __tdata_end[], __tbss_start[], __tbss_end[];
extern char __tls_align[];		/* a linker symbol whose address is the alignment */

static size_t
align_of(void)
{
	size_t a = (size_t)__tls_align;

	return a < sizeof(void *) ? sizeof(void *) : a;
}

/* block_size: the TLS block, rounded to its alignment (the linker's offsets assume that). */
static size_t
block_size(void)
{
	size_t a = align_of(), n = (size_t)(__tbss_end - __tdata_start);

	return (n + a - 1) & ~(a - 1);
}

size_t
cr_tls_size(void)
{
	return block_size() + sizeof(struct cr_tcb) + align_of();
}

uint32_t
cr_tls_setup(void *mem, struct thread *td, unsigned int slot)
{
	size_t a = align_of(), bs = block_size();
	uintptr_t tcb_addr = ((uintptr_t)mem + bs + a - 1) & ~(uintptr_t)(a - 1);
	struct cr_tcb *tcb = (struct cr_tcb *)tcb_addr;
	char *block = (char *)tcb_addr - bs;
	size_t tdata = (size_t)(__tdata_end - __tdata_start);

	memcpy(block, __tdata_start, tdata);
	memset(block + tdata, 0, bs - tdata);
	tcb->tcb_self = tcb;
	tcb->tcb_thread = td;
	/* The raw message, not the stub: errno is itself thread-local, and the main thread's
	 * TLS is what this call is setting up. */
	struct tls_set_msg m;
	m.hdr.ms_cmd = SYS_tls_set;
	m.hdr.ms_flags = MSGF_SYNC;
	m.slot = slot;
	m.base = (uint32_t)tcb;
	if (cr_trap(&m.hdr) != 0)
		return 0;
	return (uint32_t)m.hdr.ms_result;
}
