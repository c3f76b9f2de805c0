"""Host tests for kernel/lib/format.c and kernel/lib/string.c.

Both files are compiled for the host with ``gcc -m32`` and linked with a
small driver (host_libc_driver.c) that runs every case through glibc and
through ours, so glibc is the oracle.  Where C leaves a result undefined,
format.c deliberately follows glibc ("(nil)", "(null)", ...); the few
places where it deliberately does not are listed in OUR_OWN_CASES.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVER_C = Path(__file__).with_name("host_libc_driver.c")
OUR_SOURCES = [ROOT / "kernel/lib/format.c", ROOT / "kernel/lib/string.c"]
CFLAGS = ["-m32", "-O2", "-Wall", "-Werror", "-fno-builtin", "-std=gnu11"]
# What the kernel and libcr build with (freestanding, our headers only).
KERNEL_CFLAGS = ["-m32", "-ffreestanding", "-fno-pic", "-fno-stack-protector",
                 "-O2", "-g", "-Wall", "-Werror", "-std=gnu11", "-nostdinc"]

# Our functions have glibc's names, but the driver must call both in one
# program.  So every name we export is #defined to df_<name> in a generated
# header, df_rename.h, that our sources are compiled with (-include, i.e.
# one -D per name, applied to our sources only).  That renames definitions,
# the declarations in our headers and calls between our own functions
# alike, so the only link-time names left are df_* (plus whatever gcc
# itself emits, which glibc satisfies).  The driver includes df_rename.h
# around our headers to get the df_* prototypes and df_unrename.h after,
# so plain names still mean glibc there.
RENAMED = [
    "kvformat", "vsnprintf", "snprintf",
    "memcpy", "memmove", "memset", "memcmp", "memchr",
    "strlen", "strnlen", "strcmp", "strncmp", "strcpy", "strncpy", "strlcpy",
    "strcat", "strncat", "strchr", "strrchr", "strstr", "strspn", "strcspn",
]

BUFSZ = 128         # must match host_libc_driver.c
NULLBUF = -1        # size meaning snprintf(NULL, 0, ...)
FILL = 0xA5         # must match host_libc_driver.c

# (format, C argument expressions[, buffer size]) -- compared with glibc.
# "0" stands in for "no arguments": excess arguments are ignored by C, and
# it keeps gcc from warning about a non-literal format without arguments.
GLIBC_CASES = [
    # Plain text and each conversion.
    ("hello, world", "0"),
    ("", "0"),
    ("%d", "0"), ("%d", "42"), ("%d", "-42"), ("%i", "123"), ("%i", "-7"),
    ("%d", "INT_MAX"), ("%d", "INT_MIN"), ("%i", "INT_MIN"),
    ("%u", "0u"), ("%u", "3000000000u"), ("%u", "UINT_MAX"),
    ("%x", "0xdeadbeefu"), ("%X", "0xdeadbeefu"), ("%x", "0u"),
    ("%x", "UINT_MAX"), ("%o", "0777u"), ("%o", "0u"), ("%o", "UINT_MAX"),
    ("%c", "'A'"), ("%c", "256 + 'A'"), ("[%c|%c]", "'x', 0"),
    ("%c", "0xe9"),
    ("%s", '"abc"'), ("%s", '""'), ("<%s>", '"\\xc3\\xa9t\\xe9"'),
    ("\xc3\xa9%s\xff", '"x"'),
    ("%%", "0"), ("a%%b%%c", "0"), ("%d%%", "50"),
    ("%p", "(void *)0x1234"), ("%p", "(void *)0xffffffffu"),
    ("%p", "(void *)0"), ("%p|%p", "(void *)1, (void *)0x80000000u"),
    ("%s", "(char *)0"),
    ("%d %s %c %x %p %%", '-1, "str", \'q\', 0xabcu, (void *)0xbeef'),
    # Flags and width.
    ("%5d|%-5d|%05d|", "42, 42, 42"),
    ("%5d|%-5d|%05d|", "-42, -42, -42"),
    ("%+d|%+d|% d|% d|", "5, -5, 5, -5"),
    ("%+ d|% +d|", "5, 5"),
    ("% 05d|%+05d|%-+5d|", "-3, 7, 7"),
    ("%-05d|", "7"), ("%0-5d|", "7"),
    ("%1d|%2d|", "123, 123"),
    ("%012d|", "INT_MIN"), ("%-14d|", "INT_MIN"),
    ("%8u|%-8u|%08u|", "7u, 7u, 7u"),
    ("%+u|% u|", "7u, 7u"),
    ("%6x|%-6X|%06x|", "0xabu, 0xabu, 0xabu"),
    ("%#x|%#X|%#o|", "255u, 255u, 8u"),
    ("%#x|%#X|%#o|", "0u, 0u, 0u"),
    ("%#10x|%-#10x|%#010x|%#010X|", "0xabcu, 0xabcu, 0xabcu, 0xabcu"),
    ("%#o|%#5o|%#05o|%#-5o|", "010u, 010u, 010u, 010u"),
    ("%5s|%-5s|%1s|", '"hi", "hi", "hi"'),
    ("%10s|%-10s|", '"hello", "hello"'),
    ("%5c|%-5c|%1c|", "'a', 'b', 'c'"),
    ("%-3c|", "0"),
    ("%05s|%05c|", '"ab", \'c\''),           # glibc: '0' pads only numbers
    # Precision.
    ("%.0d|", "0"), ("%.0i|%.0u|%.0x|%.0o|", "0, 0u, 0u, 0u"),
    ("%5.0d|%-5.0d|", "0, 0"), ("%+.0d|% .0d|", "0, 0"),
    ("%.d|", "0"), ("%.1d|", "0"),
    ("%.5d|%.5d|", "42, -42"), ("%.3d|", "12345"),
    ("%8.3d|%-8.3d|%08.3d|", "-7, -7, -7"),
    ("%08.0d|", "0"), ("%+.3d|", "5"),
    ("%.5u|%.5x|%.5X|%.5o|", "42u, 0xabu, 0xabu, 8u"),
    ("%#.5x|%#.5o|%#.3o|%#.2o|", "0xabu, 8u, 8u, 8u"),
    ("%#.0x|%#.0o|%#.1o|", "0u, 0u, 0u"),
    ("%#5.3o|%#-6.4x|", "8u, 0xfu"),
    ("%.2s|%.0s|%.10s|", '"hello", "hello", "hi"'),
    ("%10.3s|%-10.3s|", '"hello", "hello"'),
    ("%.3s|", "unterminated"),
    ("%.0c|%.3c|", "'z', 'y'"),
    ("%.3s|%.5s|%.6s|%.7s|", "(char *)0, (char *)0, (char *)0, (char *)0"),
    ("%10s|%-10s|%3s|", "(char *)0, (char *)0, (char *)0"),
    # '*' width and precision.
    ("%*d|", "6, 42"), ("%*d|", "-6, 42"), ("%-*d|", "-6, 42"),
    ("%0*d|", "6, -42"), ("%*d|", "0, 42"),
    ("%.*d|", "4, 42"), ("%.*d|", "-1, 42"), ("%.*d|", "0, 0"),
    ("%0.*d|", "-1, 0"),
    ("%*.*d|", "8, 4, -42"), ("%-*.*d|", "8, 4, -42"),
    ("%.*s|%.*s|", '3, "abcdef", -1, "abcdef"'),
    ("%*s|%*s|", '-8, "ab", 8, "ab"'),
    ("%*c|%-*c|", "3, 'a', 3, 'b'"),
    ("%*.*s|%d", '10, 2, "hello", 99'),
    # Length modifiers.
    ("%hhd|%hhd|%hhd|%hhd|", "127, 128, -129, 300"),
    ("%hhu|%hhx|%hho|%hhX|", "256 + 5, 0x1ff, 0x1ff, 0xfe"),
    ("%hhi|", "-1"),
    ("%hd|%hd|%hd|%hi|", "32767, 32768, -32769, -1"),
    ("%hu|%hx|%ho|", "65536 + 5, 0x1ffff, 0x1ffff"),
    ("%ld|%ld|%li|", "LONG_MIN, LONG_MAX, -5L"),
    ("%lu|%lx|%lX|%lo|", "ULONG_MAX, 0xabcdefUL, 0xabcdefUL, 0777UL"),
    ("%lld", "0LL"), ("%lld", "-1LL"),
    ("%lld", "LLONG_MIN"), ("%lld", "LLONG_MAX"), ("%lli", "LLONG_MIN"),
    ("%llu", "ULLONG_MAX"), ("%llu", "0ULL"),
    ("%llx|%llX|%llo|", "ULLONG_MAX, ULLONG_MAX, ULLONG_MAX"),
    ("%llx|%llX|", "0x123456789abcdefULL, 0xfedcba9876543210ULL"),
    ("%#llx|%#llo|", "0x123456789abcdefULL, ULLONG_MAX"),
    # Around 2^32, where 32-bit arithmetic must hand over to 64-bit.
    ("%llu|%llu|%llu|", "4294967295ULL, 4294967296ULL, 4294967297ULL"),
    ("%lld|%lld|%lld|", "-4294967295LL, -4294967296LL, -4294967297LL"),
    ("%llx|%llo|", "4294967296ULL, 4294967296ULL"),
    ("%llu|%llu|%llu|",
     "9999999999ULL, 10000000000ULL, 10000000000000000000ULL"),
    ("%llu|%llu|", "12345678901234567890ULL, 18446744073709551557ULL"),
    ("%lld|%lld|", "-999999999999999999LL, 281474976710656LL"),
    ("%+lld|% lld|%+lld|", "0LL, 1LL << 40, -(1LL << 40)"),
    ("%.25lld|%30llu|%-30lld|%030lld|",
     "LLONG_MIN, ULLONG_MAX, LLONG_MIN, LLONG_MIN"),
    # A 64-bit argument between 32-bit ones must not misalign the rest.
    ("%d %lld %d %llx %s", '1, -2LL, 3, 4ULL, "five"'),
    ("%zu|%zd|%zx|%zi|", "(size_t)123, (ssize_t)-5, SIZE_MAX, (ssize_t)7"),
    ("%td|%ti|%tu|%tx|",
     "(ptrdiff_t)-7, PTRDIFF_MAX, (ptrdiff_t)7, (ptrdiff_t)-1"),
    ("%jd|%ju|%jx|%ji|",
     "INTMAX_MIN, UINTMAX_MAX, (uintmax_t)0x1234567890ULL, (intmax_t)-1"),
    ("%5hhd|%-6hd|%08ld|%.3lld|%#jx|", "-1, -2, -3L, -4LL, (uintmax_t)255"),
    # glibc's choices for things C leaves open.
    ("%+p|% p|%#p|", "(void *)0x1234, (void *)0x1234, (void *)0x1234"),
    ("%020p|%.8p|%-12p|%12p|",
     "(void *)0x1234, (void *)0x1234, (void *)0x1234, (void *)0x1234"),
    ("%10p|%-10p|%010p|%.3p|%+p|",
     "(void *)0, (void *)0, (void *)0, (void *)0, (void *)0"),
    ("%5%|%-5%|%05%|", "0"),
    # Unknown conversions are printed as written.
    ("%y|", "0"), ("%5y|", "0"), ("%-5y|", "0"), ("%.3y|", "0"),
    ("%05y|", "0"), ("%#y|", "0"), ("% y|", "0"), ("%+y|", "0"),
    ("%k|%d|%!|", "5"),
    # Long output, truncated to the buffer (kvformat sees all of it).
    ("%200d|", "1"), ("%-150s|", '"x"'), ("%.140d", "-1"),
    # Truncation and the return value.
    ("hello, world", "0", NULLBUF),
    ("%lld", "LLONG_MIN", NULLBUF),
    ("hello, world", "0", 0),
    ("hello, world", "0", 1),
    ("hello, world", "0", 5),
    ("hello, world", "0", 12),
    ("hello, world", "0", 13),
    ("hello, world", "0", 14),
    ("", "0", 1), ("", "0", 0), ("", "0", NULLBUF),
    ("%d", "-12345", 3),
    ("%s", '"abcdef"', 6), ("%s", '"abcdef"', 7),
    ("%lld", "LLONG_MIN", 10),
    ("%10s", '"x"', 4), ("%-10s|", '"x"', 4),
    ("[%c|%c]", "'a', 0", 4),
    ("%#x", "0xabcu", 2), ("%p", "(void *)0", 3),
]

# (format, C argument expressions, expected output) -- ours only.  These
# pin results independently of glibc, including where we choose to differ.
OUR_OWN_CASES = [
    ("%d", "INT_MIN", b"-2147483648"),
    ("%u", "UINT_MAX", b"4294967295"),
    ("%lld", "LLONG_MIN", b"-9223372036854775808"),
    ("%llu", "ULLONG_MAX", b"18446744073709551615"),
    ("%llo", "ULLONG_MAX", b"1777777777777777777777"),
    ("%#.0o|%.0d|", "0u, 0", b"0||"),
    ("%p|%p", "(void *)0xbeef, (void *)0", b"0xbeef|(nil)"),
    ("%s|%.2s", "(char *)0, (char *)0", b"(null)|"),
    ("%-4d|%04d|%+.2d", "1, -1, 1", b"1   |-001|+01"),
    # glibc drops a spec cut short by the end of the format; we print it.
    ("abc%", "0", b"abc%"),
    ("abc%-5", "0", b"abc%-5"),
    # glibc rewrites an unknown spec (reorders flags, drops length
    # modifiers, expands '*'); we print it exactly as written.
    ("%-+5.3y|", "0", b"%-+5.3y|"),
    ("%ly|%lly|%zy|", "0", b"%ly|%lly|%zy|"),
    ("%*y|%d", "5, 6", b"%*y|6"),
]

STRING_CHECKS = [
    "memcpy", "memmove_exhaustive", "memmove_overlap_dst_above",
    "memmove_overlap_dst_below", "memset", "memcmp", "memchr",
    "strlen_strnlen", "strcmp_strncmp", "strcpy_strncpy", "strlcpy",
    "strlcpy_truncation", "strcat_strncat", "strchr_strrchr", "strstr",
    "strstr_empty_needle", "strspn_strcspn",
]


def c_string(s):
    """A C string literal for s (str, taken as Latin-1 bytes)."""
    out = []
    for b in s.encode("latin-1"):
        ch = chr(b)
        if ch in '"\\?':            # '?' avoids trigraphs
            out.append("\\" + ch)
        elif 0x20 <= b < 0x7F:
            out.append(ch)
        else:
            out.append("\\%03o" % b)  # octal: at most 3 digits, unambiguous
    return '"' + "".join(out) + '"'


def case_id(case):
    fmt = case[0]
    size = case[2] if len(case) > 2 and isinstance(case[2], int) else None
    return fmt if size is None else f"{fmt}@{'NULL' if size < 0 else size}"


def run(cmd, **kw):
    # Failure details may quote non-UTF-8 test strings.
    return subprocess.run([str(c) for c in cmd], capture_output=True,
                          text=True, errors="backslashreplace", **kw)


def gcc_m32_links(tmp):
    """True if gcc exists and can link a 32-bit program."""
    if shutil.which("gcc") is None:
        return False
    src = tmp / "probe.c"
    src.write_text("int main(void) { return 0; }\n")
    return run(["gcc", "-m32", src, "-o", tmp / "probe"]).returncode == 0


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    """Build the driver once per session; skip if gcc -m32 cannot link."""
    tmp = tmp_path_factory.mktemp("libc_host")
    if not gcc_m32_links(tmp):
        pytest.skip("gcc -m32 cannot link 32-bit programs; "
                    "install the Debian package gcc-multilib")

    (tmp / "df_rename.h").write_text(
        "".join(f"#define {n} df_{n}\n" for n in RENAMED))
    (tmp / "df_unrename.h").write_text(
        "".join(f"#undef {n}\n" for n in RENAMED))
    lines = []
    for i, case in enumerate(GLIBC_CASES):
        fmt, args = case[0], case[1]
        size = case[2] if len(case) > 2 else BUFSZ
        lines.append(f"FCASE({i}, {size}, {c_string(fmt)}, {args});\n")
    for i, (fmt, args, _) in enumerate(OUR_OWN_CASES):
        lines.append(f"OCASE({i}, {BUFSZ}, {c_string(fmt)}, {args});\n")
    (tmp / "format_cases.h").write_text("".join(lines))

    objs = []
    for src in OUR_SOURCES:
        obj = tmp / (src.stem + ".o")
        r = run(["gcc", *CFLAGS, "-include", tmp / "df_rename.h",
                 "-I", ROOT / "kernel/include/shared", "-c", src, "-o", obj])
        assert r.returncode == 0, f"compiling {src.name}:\n{r.stderr}"
        objs.append(obj)
    exe = tmp / "driver"
    r = run(["gcc", *CFLAGS, "-I", tmp, DRIVER_C, *objs, "-o", exe])
    assert r.returncode == 0, f"compiling the driver:\n{r.stderr}"
    return exe


def run_driver(exe, mode):
    """Run the driver; return ({(tag, id): fields}, process)."""
    r = run([exe, mode], timeout=60)
    results = {}
    for line in r.stdout.splitlines():
        tag, key, *fields = line.split(" ")
        results[tag, key] = fields
    return results, r


def unhex(field):
    assert field.startswith("h")
    return bytes.fromhex(field[1:])


def written(buf):
    """buf without its untouched tail (FILL bytes), for readable diffs.
    No case produces FILL, so this loses nothing: a stray write past the
    limit still shows as extra bytes."""
    return buf.rstrip(bytes([FILL]))


@pytest.fixture(scope="module")
def format_results(driver):
    return run_driver(driver, "format")


@pytest.fixture(scope="module")
def string_results(driver):
    return run_driver(driver, "string")


def result_for(results, tag, key):
    found, proc = results
    key = (tag, str(key))
    assert key in found, (
        f"driver printed nothing for {key} (crashed?) "
        f"rc={proc.returncode} stderr={proc.stderr!r}")
    return found[key]


@pytest.mark.parametrize("index", range(len(GLIBC_CASES)),
                         ids=[case_id(c) for c in GLIBC_CASES])
def test_format_matches_glibc(format_results, index):
    fields = result_for(format_results, "F", index)
    glibc_ret, our_ret = int(fields[0]), int(fields[1])
    glibc_buf, our_buf = unhex(fields[2]), unhex(fields[3])
    full_ret, kv_ret = int(fields[4]), int(fields[5])
    full, kv_out = unhex(fields[6]), unhex(fields[7])
    kv_badchar = int(fields[8])

    # snprintf: return value, and the whole buffer, so that bytes written
    # past the size limit or a missing NUL show up too.
    assert (our_ret, written(our_buf)) == (glibc_ret, written(glibc_buf))
    # kvformat: the untruncated output and its count.
    assert (kv_ret, kv_out) == (full_ret, full)
    assert kv_badchar == 0, "put() got a value outside 0..255"


@pytest.mark.parametrize("index", range(len(OUR_OWN_CASES)),
                         ids=[c[0] for c in OUR_OWN_CASES])
def test_format_exact(format_results, index):
    expected = OUR_OWN_CASES[index][2]
    fields = result_for(format_results, "E", index)
    ret, buf = int(fields[0]), unhex(fields[1])
    n = len(expected)
    assert (ret, buf[:n + 1]) == (n, expected + b"\0")
    assert buf[n + 1:] == bytes([FILL]) * (BUFSZ - n - 1), "wrote past the NUL"


@pytest.mark.parametrize("name", STRING_CHECKS)
def test_string_matches_glibc(string_results, name):
    fields = result_for(string_results, "S", name)
    assert fields[0] == "ok", " ".join(fields)
    assert int(fields[1]) > 0, "the check compared nothing"


def test_driver_runs_every_string_check(string_results):
    found, proc = string_results
    assert proc.returncode == 0, proc.stderr
    assert sorted(name for _, name in found) == sorted(STRING_CHECKS)


def test_format_driver_exits_cleanly(format_results):
    found, proc = format_results
    assert proc.returncode == 0, proc.stderr
    assert sorted(found) == sorted(
        [("F", str(i)) for i in range(len(GLIBC_CASES))] +
        [("E", str(i)) for i in range(len(OUR_OWN_CASES))])


@pytest.mark.parametrize("src", OUR_SOURCES, ids=lambda p: p.name)
def test_builds_freestanding_without_external_symbols(tmp_path, src):
    """Our headers alone suffice, and nothing (e.g. libgcc's __udivdi3 for
    64-bit division) is needed from outside the file."""
    if shutil.which("gcc") is None or shutil.which("nm") is None:
        pytest.skip("needs gcc and nm")
    gcc_include = run(["gcc", "-m32", "-print-file-name=include"]).stdout
    obj = tmp_path / (src.stem + ".o")
    r = run(["gcc", *KERNEL_CFLAGS, "-isystem", gcc_include.strip(),
             "-I", ROOT / "kernel/include/shared", "-c", src, "-o", obj])
    assert r.returncode == 0, r.stderr
    undefined = run(["nm", "-u", obj]).stdout.split()
    assert undefined == []
