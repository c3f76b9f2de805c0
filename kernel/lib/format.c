// printf-style formatting shared by the kernel and libcr.
//
// Supports %d %i %u %x %X %o %s %c %p %%, the flags - 0 + space #,
// width and precision (both also as *), and the length modifiers
// hh h l ll z t j, and %n (the count so far, stored through a pointer
// of the length modifier's type).  No floating point.
//
// Where C leaves the result undefined we follow glibc, so that host
// tests can compare against it: %p is "0x" + lowercase hex and NULL is
// "(nil)"; a NULL %s prints "(null)", or nothing if the precision is
// below 6; %% ignores flags and width.  An unknown conversion, or a
// spec cut short by the end of fmt, is printed as written.
//
// 32-bit values are converted with 32-bit arithmetic.  Values that need
// 64 bits (only possible with ll or j) are divided in 16-bit steps so
// that no libgcc helper (__udivdi3, __umoddi3) is needed.

#include <stdint.h>
#include <lib/format.h>

// How one conversion was written.
struct spec {
  int left;     // '-': pad on the right
  int zero;     // '0': pad numbers with zeros
  int plus;     // '+': always print a sign
  int space;    // ' ': print a space where a '+' would go
  int alt;      // '#': 0x prefix for x/X, leading 0 for o
  int width;    // minimum field width, 0 if none
  int prec;     // precision, -1 if none
};

