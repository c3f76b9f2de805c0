"""The QEMU plugins of `invoke profile` (plugin*.c) and of `invoke bench`'s per-CPU figures
(cpus.c): build them with the host's gcc, and write the address lists they read (trap vectors,
and the timed windows' TSC readings found in .kbench_window).

QEMU 7.2 loads it with `-plugin build/profile/profile.so,out=...,addrs=...`; plugin.c explains
what it counts and the format of what it writes (read by toolchain/profile/data.py).
"""
from __future__ import annotations

import fcntl
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile

from ..build import BUILD, ROOT
from ..make import Builder, BuildError, Step
from ..tools import ToolError, compiler_version, require

HERE = Path(__file__).resolve().parent
C_SOURCES = [HERE / "plugin.c", HERE / "plugin_stacks.c", HERE / "plugin_tables.c"]
CPUS_SOURCES = [HERE / "cpus.c", HERE / "plugin_tables.c"]
HEADERS = [HERE / "plugin.h", HERE / "qemu_plugin_api.h"]
PLUGIN = BUILD / "profile" / "profile.so"
HOST_FLAGS = ["-O2", "-g", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
              "-fvisibility=hidden"]
WINDOW_SECTION = ".kbench_window"
# The kinds of sys/kbench.h's kbench_rdtsc: 1 and 2 a window's start and stop, 3 and 4 those of a
# per-CPU window (kbench_start_percpu, kbench_stop_percpu), which `invoke profile` counts alike.
MARK_KINDS = {1: "start", 2: "stop", 3: "start", 4: "stop"}
PERCPU_KINDS = {3, 4}
RDTSC = b"\x0f\x31"


class ProfileError(Exception):
    """A profile could not be made or read: the message says why and what to do."""


