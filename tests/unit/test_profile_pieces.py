"""Unit tests for toolchain/profile (`invoke profile`) without QEMU: the window's marks in the
built ELF files, the plugin's build and ABI, reading its output, attributing blocks to the kernel,
programs and libcr, the profile's rows, stacks and totals, saving, comparing, speedscope."""
from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from toolchain.bench import BenchLine
from toolchain.build import Project, build
from toolchain.elfcheck import Symbolizer
from toolchain.profile import ProfileError, data, model, plugin, report
from toolchain.profile.attribute import Attributor, Place
from toolchain.profile.data import Block, Cell, Node, RawProfile
from toolchain.profile.run import check_name
from toolchain.tools import ToolError

QEMU = Path("/usr/libexec/qemu-system-i386")


@pytest.fixture(scope="module")
def outputs():
    return build()


@pytest.fixture(scope="module")
def attributor(outputs) -> Attributor:
    names = ("bench_syscall", "pipe_echo", "profile_known")
    project = Project()
    objects = {n: project.obj(src, "user") for n, (src, _) in project.program_sources().items() if n in names}
    return Attributor(outputs.kernel, {n: outputs.programs[n] for n in names}, objects)


def symbol(elf: Path, name: str) -> int:
    return next(start for start, _, n in Symbolizer(elf)._funcs if n == name)


def block(elf: Path, bid: int, vaddr: int, sizes=(2, 2), host: int = 0) -> Block:
    """A block of elf's own bytes at vaddr (instruction boundaries as given)."""
    with open(elf, "rb") as f:
        code = plugin.code_bytes(ELFFile(f), vaddr, sum(sizes))
    return Block(bid, vaddr, host, code, tuple(sizes))


# -- the window's marks ----------------------------------------------------------------------------
def test_marks_list_the_timed_rdtscs_and_are_not_loaded(outputs):
    """Does every ELF with benchmarks list start and stop rdtscs in .kbench_window, a section that
    is not loaded (so the timed code is the same as without it)?"""
    for elf in (outputs.kernel, outputs.programs["bench_syscall"], outputs.programs["profile_known"]):
        marks = plugin.read_marks(elf)
        kinds = [m.kind for m in marks]
        assert "start" in kinds and "stop" in kinds, (elf, kinds)
        with open(elf, "rb") as f:
            sec = ELFFile(f).get_section_by_name(plugin.WINDOW_SECTION)
            assert not sec["sh_flags"] & 2, f"{elf}: {plugin.WINDOW_SECTION} must not be SHF_ALLOC"
    assert plugin.read_marks(outputs.programs["pipe_echo"]) == []
    # boot.first_result's reading in ktest_result_hook is a stop without a start.
    kernel = plugin.read_marks(outputs.kernel)
    assert sum(m.kind == "stop" for m in kernel) == sum(m.kind == "start" for m in kernel) + 1


def test_a_mark_without_an_rdtsc_is_an_error(outputs, tmp_path):
    """A .kbench_window entry whose address holds something else: ProfileError naming it."""
    elf = outputs.programs["profile_known"]
    mark = plugin.read_marks(elf)[0]
    data_ = bytearray(elf.read_bytes())
    with open(elf, "rb") as f:
        seg = next(s for s in ELFFile(f).iter_segments() if s["p_type"] == "PT_LOAD")
    data_[seg["p_offset"] + mark.vaddr - seg["p_vaddr"]] = 0x90
    bad = tmp_path / "profile_known"
    bad.write_bytes(bytes(data_))
    with pytest.raises(ProfileError, match=f"lists {mark.vaddr:#x}, which holds no rdtsc"):
        plugin.read_marks(bad)


def test_a_mark_at_another_programs_rdtsc_is_an_error(outputs, tmp_path):
    """Two programs with an rdtsc at one mark's address: the plugin could not tell them apart."""
    elf = outputs.programs["bench_syscall"]
    twin = tmp_path / "twin"
    shutil.copy(elf, twin)
    with pytest.raises(ProfileError, match="same address as an rdtsc of twin"):
        plugin.user_marks_unambiguous(plugin.read_marks(elf), [elf, twin])
    plugin.user_marks_unambiguous(plugin.read_marks(elf), [elf, outputs.programs["pipe_echo"]])