// Length modifiers.
enum { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

// Where output goes, and how much has gone there.
struct out {
  fmt_putc_fn put;
  void *arg;
  int n;
};

static const char lower_digits[] = "0123456789abcdef";
static const char upper_digits[] = "0123456789ABCDEF";

// Emit one character.  put() always gets 0..255, like putc, even
// where plain char is signed.
static void
emit(struct out *o, int c)
{
  o->put((unsigned char)c, o->arg);
  o->n++;
}

// Emit c n times; nothing if n <= 0.
static void
pad(struct out *o, int c, int n)
{
  for (; n > 0; n--)
    emit(o, c);
}

// Emit the n characters at s.
static void
emitn(struct out *o, const char *s, int n)
{
  for (; n > 0; n--)
    emit(o, *s++);
}

// Divide *v by base (2..16) in place; return the remainder.
// Long division over four 16-bit chunks: each partial dividend is
// below base << 16, so every step is a plain 32-bit division.
static unsigned int
divmod64(unsigned long long *v, unsigned int base)
{
  unsigned long long q = 0;
  unsigned int r = 0;
  int shift;

  for (shift = 48; shift >= 0; shift -= 16) {
    unsigned int cur = (r << 16) | (unsigned int)((*v >> shift) & 0xffff);
    q |= (unsigned long long)(cur / base) << shift;
    r = cur % base;
  }
  *v = q;
  return r;
}

// Write the digits of v in base into buf, least significant first;
// return how many.  Zero produces no digits (precision decides).
static int
todigits(char *buf, unsigned long long v, unsigned int base, int upper)
{
  const char *digits = upper ? upper_digits : lower_digits;
  unsigned int w;
  int n = 0;

  while (v > 0xffffffffULL)
    buf[n++] = digits[divmod64(&v, base)];
  for (w = (unsigned int)v; w != 0; w /= base)
    buf[n++] = digits[w % base];
  return n;
}

// Format a number whose magnitude is v (negative if neg).  Only signed
// conversions (and %p, like glibc) get a sign; alt adds "0x"/"0X" to
// nonzero hex and guarantees a leading 0 for octal.
static void
fmt_number(struct out *o, struct spec *s, unsigned long long v, int neg,
           int issigned, unsigned int base, int upper)
{
  char digits[24];      // 22 octal digits cover 64 bits
  char prefix[3];
  int nd, nzero, np = 0, total;

  if (issigned) {
    if (neg)
      prefix[np++] = '-';
    else if (s->plus)
      prefix[np++] = '+';
    else if (s->space)
      prefix[np++] = ' ';
  }
  if (s->alt && base == 16 && v != 0) {
    prefix[np++] = '0';
    prefix[np++] = upper ? 'X' : 'x';
  }

  nd = todigits(digits, v, base, upper);

  // The precision is the minimum number of digits (default 1, so that
  // zero prints as "0"; an explicit 0 lets zero print as nothing).
  nzero = (s->prec < 0 ? 1 : s->prec) - nd;
  if (nzero < 0)
    nzero = 0;
  // Alt octal guarantees a leading 0 digit.  Nonzero values never
  // start with '0', so one is needed exactly when the precision
  // did not already supply one.
  if (s->alt && base == 8 && nzero == 0)
    nzero = 1;

  total = np + nzero + nd;
  // '0' pads between sign/prefix and digits, but C ignores it when a
  // precision is given or when '-' is.
  if (s->zero && !s->left && s->prec < 0 && s->width > total) {
    nzero += s->width - total;
    total = s->width;
  }

  if (!s->left)
    pad(o, ' ', s->width - total);
  emitn(o, prefix, np);
  pad(o, '0', nzero);
  while (nd > 0)
    emit(o, digits[--nd]);
  if (s->left)
    pad(o, ' ', s->width - total);
}

// Emit the len characters at str, padded to the field width with
// spaces (never zeros, like glibc).
static void
fmt_padded(struct out *o, struct spec *s, const char *str, int len)
{
  if (!s->left)
    pad(o, ' ', s->width - len);
  emitn(o, str, len);
  if (s->left)
    pad(o, ' ', s->width - len);
}

// Length of str, but at most max characters if max >= 0.  Never reads
// past the limit, so %.3s may point at an unterminated array.
static int
bounded_len(const char *str, int max)
{
  int len = 0;

  while ((max < 0 || len < max) && str[len] != '\0')
    len++;
  return len;
}

// Fetch a signed argument of the given length; return its magnitude
// and set *neg.  Negating as unsigned keeps INT_MIN/LLONG_MIN exact.
static unsigned long long
arg_signed(va_list *ap, int len, int *neg)
{
  long long v;

  switch (len) {
  case LEN_HH: v = (signed char)va_arg(*ap, int); break;
  case LEN_H:  v = (short)va_arg(*ap, int); break;
  case LEN_L:  v = va_arg(*ap, long); break;
  case LEN_LL: v = va_arg(*ap, long long); break;
  case LEN_Z:  v = (ptrdiff_t)va_arg(*ap, size_t); break;   // signed size_t
  case LEN_T:  v = va_arg(*ap, ptrdiff_t); break;
  case LEN_J:  v = va_arg(*ap, intmax_t); break;
  default:     v = va_arg(*ap, int); break;
  }
  *neg = v < 0;
  return *neg ? -(unsigned long long)v : (unsigned long long)v;
}

// Fetch an unsigned argument of the given length.
static unsigned long long
arg_unsigned(va_list *ap, int len)
{
  switch (len) {
  case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
  case LEN_H:  return (unsigned short)va_arg(*ap, unsigned int);
  case LEN_L:  return va_arg(*ap, unsigned long);
  case LEN_LL: return va_arg(*ap, unsigned long long);
  case LEN_Z:  return va_arg(*ap, size_t);
  case LEN_T:  return (size_t)va_arg(*ap, ptrdiff_t);    // unsigned ptrdiff_t
  case LEN_J:  return va_arg(*ap, uintmax_t);
  default:     return va_arg(*ap, unsigned int);
  }
}

// %n: store n through the next argument, a pointer to the integer type
// the length modifier names (C99 7.19.6.1, POSIX fprintf).
static void
store_count(va_list *ap, int len, int n)
{
  switch (len) {
  case LEN_HH: *va_arg(*ap, signed char *) = (signed char)n; break;
  case LEN_H:  *va_arg(*ap, short *) = (short)n; break;
  case LEN_L:  *va_arg(*ap, long *) = n; break;
  case LEN_LL: *va_arg(*ap, long long *) = n; break;
  case LEN_Z:  *va_arg(*ap, size_t *) = (size_t)n; break;
  case LEN_T:  *va_arg(*ap, ptrdiff_t *) = n; break;
  case LEN_J:  *va_arg(*ap, intmax_t *) = n; break;
  default:     *va_arg(*ap, int *) = n; break;
  }
}

// Parse a decimal number at *pp, advancing *pp past it.
// Saturates instead of overflowing on absurd widths.
static int
parse_int(const char **pp)
{
  const char *p = *pp;
  int n = 0;

  for (; *p >= '0' && *p <= '9'; p++)
    n = n > 100000000 ? n : n * 10 + (*p - '0');
  *pp = p;
  return n;
}

// Format fmt with the arguments in ap, passing each character to
// put(c, arg).  Returns the number of characters produced.
int
kvformat(fmt_putc_fn put, void *arg, const char *fmt, va_list ap)
{
  struct out o = { put, arg, 0 };
  struct spec s;
  const char *p, *start;
  unsigned long long v;
  va_list aq;
  int len, neg;
  void *ptr;

  // Work on a copy so helpers can take its address: a va_list
  // parameter may be an array type that decays to a pointer.
  va_copy(aq, ap);
  for (p = fmt; *p != '\0'; p++) {
    if (*p != '%') {
      emit(&o, *p);
      continue;
    }
    start = p++;

    s = (struct spec){ .prec = -1 };
    for (;; p++) {
      if (*p == '-') s.left = 1;
      else if (*p == '0') s.zero = 1;
      else if (*p == '+') s.plus = 1;
      else if (*p == ' ') s.space = 1;
      else if (*p == '#') s.alt = 1;
      else break;
    }

    if (*p == '*') {
      // A negative width argument means '-' plus its magnitude.
      s.width = va_arg(aq, int);
      if (s.width < 0) {
        s.left = 1;
        // -INT_MIN overflows; no buffer could hold that width anyway.
        s.width = s.width < -__INT_MAX__ ? __INT_MAX__ : -s.width;
      }
      p++;
    } else {
      s.width = parse_int(&p);
    }

    if (*p == '.') {
      p++;
      if (*p == '*') {
        // A negative precision argument means no precision.
        s.prec = va_arg(aq, int);
        if (s.prec < 0)
          s.prec = -1;
        p++;
      } else {
        s.prec = parse_int(&p);
      }
    }

    len = LEN_NONE;
    switch (*p) {
    case 'h':
      p++;
      len = LEN_H;
      if (*p == 'h') { p++; len = LEN_HH; }
      break;
    case 'l':
      p++;
      len = LEN_L;
      if (*p == 'l') { p++; len = LEN_LL; }
      break;
    case 'z': p++; len = LEN_Z; break;
    case 't': p++; len = LEN_T; break;
    case 'j': p++; len = LEN_J; break;
    }

    switch (*p) {
    case 'd':
    case 'i':
      v = arg_signed(&aq, len, &neg);
      fmt_number(&o, &s, v, neg, 1, 10, 0);
      break;
    case 'u':
      fmt_number(&o, &s, arg_unsigned(&aq, len), 0, 0, 10, 0);
      break;
    case 'x':
      fmt_number(&o, &s, arg_unsigned(&aq, len), 0, 0, 16, 0);
      break;
    case 'X':
      fmt_number(&o, &s, arg_unsigned(&aq, len), 0, 0, 16, 1);
      break;
    case 'o':
      fmt_number(&o, &s, arg_unsigned(&aq, len), 0, 0, 8, 0);
      break;
    case 'c':
      {
        // Precision does not apply, and a NUL is printed like any char.
        char c = (char)va_arg(aq, int);
        fmt_padded(&o, &s, &c, 1);
      }
      break;
    case 's':
      {
        const char *str = va_arg(aq, const char *);
        if (str == NULL)
          str = (s.prec < 0 || s.prec >= 6) ? "(null)" : "";
        fmt_padded(&o, &s, str, bounded_len(str, s.prec));
      }
      break;
    case 'p':
      // glibc: "(nil)" padded like a string; otherwise as "%#lx",
      // but '+' and ' ' still apply.
      ptr = va_arg(aq, void *);
      if (ptr == NULL) {
        fmt_padded(&o, &s, "(nil)", 5);
      } else {
        s.alt = 1;
        fmt_number(&o, &s, (uintptr_t)ptr, 0, 1, 16, 0);
      }
      break;
    case 'n':
      store_count(&aq, len, o.n);
      break;
    case '%':
      emit(&o, '%');
      break;
    case '\0':
      // fmt ended inside a spec: print what there was, then stop.
      emitn(&o, start, p - start);
      p--;
      break;
    default:
      // Unknown conversion: print the whole spec as written.
      emitn(&o, start, p - start + 1);
      break;
    }
  }
  va_end(aq);
  return o.n;
}

// A bounded buffer for vsnprintf.  len counts every character
// produced, stored or not, which is what C99 says to return.
struct strbuf {
  char *buf;
  size_t size;
  size_t len;
};

// Store c if there is room, always keeping one byte for the NUL.
static void
strbuf_putc(int c, void *arg)
{
  struct strbuf *sb = arg;

  if (sb->len + 1 < sb->size)
    sb->buf[sb->len] = (char)c;
  sb->len++;
}

// Format into buf, writing at most size bytes including the NUL.
// Returns the length the full output would have had.
int
vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
          va_list ap)
{
  struct strbuf sb = { buf, size, 0 };
  int n;

  n = kvformat(strbuf_putc, &sb, fmt, ap);
  if (size > 0)
    buf[sb.len < size ? sb.len : size - 1] = '\0';
  return n;
}

// Like vsnprintf, with the arguments given directly.
int
snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}
