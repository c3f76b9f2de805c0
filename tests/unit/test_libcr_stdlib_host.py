"""Host tests for libcr's stdlib: malloc.c, strtol.c, qsort.c, getenv.c and ctype.c.

Our sources are compiled for the host with ``gcc -m32`` the way libcr builds them
(freestanding, our headers only), with every libcr name they define or use renamed to
df_<name> through a force-included header, so they link beside glibc in one program with
host_stdlib_driver.c. The driver stands in for the kernel (df_sbrk over a static 64 MiB arena,
df_write, df_abort) and runs each case through glibc and through ours where glibc is the
oracle (strtol family, ctype), or checks our own contracts (the allocator, the environment).
"""

import math
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from toolchain import gen
from toolchain.build import include_dirs

ROOT = Path(__file__).resolve().parents[2]
DRIVER_C = Path(__file__).with_name("host_stdlib_driver.c")
OUR_SOURCES = [ROOT / "userland/libcr" / p for p in
               ("stdlib/malloc.c", "stdlib/strtol.c", "stdlib/qsort.c", "stdlib/getenv.c",
                "ctype/ctype.c")]
# How libcr compiles (toolchain/build.py), less what does not matter on the host (-fno-pic
# would not link into the host's PIE driver).
OUR_CFLAGS = ["-m32", "-std=gnu11", "-ffreestanding", "-nostdinc", "-O2", "-Wall", "-Werror",
              "-fno-stack-protector", "-fno-common"]
DRIVER_CFLAGS = ["-m32", "-std=gnu11", "-O2", "-Wall", "-Werror"]

CTYPE_FNS = ["isalnum", "isalpha", "isblank", "iscntrl", "isdigit", "isgraph", "islower",
             "isprint", "ispunct", "isspace", "isupper", "isxdigit"]
# Everything of libcr's that the sources define or call: renamed so glibc's stay out of it.
RENAMED = [
    "malloc", "free", "calloc", "realloc", "malloc_stats",
    "strtol", "strtoul", "strtoll", "strtoull", "atoi", "atol", "atoll", "labs", "llabs",
    "qsort", "bsearch", "getenv", "setenv", "unsetenv", "environ",
    *CTYPE_FNS, "toupper", "tolower",
    "sbrk", "cr_sbrk_sync", "cr_spin_contended", "write", "abort", "errno",
]

# Compiled with our headers: what only they know, handed to the driver by value.
SHIM_C = """\
#include <errno.h>
#include <stdlib.h>
const int df_ERANGE = ERANGE, df_EINVAL = EINVAL, df_ENOMEM = ENOMEM;
struct stats { size_t in_use, free_bytes, heap, free_blocks, foreign; };
void df_stats(struct stats *out);
void
df_stats(struct stats *out)
{
\tstruct malloc_stats ms;
\tmalloc_stats(&ms);
\tout->in_use = ms.ms_in_use;
\tout->free_bytes = ms.ms_free;
\tout->heap = ms.ms_heap;
\tout->free_blocks = ms.ms_free_blocks;
\tout->foreign = ms.ms_foreign;
}
"""

RANDOM_SEED = 20240601
RANDOM_OPS = 200_000

MALLOC_CHECKS = [
    "stats_before_first_malloc", "malloc_zero_unique_aligned", "alignment_every_size",
    "free_coalesces_both_neighbours", "realloc_in_place_into_free_next",
    "realloc_in_place_on_top", "realloc_shrinks_in_place", "realloc_slides_into_free_prev",
    "realloc_moves_when_boxed_in", "realloc_null_is_malloc", "calloc_zeroes_reused_memory",
    "calloc_overflow_rejected", "malloc_out_of_memory", "free_gives_back_big_top",
    "someone_else_moves_the_break", "double_free_detected", "foreign_pointer_detected",
]
RANDOM_CHECKS = ["random_contents_intact", "random_all_freed_one_block", "random_top_trimmed"]
ENV_CHECKS = [
    "getenv_finds_exact_names", "setenv_adds_and_overwrites", "setenv_rejects_bad_names",
    "unsetenv_removes_all_and_keeps_order", "setenv_grows_without_limit_or_leak",
]
MISC_CHECKS = ["bsearch_finds_every_element", "abs_family", "strtol_invalid_base"]