def test_addrs_file_lists_vectors_and_marks(outputs, tmp_path):
    """The plugin's address list: every trap entry (vector0.., syscall_entry for vector 128)
    and every mark."""
    path = tmp_path / "addrs"
    marks = plugin.write_addrs(path, outputs.kernel, [outputs.programs["bench_syscall"]])
    lines = path.read_text().splitlines()
    for name in ("vector0", "vector14", "vector32", "syscall_entry"):
        assert f"vector {symbol(outputs.kernel, name):x}" in lines, name
    assert sum(line.startswith("vector ") for line in lines) >= 33      # exceptions and IRQs at least
    assert [line for line in lines if not line.startswith("vector ")] == [f"{m.kind} {m.vaddr:x}" for m in marks]



def test_per_cpu_marks_are_listed_apart_for_the_counter(outputs, tmp_path):
    """kbench_start_percpu/kbench_stop_percpu (kinds 3 and 4): start and stop for the profiler,
    and the only lines of the per-CPU counter's address list (kernel: lwkt.scale; bench_scale:
    proc.scale); an image without them gets no counter."""
    elf = outputs.programs["bench_scale"]
    kernel = [m for m in plugin.read_marks(outputs.kernel) if m.percpu]
    user = [m for m in plugin.read_marks(elf) if m.percpu]
    assert sorted(m.kind for m in kernel) == ["start", "stop"] and sorted(m.kind for m in user) == ["start", "stop"]
    start, size = next((a, b) for a, b, n in Symbolizer(outputs.kernel)._funcs if n == "scale")
    assert all(start <= m.vaddr < start + size for m in kernel)      # kernel/bench/scale_bench.c
    marks = plugin.write_percpu_addrs(tmp_path / "addrs", outputs.kernel, [elf])
    assert marks == kernel + user
    assert (tmp_path / "addrs").read_text().splitlines() == [f"{m.kind} {m.vaddr:x}" for m in marks]
    assert plugin.write_percpu_addrs(tmp_path / "none", outputs.programs["pipe_echo"], []) == []


# -- the plugin ------------------------------------------------------------------------------------
@pytest.mark.parametrize("cpus", [False, True], ids=["profile", "cpus"])
def test_plugin_builds_once_and_matches_qemus_exports(tmp_path, cpus):
    """Does plugin.c (and cpus.c, the per-CPU counter of invoke bench) build into a shared object
    that declares API version 1 and uses only functions QEMU 7.2 exports, and does a second build
    do nothing?"""
    so = plugin.build_plugin(build=tmp_path, cpus=cpus)
    assert so.name == ("cpus.so" if cpus else "profile.so")
    stamp = so.stat().st_mtime_ns
    assert plugin.build_plugin(build=tmp_path, cpus=cpus) == so and so.stat().st_mtime_ns == stamp
    with open(so, "rb") as f:
        elf = ELFFile(f)
        dynsym = elf.get_section_by_name(".dynsym")
        syms = {s.name: s for s in dynsym.iter_symbols()}
        version = syms["qemu_plugin_version"]
        sec = elf.get_section(version["st_shndx"])
        off = version["st_value"] - sec["sh_addr"]
        assert int.from_bytes(sec.data()[off:off + 4], "little") == 1
        assert syms["qemu_plugin_install"]["st_shndx"] != "SHN_UNDEF"
        imports = {n for n, s in syms.items() if n.startswith("qemu_plugin_") and s["st_shndx"] == "SHN_UNDEF"}
    assert imports
    if QEMU.is_file():
        exported = subprocess.run(["objdump", "-T", str(QEMU)], capture_output=True, text=True).stdout
        missing = [n for n in imports if f" {n}\n" not in exported]
        assert not missing, f"QEMU does not export {missing}"


def test_plugin_build_without_c_headers_names_the_package(tmp_path, monkeypatch):
    """gcc that finds no C library headers: a ToolError naming libc6-dev."""
    empty = tmp_path / "include"
    empty.mkdir()
    monkeypatch.setattr(plugin, "HOST_FLAGS", plugin.HOST_FLAGS + ["-nostdinc", "-I", str(empty)])
    with pytest.raises(ToolError, match="apt-get install libc6-dev"):
        plugin.build_plugin(build=tmp_path)


def test_plugin_args_refuse_commas(tmp_path):
    assert plugin.plugin_args(Path("/p.so"), Path("/o"), Path("/a"), True) == [
        "-plugin", "/p.so,out=/o,addrs=/a,from_reset=on"]
    with pytest.raises(ProfileError, match="comma"):
        plugin.plugin_args(Path("/p.so"), Path("/a,b"), Path("/a"), False)


