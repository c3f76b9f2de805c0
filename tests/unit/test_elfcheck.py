"""Unit tests for toolchain.elfcheck on the real build outputs (toolchain.build.build()) and on
damaged copies of them: the kernel and program checks, test listing, symbolization and sizes."""
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from toolchain import elfcheck
from toolchain.build import ROOT, build
from toolchain.elfcheck import (ElfCheckError, Symbolizer, check_kernel, check_program, largest_symbols,
                                list_ktests, section_sizes)

KTEST_RE = re.compile(r"^KTEST\((\w+),\s*(\w+)\)")


@pytest.fixture(scope="module")
def outputs():
    return build()


@pytest.fixture(scope="module")
def kernel(outputs) -> Path:
    return outputs.kernel


def damaged_copy(src: Path, tmp_path: Path, patch) -> Path:
    """A copy of src with patch(bytearray) applied."""
    data = bytearray(src.read_bytes())
    patch(data)
    dest = tmp_path / src.name
    dest.write_bytes(bytes(data))
    return dest


def first_load_phdr(data: bytes) -> int:
    """File offset of the first PT_LOAD program header of an ELF32 file."""
    e_phoff, = struct.unpack_from("<I", data, 28)
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 42)
    for i in range(e_phnum):
        off = e_phoff + i * e_phentsize
        if struct.unpack_from("<I", data, off)[0] == 1:     # PT_LOAD
            return off
    raise AssertionError("no PT_LOAD")


def source_ktests(path: Path) -> list[tuple[str, str, int]]:
    """(suite, name, line) of every KTEST(...) in a C file, in source order."""
    return [(m[1], m[2], n) for n, line in enumerate(path.read_text().splitlines(), 1)
            if (m := KTEST_RE.match(line))]


# -- check_kernel --------------------------------------------------------------------------------
def test_check_kernel_passes_on_the_built_kernel(kernel):
    """Does the kernel the build links pass check_kernel?"""
    check_kernel(kernel)


def test_check_kernel_needs_the_multiboot_header(kernel, tmp_path):
    """Does a kernel whose multiboot magic is zeroed fail, with a message about multiboot?"""
    def zero_magic(data):
        off = data.find(struct.pack("<I", elfcheck.MULTIBOOT_MAGIC), 0, elfcheck.MULTIBOOT_SEARCH)
        assert off >= 0
        data[off:off + 4] = bytes(4)
    with pytest.raises(ElfCheckError, match="multiboot"):
        check_kernel(damaged_copy(kernel, tmp_path, zero_magic))


def test_check_kernel_needs_a_valid_multiboot_checksum(kernel, tmp_path):
    """Does a multiboot header whose checksum no longer adds up fail as well?"""
    def break_checksum(data):
        off = data.find(struct.pack("<I", elfcheck.MULTIBOOT_MAGIC), 0, elfcheck.MULTIBOOT_SEARCH)
        data[off + 8] ^= 0xFF
    with pytest.raises(ElfCheckError, match="multiboot"):
        check_kernel(damaged_copy(kernel, tmp_path, break_checksum))


def test_check_kernel_needs_headers_in_first_load(kernel, tmp_path):
    """Does a kernel whose first PT_LOAD no longer starts at file offset 0 (so the ELF headers are
    outside it) fail, naming the headers?"""
    def move_load(data):
        off = first_load_phdr(data)
        struct.pack_into("<I", data, off + 4, 0x1000)       # p_offset
    with pytest.raises(ElfCheckError, match="ELF headers"):
        check_kernel(damaged_copy(kernel, tmp_path, move_load))


def test_check_kernel_needs_1mib_load_address(kernel, tmp_path):
    """Does a kernel whose first PT_LOAD is not at 0x100000 fail, naming the address expected?"""
    def move_vaddr(data):
        off = first_load_phdr(data)
        struct.pack_into("<I", data, off + 8, 0x200000)     # p_vaddr
    with pytest.raises(ElfCheckError, match="0x100000"):
        check_kernel(damaged_copy(kernel, tmp_path, move_vaddr))