def build_plugin(root: Path = ROOT, build: Path = BUILD, cpus: bool = False) -> Path:
    """Compile the profile plugin's C files into build/profile/profile.so (with cpus, the per-CPU
    counter's into build/profile/cpus.so) with the host's gcc (incremental: only when a source,
    a header, the flags or the compiler changed; it includes no header of the tree's but its own
    and the C library's); returns its path."""
    cc = require("gcc")
    sources, name = (CPUS_SOURCES, "cpus") if cpus else (C_SOURCES, "profile")
    out = build / "profile" / f"{name}.so"
    what = "cpus.c (host, QEMU plugin: per-CPU counts)" if cpus else "plugin*.c (host, QEMU plugin)"
    step = Step(f"CC   toolchain/profile/{what}", [out], sources + HEADERS,
                [cc, *HOST_FLAGS, *map(str, sources), "-o", str(out)], extra=[compiler_version(cc)])
    build.mkdir(parents=True, exist_ok=True)
    with open(build / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            Builder(root, build, jobs=1).run(step)
        except BuildError as e:
            if re.search(r"fatal error: \S+\.h: No such file", str(e)):
                raise ToolError("the host's gcc cannot build the QEMU plugin: the C library's headers "
                                "are missing; install them with `sudo apt-get install libc6-dev`\n"
                                f"{e}") from None
            raise
    return out


@dataclass(frozen=True)
class Mark:
    """One TSC reading of a timed window (kbench_start or kbench_stop, or their per-CPU forms)."""
    vaddr: int
    kind: str           # start or stop
    elf: Path
    percpu: bool = False    # a per-CPU window's (kbench_start_percpu, kbench_stop_percpu)


def read_marks(path: Path) -> list[Mark]:
    """The timed windows' readings listed in path's .kbench_window section (none without it);
    ProfileError when the list is malformed or an address does not hold an rdtsc."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        sec = elf.get_section_by_name(WINDOW_SECTION)
        if sec is None:
            return []
        data = sec.data()
        if len(data) % 8:
            raise ProfileError(f"{path}: section {WINDOW_SECTION} is {len(data)} bytes, not a list of "
                               "8-byte entries; it must come from KBENCH_RDTSC in sys/kbench.h only")
        marks = []
        for vaddr, kind in struct.iter_unpack("<II", data):
            if kind not in MARK_KINDS:
                raise ProfileError(f"{path}: {WINDOW_SECTION} entry {vaddr:#x} has kind {kind}; "
                                   f"expected one of {sorted(MARK_KINDS)} (sys/kbench.h)")
            if code_bytes(elf, vaddr, 2) != RDTSC:
                raise ProfileError(f"{path}: {WINDOW_SECTION} lists {vaddr:#x}, which holds no rdtsc; "
                                   "rebuild (invoke build) or check KBENCH_RDTSC in sys/kbench.h")
            marks.append(Mark(vaddr, MARK_KINDS[kind], Path(path), kind in PERCPU_KINDS))
        return marks


def code_bytes(elf: ELFFile, vaddr: int, size: int) -> bytes | None:
    """size bytes of elf's loaded image at vaddr, or None when they are not all in one segment's
    file image."""
    for seg in elf.iter_segments():
        if seg["p_type"] != "PT_LOAD":
            continue
        start = seg["p_vaddr"]
        if start <= vaddr and vaddr + size <= start + seg["p_filesz"]:
            return seg.data()[vaddr - start:vaddr - start + size]
    return None


TRAP_ROW = 16              # one row of trap_vectors (vectors.S.j2): handler, vector, dpl, gate type


def vectors(kernel: Path) -> list[int]:
    """The addresses where the CPU enters the kernel on a trap: the handler column of the kernel's
    own table, trap_vectors (generated from traps.toml: the vectorN stubs, and hand-written
    entries such as syscall_entry)."""
    with open(kernel, "rb") as f:
        elf = ELFFile(f)
        syms = {s.name: s["st_value"] for s in elf.get_section_by_name(".symtab").iter_symbols()}
        if "trap_vectors" not in syms or "trap_vector_count" not in syms:
            raise ProfileError(f"{kernel}: no trap_vectors table (vectors.S.j2): the profiler cannot "
                               "see interrupts; rebuild the kernel")
        count = int.from_bytes(code_bytes(elf, syms["trap_vector_count"], 4) or b"\0" * 4, "little")
        table = code_bytes(elf, syms["trap_vectors"], count * TRAP_ROW) or b""
    out = sorted(int.from_bytes(table[i:i + 4], "little") for i in range(0, len(table), TRAP_ROW))
    if not out:
        raise ProfileError(f"{kernel}: trap_vectors is empty or unreadable: rebuild the kernel")
    return out


def user_marks_unambiguous(marks: list[Mark], programs: list[Path]) -> None:
    """Every program is linked at the same address: a user mark's address must hold an rdtsc in
    its own program only, or the plugin (which sees addresses, not programs) could open or close
    the window in another one. ProfileError naming both programs otherwise."""
    images = {}
    for p in programs:
        with open(p, "rb") as f:
            elf = ELFFile(f)
            images[p] = {m.vaddr: code_bytes(elf, m.vaddr, 2) for m in marks}
    for m in marks:
        for p in programs:
            if p != m.elf and images[p][m.vaddr] == RDTSC:
                raise ProfileError(f"the timed window's rdtsc at {m.vaddr:#x} of {m.elf.name} lies at the "
                                   f"same address as an rdtsc of {p.name}: the profiler could not tell "
                                   f"them apart; move one (e.g. reorder functions in {p.name})")


def image_marks(kernel: Path, programs: list[Path]) -> list[Mark]:
    """The window readings of the kernel and of the image's programs (checked unambiguous)."""
    user = [m for p in programs for m in read_marks(p)]
    user_marks_unambiguous(user, programs)
    return read_marks(kernel) + user


def write_addrs(path: Path, kernel: Path, programs: list[Path]) -> list[Mark]:
    """Write the plugin's address list (vectors, window readings) to path; returns the marks."""
    marks = image_marks(kernel, programs)
    lines = [f"vector {v:x}" for v in vectors(kernel)] + [f"{m.kind} {m.vaddr:x}" for m in marks]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines) + "\n")
    return marks


def write_percpu_addrs(path: Path, kernel: Path, programs: list[Path]) -> list[Mark]:
    """Write the per-CPU counter's address list (the per-CPU windows' readings) to path; returns
    those marks (none: the image has no per-CPU benchmark)."""
    marks = [m for m in image_marks(kernel, programs) if m.percpu]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("".join(f"{m.kind} {m.vaddr:x}\n" for m in marks))
    return marks


def plugin_args(plugin: Path, out: Path, addrs: Path, from_reset: bool = False) -> list[str]:
    """QEMU's -plugin option for one run of a plugin."""
    values = [str(plugin), f"out={out}", f"addrs={addrs}"] + (["from_reset=on"] if from_reset else [])
    for v in values:
        if "," in v:
            raise ProfileError(f"QEMU's -plugin option cannot carry a comma: {v!r}; use a build "
                               "directory whose path has none")
    return ["-plugin", ",".join(values)]