# strtol inputs, each tried in every base below.
STRTOL_INPUTS = [
    "0", "1", "-1", "+1", "42", "  42", "\t\n\v\f\r 42", "42abc", "abc", "", " ", "-", "+",
    "+-1", "--1", "- 1", "0x", "0X", "0x1", "0X1f", "0xg", "-0x10", "+0x10", "  -0x7fffffff",
    "0x0x1", "00x1", " 0x", "010", "08", "0777", "0b101", "0o17", "1_000", "0.5", "1e5",
    "-0", "   +0", "0000000000000000000000000000001",
    "2147483647", "2147483648", "-2147483648", "-2147483649",
    "4294967295", "4294967296", "-4294967295", "-4294967296",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808",
    "-9223372036854775809", "18446744073709551615", "18446744073709551616",
    "-18446744073709551615", "-18446744073709551616",
    "99999999999999999999999999999", "-99999999999999999999999999",
    "0xffffffff", "0x100000000", "0xFFFFFFFFFFFFFFFF", "0x10000000000000000",
    "-0x80000000", "-0x80000001", "0x7fffffffffffffff", "-0x8000000000000000",
    "zz", "ZZ", "z1", "1z", "Zz9", "zzzzzzzzzzzzzzzzzz", "1010", "11111111111111111111111111111111",
    "111111111111111111111111111111111", "\xff1", "1\xff", "\x801", "7fffffffffffffffffff",
    "12 34", "0x1p3", "\t-077",
]
STRTOL_BASES = [0, 2, 3, 7, 8, 10, 11, 16, 17, 35, 36]
STRTOL_FNS = ["strtol", "strtoul", "strtoll", "strtoull"]


def c_string(s):
    """A C string literal for s (str, taken as Latin-1 bytes)."""
    out = []
    for b in s.encode("latin-1"):
        ch = chr(b)
        if ch in '"\\?':
            out.append("\\" + ch)
        elif 0x20 <= b < 0x7F:
            out.append(ch)
        else:
            out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          errors="backslashreplace", **kw)


def strtol_cases():
    return [(s, base) for s in STRTOL_INPUTS for base in STRTOL_BASES]


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    """Build the driver once per module; skip when gcc cannot link 32-bit programs."""
    tmp = tmp_path_factory.mktemp("stdlib_host")
    if shutil.which("gcc") is None:
        pytest.skip("no gcc")
    (tmp / "probe.c").write_text("int main(void) { return 0; }\n")
    if run(["gcc", "-m32", tmp / "probe.c", "-o", tmp / "probe"]).returncode != 0:
        pytest.skip("gcc -m32 cannot link 32-bit programs (install gcc-multilib)")
    gcc_include = run(["gcc", "-m32", "-print-file-name=include"]).stdout.strip()

    # The generated headers (errno numbers, syscall prototypes), as the build makes them.
    build = tmp / "build"
    gen.generate(build, ROOT)
    (tmp / "df_rename.h").write_text("".join(f"#define {n} df_{n}\n" for n in RENAMED))
    (tmp / "df_shim.c").write_text(SHIM_C)
    (tmp / "strtol_cases.h").write_text("".join(
        f"SCASE({i}, {c_string(s)}, {base});\n" for i, (s, base) in enumerate(strtol_cases())))

    includes = ["-isystem", gcc_include]
    for d in include_dirs("user", build / "gen"):
        includes += ["-I", ROOT / d]          # an absolute d (the generated ones) stays as it is
    objs = []
    for src in OUR_SOURCES + [tmp / "df_shim.c"]:
        obj = tmp / (src.stem + ".o")
        r = run(["gcc", *OUR_CFLAGS, *includes, "-include", tmp / "df_rename.h",
                 "-c", src, "-o", obj])
        assert r.returncode == 0, f"compiling {src.name}:\n{r.stderr}"
        objs.append(obj)
    exe = tmp / "driver"
    r = run(["gcc", *DRIVER_CFLAGS, "-I", tmp, DRIVER_C, *objs, "-o", exe])
    assert r.returncode == 0, f"compiling the driver:\n{r.stderr}"
    return exe


def run_checks(exe, *args, timeout=120):
    """Run a checking mode; answer ({name: (ok, detail)}, process)."""
    r = run([exe, *args], timeout=timeout)
    found = {}
    for line in r.stdout.splitlines():
        if line.startswith("C "):
            _, name, status, *rest = line.split(" ")
            found[name] = (status, " ".join(rest))
    return found, r


def assert_check(results, name):
    found, proc = results
    assert name in found, (f"the driver printed nothing for {name} (crashed or aborted?) "
                           f"rc={proc.returncode} stdout tail={proc.stdout[-300:]!r} "
                           f"stderr={proc.stderr[-300:]!r}")
    status, detail = found[name]
    assert status == "ok", detail
    assert int(detail) > 0, "the check compared nothing"