def test_benchmark_names_are_exact():
    check_name("syscall.null.sync")
    for bad in ("syscall.*", "--help", "", "a b"):
        with pytest.raises(ProfileError, match="exact name"):
            check_name(bad)


# -- the plugin's output -----------------------------------------------------------------------------
GOOD = """damselfly-profile 1
window state=done total=7 hlts=0 idles=0 stack_resets=1 extra_windows=0 nested_starts=0
block 0 100000 7f0000 31c0c3 2,1
block 1 40000000 7f1000 90 1
node 0 -1 R 40000000 1
node 1 0 C 100000 0
cell 0 1 4
cell 1 0 2,1
end
"""


def test_parse_reads_every_record():
    raw = data.parse(GOOD)
    assert raw.state == "done" and raw.total == 7 and raw.window["stack_resets"] == 1
    assert raw.blocks[0] == Block(0, 0x100000, 0x7f0000, b"\x31\xc0\xc3", (2, 1))
    assert raw.blocks[0].insn_addrs() == [0x100000, 0x100002]
    assert raw.nodes[1] == Node(1, 0, "C", 0x100000, 0)
    assert raw.cells == [Cell(0, 1, (4,)), Cell(1, 0, (2, 1))]


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace("damselfly-profile 1", "damselfly-profile 9"), ":1: expected the header"),
    (lambda t: t.replace("end\n", ""), "ends before its 'end' line"),
    (lambda t: t.replace("cell 1 0 2,1", "cell 1 0 2"), ":8: 1 counts for a block of 2 instructions"),
    (lambda t: t.replace("total=7", "total=8"), "the counts add up to 7, the window says 8"),
    (lambda t: t.replace("31c0c3 2,1", "31c0c3 2,2"), ":3: the instruction sizes do not add up"),
    (lambda t: t.replace("node 1 0 C", "node 1 5 C"), ":6: context 1 names parent 5"),
    (lambda t: t.replace("cell 0 1 4", "cell 0 1 x"), ":7: malformed 'cell' record"),
])
def test_parse_errors_name_the_line(change, message):
    with pytest.raises(ProfileError, match=message):
        data.parse(change(GOOD), Path("out.txt"))


def test_load_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(ProfileError, match="wrote no"):
        data.load(tmp_path / "none")


# -- attribution -----------------------------------------------------------------------------------------
def test_blocks_are_told_apart_by_their_bytes(outputs, attributor):
    """At one user address, bench_syscall's bytes belong to bench_syscall, pipe_echo's to
    pipe_echo; kernel bytes to the kernel; code in no ELF below 1 MiB to the firmware."""
    bs, pe = outputs.programs["bench_syscall"], outputs.programs["pipe_echo"]
    main_pe = symbol(pe, "main")
    a, b = block(bs, 0, main_pe), block(pe, 1, main_pe)
    assert a.code != b.code
    k = block(outputs.kernel, 2, symbol(outputs.kernel, "sys_null"), (2, 1))
    fw = Block(3, 0xf0000, 0, b"\x90", (1,))
    attributor.resolve({blk.id: blk for blk in (a, b, k, fw)})
    assert attributor.place(a, main_pe).program == "bench_syscall"
    assert attributor.place(b, main_pe) .key == ("pipe_echo", "pipe_echo", "main", "userland/bench/pipe_echo.c")
    assert attributor.place(k, k.vaddr).key == ("kernel", "", "sys_null", "kernel/kern/sys_generic.c")
    assert attributor.place(fw, 0xf0000).module == "firmware"
    assert not attributor.undecided


def test_identical_code_is_decided_by_its_page(outputs, attributor):
    """_start's first bytes are the same in both programs: a block of them goes to the program
    that owns its (host) page alone, and stays undecided, and reported, without one."""
    bs, pe = outputs.programs["bench_syscall"], outputs.programs["pipe_echo"]
    start = symbol(bs, "_start")
    assert start == symbol(pe, "_start")
    same = block(pe, 0, start, (2, 2), host=0x7000_5000)
    owner = block(pe, 1, symbol(pe, "main"), (2, 2), host=0x7000_5000)      # pipe_echo's only
    alone = block(pe, 2, start, (2, 2), host=0x7000_9000)
    attributor.resolve({blk.id: blk for blk in (same, owner, alone)})
    assert attributor.owner[0].name == "pipe_echo"
    assert list(attributor.undecided) == [2]
    assert {"bench_syscall", "pipe_echo"} <= set(attributor.undecided[2])


