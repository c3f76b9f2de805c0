// The result reporting shared by the host test drivers (host_libc_driver.c,
// host_stdlib_driver.c): a check is begun, compared many times, and ended
// with one line "<CHECK_PREFIX> <name> ok <count>" or "... FAIL <first
// failure> (<n> failures)", which the Python side parses.  Define
// CHECK_PREFIX (a string) before including.
#ifndef HOST_CHECK_H
#define HOST_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static const char *check_name;
static int check_failed;
static long check_count;
static char check_detail[400];

static void
begin(const char *name)
{
  check_name = name;
  check_failed = 0;
  check_count = 0;
}

// Record a comparison; keep the first failure's description.
static void
expect(int ok, const char *fmt, ...)
{
  va_list ap;

  check_count++;
  if (ok || check_failed++)
    return;
  va_start(ap, fmt);
  vsnprintf(check_detail, sizeof check_detail, fmt, ap);
  va_end(ap);
}

static void
end(void)
{
  if (check_failed)
    printf(CHECK_PREFIX " %s FAIL %s (%d failures)\n", check_name, check_detail,
           check_failed);
  else
    printf(CHECK_PREFIX " %s ok %ld\n", check_name, check_count);
  fflush(stdout);
}

#endif