def assert_all_ran(results, names):
    found, proc = results
    assert proc.returncode == 0, f"rc={proc.returncode} {proc.stdout[-300:]!r} {proc.stderr!r}"
    assert sorted(found) == sorted(names)


# ---- malloc ----------------------------------------------------------------------------------

# Where the fake break starts: every residue mod 16 would do; these two catch an allocator
# that aligns to 8 and gets 16 by luck.
START_OFFSETS = [5, 13]


@pytest.fixture(scope="module", params=START_OFFSETS, ids=lambda o: f"break+{o}")
def random_results(driver, request):
    return run_checks(driver, "malloc_random", RANDOM_SEED, RANDOM_OPS, request.param,
                      timeout=300)


@pytest.fixture(scope="module")
def malloc_results(driver):
    return run_checks(driver, "malloc")


@pytest.mark.parametrize("name", RANDOM_CHECKS)
def test_malloc_random_run(random_results, name):
    """200,000 random malloc/calloc/realloc/free of 1..70000 bytes: contents survive, every
    pointer is 16-byte aligned, the accounting is exact; freeing all leaves one free block."""
    assert_check(random_results, name)


def test_malloc_random_run_complete(random_results):
    assert_all_ran(random_results, RANDOM_CHECKS)


@pytest.mark.parametrize("name", MALLOC_CHECKS)
def test_malloc(malloc_results, name):
    assert_check(malloc_results, name)


def test_malloc_checks_complete(malloc_results):
    assert_all_ran(malloc_results, MALLOC_CHECKS)


# ---- environment and the small ones ----------------------------------------------------------

@pytest.fixture(scope="module")
def env_results(driver):
    return run_checks(driver, "env")


@pytest.fixture(scope="module")
def misc_results(driver):
    return run_checks(driver, "misc")


@pytest.mark.parametrize("name", ENV_CHECKS)
def test_env(env_results, name):
    assert_check(env_results, name)


def test_env_checks_complete(env_results):
    assert_all_ran(env_results, ENV_CHECKS)


@pytest.mark.parametrize("name", MISC_CHECKS)
def test_misc(misc_results, name):
    assert_check(misc_results, name)


def test_misc_checks_complete(misc_results):
    assert_all_ran(misc_results, MISC_CHECKS)


# ---- strtol family against glibc ------------------------------------------------------------

@pytest.fixture(scope="module")
def strtol_results(driver):
    r = run([driver, "strtol"], timeout=60)
    assert r.returncode == 0, r.stderr
    calls, atois = {}, {}
    for line in r.stdout.splitlines():
        f = line.split(" ")
        if f[0] == "T":
            calls[int(f[1]), f[2]] = (f[3:6], f[6:9])
        elif f[0] == "A":
            atois[int(f[1])] = f[2:]
    return calls, atois


def describe(i):
    s, base = strtol_cases()[i]
    return f"{s!r} base {base}"


@pytest.mark.parametrize("fn", STRTOL_FNS)
def test_strtol_family_matches_glibc(strtol_results, fn):
    """Value, end pointer and errno, for every input in every base."""
    calls, _ = strtol_results
    cases = strtol_cases()
    missing = [describe(i) for i in range(len(cases)) if (i, fn) not in calls]
    assert not missing, f"no result for {missing[:5]}"
    bad = [f"{describe(i)}: glibc (value, end, errno) {calls[i, fn][0]} ours {calls[i, fn][1]}"
           for i in range(len(cases)) if calls[i, fn][0] != calls[i, fn][1]]
    assert not bad, f"{len(bad)} mismatches:\n" + "\n".join(bad[:20])
    # The table must reach every kind of outcome, or it proves less than it seems.
    outcomes = {tuple(calls[i, fn][1][2:]) for i in range(len(cases))}
    assert {("0",), ("ERANGE",)} <= outcomes
    ends = {calls[i, fn][1][1] for i in range(len(cases))}
    assert "0" in ends and len(ends) > 5


def test_atoi_family_matches_glibc(strtol_results):
    _, atois = strtol_results
    expected = [i for i, (_, base) in enumerate(strtol_cases()) if base == 10]
    assert sorted(atois) == expected
    bad = [f"{describe(i)}: atoi/atol/atoll glibc {v[0::2]} ours {v[1::2]}"
           for i, v in atois.items() if v[0::2] != v[1::2]]
    assert not bad, "\n".join(bad[:20])


# ---- qsort against sorted() ------------------------------------------------------------------