def test_check_kernel_needs_i386(kernel, tmp_path):
    """Does a kernel whose e_machine is not i386 fail?"""
    def machine(data):
        struct.pack_into("<H", data, 18, 62)                 # EM_X86_64
    with pytest.raises(ElfCheckError, match="i386"):
        check_kernel(damaged_copy(kernel, tmp_path, machine))


# -- check_program -------------------------------------------------------------------------------
def test_check_program_passes_on_built_programs(outputs):
    """Do the built user programs (build/userland/bin/demo and the test programs) pass check_program?"""
    demo = ROOT / "build" / "userland" / "bin" / "demo"
    assert outputs.programs["demo"] == demo
    for path in outputs.programs.values():
        check_program(path)


def test_check_program_rejects_the_kernel(kernel):
    """Does check_program reject the kernel, whose segments lie below 0x40000000?"""
    with pytest.raises(ElfCheckError, match="0x40000000"):
        check_program(kernel)


def test_check_program_rejects_a_64_bit_host_program():
    """Does check_program reject a 64-bit host executable (the Python interpreter)?"""
    with pytest.raises(ElfCheckError, match="not a static ELF32 i386"):
        check_program(Path(sys.executable).resolve())


def test_check_program_rejects_a_dynamic_program(tmp_path):
    """Does check_program reject a dynamically linked i386 executable (gcc -m32 -no-pie)?"""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed")
    (tmp_path / "hello.c").write_text("int main(void) { return 0; }\n")
    proc = subprocess.run([gcc, "-m32", "-no-pie", "-o", "hello", "hello.c"], cwd=tmp_path,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"no 32-bit host libc to link against: {proc.stderr.strip()}")
    with pytest.raises(ElfCheckError, match="dynamically linked"):
        check_program(tmp_path / "hello")


def test_check_program_rejects_entry_outside_segments(outputs, tmp_path):
    """Does a program whose entry point is outside every PT_LOAD fail, naming the entry point?"""
    def entry(data):
        struct.pack_into("<I", data, 24, 0x7ff00000)         # e_entry
    with pytest.raises(ElfCheckError, match="entry point 0x7ff00000"):
        check_program(damaged_copy(outputs.programs["demo"], tmp_path, entry))


# -- list_ktests ---------------------------------------------------------------------------------
def test_list_ktests_kernel_has_fault_on_purpose(kernel):
    """Does list_ktests on the kernel include debug.fault_on_purpose with its file and KTEST line?"""
    src = ROOT / "kernel" / "tests" / "debug_test.c"
    (line,) = [n for s, name, n in source_ktests(src) if (s, name) == ("debug", "fault_on_purpose")]
    tests = {(t.suite, t.name): t for t in list_ktests(kernel)}
    t = tests[("debug", "fault_on_purpose")]
    assert t.file == "kernel/tests/debug_test.c"
    assert t.line == line
    assert t.full_name == "debug.fault_on_purpose"


def test_list_ktests_kernel_matches_the_sources(kernel):
    """Does list_ktests on the kernel list exactly the KTESTs written in kernel/tests/*.c (same
    names, files and lines)?"""
    expected = {(s, n, f"kernel/tests/{p.name}", line)
                for p in (ROOT / "kernel" / "tests").glob("*.c") for s, n, line in source_ktests(p)}
    listed = {(t.suite, t.name, t.file, t.line) for t in list_ktests(kernel)}
    assert expected <= listed
    assert {t for t in listed if t[2].startswith("kernel/tests/")} == expected


def test_list_ktests_in_source_order_within_a_file(kernel):
    """Are the kernel's KTESTs listed (so run) in source order within each file?"""
    by_file: dict[str, list[int]] = {}
    for t in list_ktests(kernel):
        by_file.setdefault(t.file, []).append(t.line)
    assert len(by_file["kernel/tests/lib_test.c"]) > 1
    for file, lines in by_file.items():
        assert lines == sorted(lines), f"{file}: KTESTs out of source order: {lines}"


