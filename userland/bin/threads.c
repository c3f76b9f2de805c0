/*
 * threads: user threads with asynchronous I/O on two virtual CPUs. A reader waits on a pipe, a
 * sleeper sleeps, a worker moves to vCPU 1, computes and then feeds the pipe; each blocking call
 * parks only its own thread, a vCPU waits in the kernel only when none of its threads can run,
 * and an idle vCPU takes work from a busy one.
 *   threads          run the demonstration and print what happened when, and where
 *   threads leave    start threads that block in calls on both vCPUs, then exit with them blocked
 */
#include <stdarg.h>
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

/* say: one line, stamped with the time and the vCPU the calling thread runs on. */
static void
say(const char *fmt, ...)
{
	char line[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("  %4ld ms  vCPU %d  %-8s %s\n", ms_since_start(), cr_vcpu_self(),
	    cr_thread_self()->td_name, line);
}

static void *
reader(void *arg)
{
	char buf[32] = { 0 };

	(void)arg;
	say("read(pipe) ... (parks only this thread)");
	int n = read(fds[0], buf, sizeof(buf) - 1);
	say("got %d bytes: \"%s\"", n, buf);
	return NULL;
}

static void *
sleeper(void *arg)
{
	struct timespec ts = { 0, 150000000 };

	(void)arg;
	say("nanosleep(150 ms) ...");
	nanosleep(&ts, NULL);
	say("awake");
	return NULL;
}

static void *
worker(void *arg)
{
	struct timespec ts = { 0, 100000000 };
	unsigned long sum = 0;
	int to = (int)(intptr_t)arg;

	say("moves to vCPU %d", to);
	cr_thread_migrate(to);
	for (int i = 0; i < 200000; i++)
		sum += (unsigned long)i * i;
	say("computed %lu while the others wait; now sleeps 100 ms", sum);
	nanosleep(&ts, NULL);
	write(fds[1], "hello, reader", 13);
	say("wrote to the pipe");
	return NULL;
}

/* blocked_on: for `leave`: move to vCPU n, then block in a read that never completes. */
static void *
blocked_on(void *arg)
{
	char c;

	cr_thread_migrate((int)(intptr_t)arg);
	read(fds[0], &c, 1);
	return NULL;
}

int
main(int argc, char **argv)
{
	cr_thread_t t[3];
	const char *names[3] = { "reader", "sleeper", "worker" };
	int v;

	pipe(fds);
	if ((v = cr_vcpu_add()) < 0) {
		perror("threads: cr_vcpu_add");
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "leave") == 0) {
		struct timespec ts = { 0, 20000000 };
		for (int i = 0; i < 3; i++)
			cr_thread_create(&t[i], blocked_on, (void *)(intptr_t)(i % 2 ? v : 0),
			    CR_PRI_DEFAULT, names[i]);
		nanosleep(&ts, NULL);		/* they all reach their reads */
		printf("threads: exiting with 3 readers still blocked, on vCPUs 0 and %d\n", v);
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("threads: three user threads on two vCPUs (0 and %d), blocking calls made "
	    "asynchronous\n", v);
	cr_thread_create(&t[0], reader, NULL, CR_PRI_DEFAULT, names[0]);
	cr_thread_create(&t[1], sleeper, NULL, CR_PRI_DEFAULT, names[1]);
	cr_thread_create(&t[2], worker, (void *)(intptr_t)v, CR_PRI_DEFAULT, names[2]);
	for (int i = 0; i < 3; i++)
		cr_thread_join(t[i], NULL);
	printf("threads: all done after %ld ms (run one after another they would take 250+ ms)\n",
	    ms_since_start());
	for (int i = 0; i <= v; i++) {
		struct cr_vcpu_stats st;
		cr_vcpu_stats(i, &st);
		printf("threads: vCPU %d: %llu switches, %llu threads stolen, %llu migrated in, "
		    "%llu waits in the kernel, %llu completions delivered\n", i,
		    (unsigned long long)st.switches, (unsigned long long)st.steals,
		    (unsigned long long)st.migrations_in, (unsigned long long)st.kernel_waits,
		    (unsigned long long)st.delivered);
	}
	return 0;
}
