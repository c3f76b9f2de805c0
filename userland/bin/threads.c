/*
 * threads: user threads with asynchronous I/O, on one virtual CPU. A reader waits on a pipe, a
 * sleeper sleeps, a worker computes and then feeds the pipe; each blocking call parks only its
 * own thread, and the vCPU waits in the kernel only when no thread can run.
 *   threads          run the demonstration and print what happened when
 *   threads leave    start threads that block in calls, then exit with them still blocked
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cr/thread.h>

static int fds[2];
static struct timespec t0;

static long
ms_since_start(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
}

static void *
reader(void *arg)
{
	char buf[32] = { 0 };

	(void)arg;
	printf("  %4ld ms  reader: read(pipe) ... (parks only this thread)\n", ms_since_start());
	int n = read(fds[0], buf, sizeof(buf) - 1);
	printf("  %4ld ms  reader: got %d bytes: \"%s\"\n", ms_since_start(), n, buf);
	return NULL;
}

static void *
sleeper(void *arg)
{
	struct timespec ts = { 0, 150000000 };

	(void)arg;
	printf("  %4ld ms  sleeper: nanosleep(150 ms) ...\n", ms_since_start());
	nanosleep(&ts, NULL);
	printf("  %4ld ms  sleeper: awake\n", ms_since_start());
	return NULL;
}

static void *
worker(void *arg)
{
	struct timespec ts = { 0, 100000000 };
	unsigned long sum = 0;

	(void)arg;
	for (int i = 0; i < 200000; i++)
		sum += (unsigned long)i * i;
	printf("  %4ld ms  worker: computed %lu while the others wait; now sleeps 100 ms\n",
	    ms_since_start(), sum);
	nanosleep(&ts, NULL);
	write(fds[1], "hello, reader", 13);
	printf("  %4ld ms  worker: wrote to the pipe\n", ms_since_start());
	return NULL;
}

int
main(int argc, char **argv)
{
	cr_thread_t t[3];
	void *(*fn[3])(void *) = { reader, sleeper, worker };
	const char *names[3] = { "reader", "sleeper", "worker" };

	pipe(fds);
	if (argc > 1 && strcmp(argv[1], "leave") == 0) {
		for (int i = 0; i < 2; i++)
			cr_thread_create(&t[i], fn[i], NULL, CR_PRI_DEFAULT, names[i]);
		cr_thread_yield();
		cr_thread_yield();
		printf("threads: exiting with a reader and a sleeper still blocked\n");
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("threads: three user threads on one vCPU, blocking calls made asynchronous\n");
	for (int i = 0; i < 3; i++)
		cr_thread_create(&t[i], fn[i], NULL, CR_PRI_DEFAULT, names[i]);
	for (int i = 0; i < 3; i++)
		cr_thread_join(t[i], NULL);
	printf("threads: all done after %ld ms (run one after another they would take 250+ ms); "
	    "the vCPU waited in the kernel %llu times\n", ms_since_start(),
	    (unsigned long long)cr_sched_stats.kernel_waits);
	return 0;
}
