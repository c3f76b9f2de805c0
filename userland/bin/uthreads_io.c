/*
 * uthreads_io: two user threads on one vCPU take turns through two pipes, three times each way,
 * for the trace image of the threading models (images/trace-models.toml, docs/trace.md): run as
 * uthreads_io (Dillon's model: each read parks its thread on an EASYNC answer) and as
 * uthreads_io@kse (each read blocks in the kernel: UPC_BLOCKED, then UPC_UNBLOCKED).
 */
#include <stdio.h>
#include <unistd.h>
#include <cr/thread.h>

static int ab[2], ba[2];

static void *
echo(void *arg)
{
	char c;

	(void)arg;
	for (int i = 0; i < 3; i++) {
		read(ab[0], &c, 1);
		write(ba[1], &c, 1);
	}
	return NULL;
}

int
main(void)
{
	cr_thread_t td;
	char c = 'x';

	pipe(ab);
	pipe(ba);
	cr_thread_create(&td, echo, NULL, CR_PRI_DEFAULT, "echo");
	for (int i = 0; i < 3; i++) {
		write(ab[1], &c, 1);
		read(ba[0], &c, 1);
	}
	cr_thread_join(td, NULL);
	printf("uthreads_io: %s model, 3 round trips\n", cr_kse ? "KSE" : "Dillon's");
	return 0;
}