def qsort_inputs():
    rng = random.Random(7)
    n = 10_000
    arrays = {
        "random": [rng.randint(-2**31, 2**31 - 1) for _ in range(n)],
        "random_dups": [rng.randint(-50, 50) for _ in range(n)],
        "sorted": list(range(n)),
        "reversed": list(range(n, 0, -1)),
        "all_equal": [42] * n,
        "organ_pipe": list(range(n // 2)) + list(range(n // 2, 0, -1)),
        "sorted_then_one": list(range(n - 1)) + [-1],
        "two_values": [i % 2 for i in range(n)],
    }
    for size in range(0, 21):
        arrays[f"small_{size}"] = [rng.randint(-5, 5) for _ in range(size)]
    rec = {"rec7_random": [rng.randint(-1000, 1000) for _ in range(3000)],
           "rec7_sorted": list(range(3000)), "rec7_equal": [5] * 3000}
    return arrays, rec


@pytest.fixture(scope="module")
def qsort_results(driver):
    arrays, rec = qsort_inputs()
    names = list(arrays) + list(rec)
    lines = [f"int {len(v)} {' '.join(map(str, v))}" for v in arrays.values()]
    lines += [f"rec7 {len(v)} {' '.join(map(str, v))}" for v in rec.values()]
    r = run([driver, "qsort"], input="\n".join(lines) + "\n", timeout=120)
    assert r.returncode == 0, r.stderr
    out = [line.split(" ") for line in r.stdout.splitlines() if line.startswith("Q ")]
    assert len(out) == len(names), f"{len(out)} results for {len(names)} arrays"
    return dict(zip(names, out))


def compare_bound(n):
    """Well above n log n quicksort, far below the n^2/4 of a quadratic one."""
    return 4 * n * math.log2(max(n, 2)) + 50


@pytest.mark.parametrize("name", list(qsort_inputs()[0]))
def test_qsort_ints(qsort_results, name):
    values = qsort_inputs()[0][name]
    fields = qsort_results[name]
    n, compares = int(fields[1]), int(fields[2])
    assert n == len(values)
    assert [int(v) for v in fields[3:]] == sorted(values)
    assert compares <= compare_bound(n), f"{compares} comparisons for {n} elements"


@pytest.mark.parametrize("name", list(qsort_inputs()[1]))
def test_qsort_odd_sized_unaligned_records(qsort_results, name):
    """7-byte records at an odd address: byte swaps, whole records moved together."""
    keys = qsort_inputs()[1][name]
    fields = qsort_results[name]
    pairs = [tuple(map(int, f.split(":"))) for f in fields[3:]]
    assert [k for k, _ in pairs] == sorted(keys)
    assert sorted(i for _, i in pairs) == list(range(len(keys)))
    assert all(keys[i] == k for k, i in pairs), "a key left its record"
    assert int(fields[2]) <= compare_bound(len(keys))


# ---- ctype against glibc's C locale ----------------------------------------------------------

def test_ctype_matches_glibc_c_locale(driver):
    """Every class and both case maps for EOF and 0..255, where C defines them."""
    r = run([driver, "ctype"], timeout=60)
    assert r.returncode == 0, r.stderr
    rows = [line.split(" ") for line in r.stdout.splitlines() if line.startswith("X ")]
    assert [int(f[1]) for f in rows] == list(range(-128, 256))
    names = CTYPE_FNS + ["toupper", "tolower"]
    bad = []
    for f in rows:
        c, vals = int(f[1]), f[2:]
        if c < -1:
            continue
        for k, name in enumerate(names):
            glibc, ours = vals[2 * k], vals[2 * k + 1]
            if glibc != ours:
                bad.append(f"{name}({c}): glibc {glibc} ours {ours}")
    assert not bad, f"{len(bad)} differences:\n" + "\n".join(bad[:20])
    # Not vacuous: every class holds something, and the case maps change something.
    for k, name in enumerate(CTYPE_FNS):
        assert any(f[2 + 2 * k + 1] == "1" for f in rows), f"{name} is never true"
    assert any(f[-3] != f[1] for f in rows) and any(f[-1] != f[1] for f in rows)


def test_ctype_negative_chars_in_no_class(driver):
    """Below EOF C says nothing (glibc maps toupper(-128) to 128); ours, as ctype.h says, puts
    a sign-extended char in no class and maps it to itself."""
    r = run([driver, "ctype"], timeout=60)
    rows = [line.split(" ") for line in r.stdout.splitlines() if line.startswith("X ")]
    negative = [f for f in rows if int(f[1]) < -1]
    assert len(negative) == 127
    for f in negative:
        ours = f[3::2]
        assert ours[:len(CTYPE_FNS)] == ["0"] * len(CTYPE_FNS), f"classes of {f[1]}: {ours}"
        assert ours[len(CTYPE_FNS):] == [f[1], f[1]], f"case maps of {f[1]}"


# ---- the freestanding build ------------------------------------------------------------------

# What libcr itself defines, besides the functions of these files: the only names they may need.
LIBCR_PROVIDES = {
    # _GLOBAL_OFFSET_TABLE_: gcc names it in objects with thread-local variables (errno is one)
    # even for local-exec TLS; ld defines it in every static link.
    "_GLOBAL_OFFSET_TABLE_",
    "errno", "abort", "sbrk", "cr_sbrk_sync", "cr_spin_contended", "write", "snprintf",
    "memcpy", "memmove", "memset", "memcmp", "strlen", "strncmp", "strcmp", "strchr",
    "malloc", "free", "realloc", "isspace",
}


@pytest.mark.parametrize("src", OUR_SOURCES, ids=lambda p: p.name)
def test_builds_freestanding_against_libcr_only(tmp_path, src):
    """With the build's own flags (-fno-pic too), nothing outside libcr is needed: no libgcc
    helpers such as __udivdi3 for 64-bit division."""
    if shutil.which("gcc") is None or shutil.which("nm") is None:
        pytest.skip("needs gcc and nm")
    from toolchain.build import COMMON_FLAGS, USER_FLAGS

    build = tmp_path / "build"
    gen.generate(build, ROOT)
    gcc_include = run(["gcc", "-m32", "-print-file-name=include"]).stdout.strip()
    flags = [f.replace("build/gen", str(build / "gen")) if f.startswith("-Ibuild/") else
             f.replace("-I", f"-I{ROOT}/", 1) for f in USER_FLAGS]
    obj = tmp_path / (src.stem + ".o")
    r = run(["gcc", *COMMON_FLAGS, "-isystem", gcc_include, *flags, "-c", src, "-o", obj])
    assert r.returncode == 0, r.stderr
    undefined = set(run(["nm", "-u", obj]).stdout.split()) - {"U"}
    assert undefined <= LIBCR_PROVIDES, f"needs {sorted(undefined - LIBCR_PROVIDES)}"


def test_limits_h_values(tmp_path):
    """limits.h against the compiler's own idea of the types."""
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    gcc_include = run(["gcc", "-m32", "-print-file-name=include"]).stdout.strip()
    src = tmp_path / "limits_check.c"
    src.write_text("""
#include <limits.h>
_Static_assert(CHAR_BIT == __CHAR_BIT__, "CHAR_BIT");
_Static_assert(INT_MAX == __INT_MAX__ && INT_MIN == -__INT_MAX__ - 1, "INT");
_Static_assert(UINT_MAX == __INT_MAX__ * 2U + 1, "UINT_MAX");
_Static_assert(LONG_MAX == __LONG_MAX__ && LONG_MIN == -__LONG_MAX__ - 1, "LONG");
_Static_assert(ULONG_MAX == __LONG_MAX__ * 2UL + 1, "ULONG_MAX");
_Static_assert(LLONG_MAX == __LONG_LONG_MAX__ && LLONG_MIN == -__LONG_LONG_MAX__ - 1, "LLONG");
_Static_assert(ULLONG_MAX == __LONG_LONG_MAX__ * 2ULL + 1, "ULLONG_MAX");
_Static_assert(SCHAR_MAX == __SCHAR_MAX__ && SHRT_MAX == __SHRT_MAX__, "small");
_Static_assert(PATH_MAX == 256, "PATH_MAX");
/* The types of the constants, not only their values. */
_Static_assert(_Generic(INT_MIN, int: 1, default: 0) && _Generic(UINT_MAX, unsigned: 1, default: 0), "int types");
_Static_assert(_Generic(LONG_MIN, long: 1, default: 0) && _Generic(ULONG_MAX, unsigned long: 1, default: 0), "long types");
_Static_assert(_Generic(LLONG_MIN, long long: 1, default: 0) && _Generic(ULLONG_MAX, unsigned long long: 1, default: 0), "llong types");
""")
    r = run(["gcc", "-m32", "-std=gnu11", "-ffreestanding", "-nostdinc", "-isystem", gcc_include,
             *[f"-I{ROOT / d}" for d in include_dirs("user")], "-fsyntax-only", src])
    assert r.returncode == 0, r.stderr
