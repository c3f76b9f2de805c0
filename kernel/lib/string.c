// Memory and string functions, shared by the kernel and libcr.
// Plain byte loops: simple and obviously correct, fast enough here.

#include <stdint.h>
#include <string.h>

// Unless builtins are off (-ffreestanding, -fno-builtin), GCC's loop
// distribution recognises copy, fill and NUL-search loops and turns
// them into calls to memcpy, memmove, memset and strlen.  Inside those
// very functions the call would be infinite recursion, so turn the
// pattern matching off for them; the rest may call them safely.
#define NO_LIBCALL_LOOPS \
  __attribute__((optimize("no-tree-loop-distribute-patterns")))

// Copy n bytes from src to dst, which must not overlap; return dst.
// Whole 32-bit words with one `rep movsl`, then the last 0..3 bytes:
// message copies sit on the system-call path, and a byte loop costs
// four instructions a byte.
NO_LIBCALL_LOOPS void *
memcpy(void *restrict dst, const void *restrict src, size_t n)
{
  void *d = dst;
  const void *s = src;
  size_t words = n / 4, rest = n % 4;

  __asm__ volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(words) : : "memory");
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(rest) : : "memory");
  return dst;
}

// Copy n bytes from src to dst; the ranges may overlap.  Return dst.
NO_LIBCALL_LOOPS void *
memmove(void *dst, const void *src, size_t n)
{
  unsigned char *d = dst;
  const unsigned char *s = src;

  if ((uintptr_t)d < (uintptr_t)s) {
    // Forward: each source byte is read before dst reaches it.
    while (n-- > 0)
      *d++ = *s++;
  } else if (d != s) {
    // Backward: dst is above src, so start at the top.
    d += n;
    s += n;
    while (n-- > 0)
      *--d = *--s;
  }
  return dst;
}

// Fill n bytes at dst with (unsigned char)c; return dst.  Words first,
// as in memcpy: pages are zeroed with this.
NO_LIBCALL_LOOPS void *
memset(void *dst, int c, size_t n)
{
  void *d = dst;
  uint32_t word = (unsigned char)c * 0x01010101u;
  size_t words = n / 4, rest = n % 4;

  __asm__ volatile("rep stosl" : "+D"(d), "+c"(words) : "a"(word) : "memory");
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(rest) : "a"(word) : "memory");
  return dst;
}

// Compare n bytes as unsigned char: <0, 0 or >0 as a is below,
// equal to or above b.
int
memcmp(const void *a, const void *b, size_t n)
{
  const unsigned char *p = a, *q = b;

  for (; n > 0; n--, p++, q++)
    if (*p != *q)
      return *p - *q;
  return 0;
}

// First of the n bytes at s equal to (unsigned char)c, or NULL.
void *
memchr(const void *s, int c, size_t n)
{
  const unsigned char *p = s;

  for (; n > 0; n--, p++)
    if (*p == (unsigned char)c)
      return (void *)p;
  return NULL;
}

// Number of characters before the NUL.
NO_LIBCALL_LOOPS size_t
strlen(const char *s)
{
  size_t n = 0;

  while (s[n] != '\0')
    n++;
  return n;
}

// Like strlen, but looks at no more than max bytes.
size_t
strnlen(const char *s, size_t max)
{
  size_t n = 0;

  while (n < max && s[n] != '\0')
    n++;
  return n;
}

// Compare strings as unsigned char: <0, 0 or >0.
int
strcmp(const char *a, const char *b)
{
  while (*a != '\0' && *a == *b) {
    a++;
    b++;
  }
  return (unsigned char)*a - (unsigned char)*b;
}

// Like strcmp, but compares at most n characters.
int
strncmp(const char *a, const char *b, size_t n)
{
  for (; n > 0; n--, a++, b++)
    if (*a != *b || *a == '\0')
      return (unsigned char)*a - (unsigned char)*b;
  return 0;
}

// Copy src, with its NUL, to dst; return dst.
char *
strcpy(char *restrict dst, const char *restrict src)
{
  char *d = dst;

  while ((*d++ = *src++) != '\0')
    ;
  return dst;
}

// Copy at most n characters of src to dst and fill the rest of the n
// bytes with NULs.  dst is not terminated if src has n or more
// characters.  Return dst.
char *
strncpy(char *restrict dst, const char *restrict src, size_t n)
{
  size_t i;

  for (i = 0; i < n && src[i] != '\0'; i++)
    dst[i] = src[i];
  for (; i < n; i++)
    dst[i] = '\0';
  return dst;
}

// Copy src into the size-byte buffer dst, truncating if needed, and
// NUL-terminate it if size > 0.  Returns strlen(src), so truncation
// happened exactly when the result is >= size.
size_t
strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
  size_t i;

  if (size > 0) {
    for (i = 0; i + 1 < size && src[i] != '\0'; i++)
      dst[i] = src[i];
    dst[i] = '\0';
  }
  return strlen(src);
}

// Append src to the string at dst; return dst.
char *
strcat(char *restrict dst, const char *restrict src)
{
  strcpy(dst + strlen(dst), src);
  return dst;
}

// Append at most n characters of src to dst, then a NUL; return dst.
char *
strncat(char *restrict dst, const char *restrict src, size_t n)
{
  char *d = dst + strlen(dst);

  for (; n > 0 && *src != '\0'; n--)
    *d++ = *src++;
  *d = '\0';
  return dst;
}

// First occurrence of (char)c in s, or NULL.  The terminating NUL
// counts as part of s, so strchr(s, 0) finds the end.
char *
strchr(const char *s, int c)
{
  for (;; s++) {
    if (*s == (char)c)
      return (char *)s;
    if (*s == '\0')
      return NULL;
  }
}

// Last occurrence of (char)c in s (the NUL included), or NULL.
char *
strrchr(const char *s, int c)
{
  const char *last = NULL;

  for (;; s++) {
    if (*s == (char)c)
      last = s;
    if (*s == '\0')
      return (char *)last;
  }
}

// First occurrence of needle in haystack, or NULL.  An empty needle
// matches at the start.
char *
strstr(const char *haystack, const char *needle)
{
  size_t n = strlen(needle);

  for (; *haystack != '\0'; haystack++)
    if (strncmp(haystack, needle, n) == 0)
      return (char *)haystack;
  // Here haystack is ""; it contains only the empty needle.
  return n == 0 ? (char *)haystack : NULL;
}

// Length of the initial run of s made only of characters in accept.
size_t
strspn(const char *s, const char *accept)
{
  size_t n = 0;

  while (s[n] != '\0' && strchr(accept, s[n]) != NULL)
    n++;
  return n;
}

// Length of the initial run of s with no character from reject.
size_t
strcspn(const char *s, const char *reject)
{
  size_t n = 0;

  while (s[n] != '\0' && strchr(reject, s[n]) == NULL)
    n++;
  return n;
}
