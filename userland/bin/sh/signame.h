/*
 * Signal names and kill's options, for kill the program (kill.c) and sh's builtin:
 * signal_number("TERM"), ("SIGTERM") or ("15") is 15; -1 for what names no signal.
 */
#ifndef _SH_SIGNAME_H_
#define _SH_SIGNAME_H_
#include <stdlib.h>
#include <string.h>
#include <abi/signal.h>

static const struct {
	const char	*name;
	int		sig;
} signal_names[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
	{ "TERM", SIGTERM }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "ALRM", SIGALRM },
	{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
};

/* signal_number: the signal s names (a number, NAME or SIGNAME), or -1. */
static inline int
signal_number(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (end != s && *end == '\0')
		return n >= 0 && n < 64 ? (int)n : -1;
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
		if (strcmp(s, signal_names[i].name) == 0)
			return signal_names[i].sig;
	return -1;
}

/*
 * kill_options: the signal kill's options name (-SIG or -s SIG; SIGTERM without them), and in
 * *first the index of its first operand; -1 when they name none or no operand follows.
 */
static inline int
kill_options(int argc, char **argv, int *first)
{
	int sig = SIGTERM;

	*first = 1;
	if (argc > 2 && strcmp(argv[1], "-s") == 0) {
		sig = signal_number(argv[2]);
		*first = 3;
	} else if (argc > 1 && argv[1][0] == '-' && argv[1][1]) {
		sig = signal_number(argv[1] + 1);
		*first = 2;
	}
	return *first < argc ? sig : -1;
}
#endif