def test_modules_come_from_the_source_or_the_object(outputs, attributor):
    """A program's function is its own (even in assembler without line information); libcr's
    and the shared kernel/lib code in a program are libcr's."""
    pk = outputs.programs["profile_known"]
    leaf = symbol(pk, "known_leaf")
    blocks = {0: block(pk, 0, leaf, (5, 1)), 1: block(pk, 1, symbol(pk, "memcpy")),
              2: block(pk, 2, symbol(pk, "cr_null"))}
    attributor.resolve(blocks)
    assert attributor.place(blocks[0], leaf).module == "profile_known"
    assert attributor.place(blocks[1], blocks[1].vaddr).module == "libcr"
    assert attributor.place(blocks[2], blocks[2].vaddr).module == "libcr"
    line = attributor.place(blocks[2], blocks[2].vaddr, with_line=True)
    assert line.file.endswith("syscalls.c") and line.line > 0


# -- the profile ------------------------------------------------------------------------------------------
def raw_profile(outputs, halted_hlts=0) -> tuple[RawProfile, dict]:
    """A window of 100 instructions: main (bench_syscall) calls cr_null, which traps into the
    kernel's trap(), which calls sys_null; one trap() block is reached by a tail jump into
    syscall_trap within trap()'s frame."""
    bs, k = outputs.programs["bench_syscall"], outputs.kernel
    blocks = [block(bs, 0, symbol(bs, "main"), (8, 8)), block(bs, 1, symbol(bs, "cr_null"), (8, 8)),
              block(k, 2, symbol(k, "trap")), block(k, 3, symbol(k, "sys_null"), (2, 1)),
              block(k, 4, symbol(k, "syscall_trap"))]
    nodes = [Node(0, None, "R", blocks[0].vaddr, 0), Node(1, 0, "C", blocks[1].vaddr, 1),
             Node(2, 1, "T", blocks[2].vaddr, 2), Node(3, 2, "C", blocks[3].vaddr, 3)]
    cells = [Cell(0, 0, (5, 5)), Cell(1, 1, (10, 10)), Cell(2, 2, (20, 10)), Cell(3, 3, (15, 5)),
             Cell(2, 4, (10, 10))]
    raw = RawProfile("done", dict(total=100, hlts=halted_hlts, idles=0, stack_resets=0, extra_windows=0,
                                  nested_starts=0))
    raw.blocks = {b.id: b for b in blocks}
    raw.nodes = {n.id: n for n in nodes}
    raw.cells = cells
    return raw, {b.id: b for b in blocks}


def bench_line(insns=100, iterations=10, baseline=20):
    return BenchLine("syscall.null.sync", iterations, insns, baseline)


def rows(prof):
    return {r.function: (r.module, r.self_count, r.total_count) for r in prof.functions}


def test_rows_count_self_and_total(outputs, attributor):
    raw, _ = raw_profile(outputs)
    prof = model.build_profile(raw, attributor, bench_line(), "bench", "rev")
    assert rows(prof) == {"main": ("bench_syscall", 10, 100), "cr_null": ("libcr", 20, 90),
                          "trap": ("kernel", 30, 70), "syscall_trap": ("kernel", 20, 20),
                          "sys_null": ("kernel", 20, 20)}
    assert sum(r.self_count for r in prof.functions) == prof.insns == prof.counted
    assert prof.halted == 0 and prof.figure == 8.0 and not prof.notes
    names = [[prof.frames[i]["function"] for i in ids] for ids, _ in prof.stacks]
    assert ["main", "cr_null", "trap", "syscall_trap"] in names           # the tail call's leaf
    assert ["main", "cr_null", "trap", "sys_null"] in names
    assert sum(n for _, n in prof.stacks) == 100
    lines = {(r.function, r.file) for r in prof.lines}
    assert ("sys_null", "kernel/kern/sys_generic.c") in lines
    assert sum(r.count for r in prof.lines) == 100