def test_list_ktests_user_test_program(outputs):
    """Does list_ktests on build/userland/tests/test_syscalls list the suite 'syscall' from
    userland/tests/test_syscalls.c?"""
    path = ROOT / "build" / "userland" / "tests" / "test_syscalls"
    assert outputs.programs["test_syscalls"] == path
    tests = list_ktests(path)
    assert "syscall" in {t.suite for t in tests}
    src = source_ktests(ROOT / "userland" / "tests" / "test_syscalls.c")
    assert [(t.suite, t.name, t.line) for t in tests
            if t.file == "userland/tests/test_syscalls.c"] == src


def test_list_ktests_without_section(outputs):
    """Does a program with no .ktest section (demo) list no tests?"""
    assert list_ktests(outputs.programs["demo"]) == []


# -- Symbolizer ----------------------------------------------------------------------------------
def function_symbol(path: Path, name: str) -> tuple[int, int]:
    with open(path, "rb") as f:
        (sym,) = ELFFile(f).get_section_by_name(".symtab").get_symbol_by_name(name)
        return sym["st_value"], sym["st_size"]


def function_lines(src: Path, name: str) -> range:
    """The lines from a function's name to its closing brace."""
    lines = src.read_text().splitlines()
    start = next(n for n, line in enumerate(lines, 1) if line.startswith(f"{name}("))
    end = next(n for n, line in enumerate(lines, 1) if n > start and line == "}")
    return range(start, end + 1)


def test_describe_function_start(kernel):
    """Does Symbolizer.describe on a function's address give 'name+0x0 (file:line)' with a line
    inside that function?"""
    addr, _ = function_symbol(kernel, "fault_on_purpose")
    text = Symbolizer(kernel).describe(addr)
    m = re.fullmatch(r"fault_on_purpose\+0x0 \(kernel/tests/debug_test\.c:(\d+)\)", text)
    assert m, text
    assert int(m[1]) in function_lines(ROOT / "kernel" / "tests" / "debug_test.c", "fault_on_purpose")


def test_function_offsets_and_bounds(kernel):
    """Does Symbolizer.function give (name, offset) inside a function and None past its end or
    below every function?"""
    addr, size = function_symbol(kernel, "fault_on_purpose")
    sym = Symbolizer(kernel)
    assert sym.function(addr + 3) == ("fault_on_purpose", 3)
    assert sym.function(addr + size - 1) == ("fault_on_purpose", size - 1)
    nxt = sym.function(addr + size)
    assert nxt is None or nxt[0] != "fault_on_purpose"
    assert sym.function(0x10) is None


def test_describe_unknown_address(kernel):
    """Does describe give the bare zero-padded address for an address in no function?"""
    assert Symbolizer(kernel).describe(0x10) == "0x00000010"


def test_line_of_a_c_function(kernel):
    """Does Symbolizer.line map an address in C code to its repository-relative source file?"""
    addr, _ = function_symbol(kernel, "fault_on_purpose")
    file, line = Symbolizer(kernel).line(addr)
    assert file == "kernel/tests/debug_test.c" and line > 0


# -- sizes ----------------------------------------------------------------------------------------
def test_section_sizes(kernel):
    """Does section_sizes list the allocated sections (with .text at or above 1 MiB) and not the
    symbol or debug sections?"""
    sections = {name: (addr, size) for name, addr, size in section_sizes(kernel)}
    assert ".text" in sections
    addr, size = sections[".text"]
    assert addr >= 0x100000 and size > 0
    assert ".symtab" not in sections and not any(n.startswith(".debug") for n in sections)


def test_largest_symbols_descending(kernel):
    """Does largest_symbols return at most count (name, kind, size) rows, biggest first, functions
    and objects only?"""
    rows = largest_symbols(kernel, count=10)
    assert 0 < len(rows) <= 10
    sizes = [size for _, _, size in rows]
    assert sizes == sorted(sizes, reverse=True)
    assert all(kind in ("func", "object") and size > 0 for _, kind, size in rows)
    everything = largest_symbols(kernel, count=10_000)
    assert everything[:len(rows)] == rows or [r[2] for r in everything[:len(rows)]] == sizes
    assert max(r[2] for r in everything) == sizes[0]
