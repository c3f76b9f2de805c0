/*
 * main() for KTAP test programs (the programs in userland/tests): runs the program's KTESTs as one KTAP
 * subtest named after the program, nested under the kernel's top level; argv[1], when given, is
 * a glob that selects cases ("suite.case"). Exit status: 0 when every case passed.
 */
#include <sys/ktest.h>

extern const struct ktest __start_ktest[], __stop_ktest[];

int
main(int argc, char **argv)
{
	return ktest_run(__start_ktest, __stop_ktest, argv[0], argc > 1 ? argv[1] : NULL, 4) ? 1 : 0;
}