def test_halted_time_is_its_own_row(outputs, attributor):
    """The TSC counts 30 more than ran, and a hlt ran: a (CPU halted) row of 30, 30% of it."""
    raw, _ = raw_profile(outputs, halted_hlts=1)
    prof = model.build_profile(raw, attributor, bench_line(insns=130), "bench", "rev")
    assert rows(prof)["(CPU halted)"] == ("halted", 30, 30)
    assert any("halted" in s and "30" in s for s in report.summary(prof))
    assert [ids for ids, n in prof.stacks if n == 30] and not prof.notes
    raw, _ = raw_profile(outputs)
    unexplained = model.build_profile(raw, attributor, bench_line(insns=130), "bench", "rev")
    assert unexplained.notes and "cannot explain" in unexplained.notes[0]


def test_a_per_cpu_benchmark_says_which_cpu_its_figure_counts(outputs, attributor, tmp_path):
    """A BENCH line with cpu=max: the rows are every CPU's (as the TSC), the summary says the
    figure is one CPU's and which, and a saved profile keeps both."""
    raw, _ = raw_profile(outputs)
    line = dataclasses.replace(bench_line(), cpu="max", counted=60, on_cpu=1)
    prof = model.build_profile(raw, attributor, line, "bench-smp4", "rev")
    assert prof.counted == prof.insns == 100 and prof.counted_on == "max (cpu1)"
    assert prof.cpu_figure == line.insns_per_op
    assert any("counted per CPU" in s and "max (cpu1)" in s and f"{line.insns_per_op:,.1f}" in s
               for s in report.summary(prof))
    loaded = model.load(model.save(prof, tmp_path / "p.json"))
    assert (loaded.counted_on, loaded.cpu_figure) == (prof.counted_on, prof.cpu_figure)
    plain = model.build_profile(raw, attributor, bench_line(), "bench", "rev")
    assert not plain.counted_on and not any("per CPU" in s for s in report.summary(plain))


@pytest.mark.parametrize("state, nested, message", [
    ("idle", 0, "never opened"), ("counting", 0, "never closed"), ("done", 1, "ran again inside"),
])
def test_a_broken_window_is_an_error(outputs, attributor, state, nested, message):
    raw, _ = raw_profile(outputs)
    raw.state, raw.window["nested_starts"] = state, nested
    with pytest.raises(ProfileError, match=message):
        model.build_profile(raw, attributor, bench_line(), "bench", "rev")


def test_saved_profiles_load_and_compare(outputs, attributor, tmp_path):
    raw, _ = raw_profile(outputs)
    before = model.build_profile(raw, attributor, bench_line(), "bench", "old")
    raw.cells[3] = Cell(3, 3, (35, 5))              # sys_null: 20 more instructions
    raw.window["total"] = 120
    after = model.build_profile(raw, attributor, bench_line(insns=120), "bench", "new")
    path = model.save(before, tmp_path / "p.json")
    loaded = model.load(path)
    assert loaded == before
    assert report.changes(after, loaded) == [(("kernel", "", "sys_null", "kernel/kern/sys_generic.c"), 2.0, 4.0)]
    table, sentences = report.compare(after, loaded, 10)
    assert table.row_count == 1
    assert "10.0 (old) → 12.0 (new), +2.0" in sentences[0]
    same, _ = report.compare(before, loaded, 10)
    assert same is None
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ProfileError, match="not a saved profile"):
        model.load(tmp_path / "bad.json")


def test_speedscope_file_is_consistent(outputs, attributor, tmp_path):
    raw, _ = raw_profile(outputs)
    prof = model.build_profile(raw, attributor, bench_line(), "bench", "rev")
    doc = json.loads(report.write_speedscope(prof, tmp_path / "f.json").read_text())
    assert doc["$schema"] == report.SPEEDSCOPE_SCHEMA
    p = doc["profiles"][0]
    assert p["type"] == "sampled" and len(p["samples"]) == len(p["weights"])
    assert sum(p["weights"]) == p["endValue"] == 100
    assert all(0 <= i < len(doc["shared"]["frames"]) for s in p["samples"] for i in s)


def test_firmware_frames_under_the_kernel_are_dropped():
    """The firmware jumps into the kernel: its frames under the kernel's first go; a stack of
    firmware alone stays."""
    fw, kmain, leaf = (Place("firmware", None, "(firmware)", ""), Place("kernel", None, "kmain", "k.c"),
                       Place("kernel", None, "f", "k.c"))
    assert model._without_firmware_base([fw, fw, kmain, leaf]) == [kmain, leaf]
    assert model._without_firmware_base([fw, fw]) == [fw, fw]
    assert model._without_firmware_base([kmain, fw]) == [kmain, fw]
