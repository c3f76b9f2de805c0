"""The inspector's pieces that need no guest: memory readers, register and flag parsing, errors,
and the tables drawn from a snapshot's JSON shape."""
from __future__ import annotations

import ctypes
import io
import json
import os
import struct
import sys
from pathlib import Path

import pytest
from rich.console import Console

from toolchain.build import ROOT, build
from toolchain.facts import facts
from toolchain.inspect import InspectError, attach_running, parse_registers
from toolchain.inspect import render
from toolchain.inspect.memory import PAGE, DumpMemory, GuestMemoryError, Memory, QmpMemory
from toolchain.inspect.program import _drgn, check_kernel_matches
from toolchain.inspect.views import flag_names


class FakeGuest:
    """'Guest RAM' in this process, and a QMP that answers gpa2hva and pmemsave about it."""

    def __init__(self, size: int):
        self.buf = ctypes.create_string_buffer(bytes((i * 7) & 0xff for i in range(size)), size)
        self.base = ctypes.addressof(self.buf)
        self.size = size
        self.commands: list[str] = []

    def qmp(self, command: str, **args):
        self.commands.append(command)
        if command == "query-memory-size-summary":
            return {"base-memory": self.size}
        if command == "human-monitor-command":
            gpa = int(args["command-line"].split()[1], 16)
            return f"Host virtual address for {gpa:#x} (pc.ram) is {self.base + gpa:#x}\r\n"
        if command == "pmemsave":
            Path(args["filename"]).write_bytes(self.buf.raw[args["val"]:args["val"] + args["size"]])
            return {}
        raise AssertionError(command)


SIZE = 0x120000             # covers the kernel's first page at 1 MiB, as the reader checks


def test_qmp_memory_reads_through_proc_pid_mem():
    """Does the fast path translate with gpa2hva once per 64 KiB chunk and read the right bytes,
    across a page boundary?"""
    g = FakeGuest(SIZE)
    mem = QmpMemory(g.qmp, os.getpid())
    try:
        assert mem.method == "gpa2hva+/proc/pid/mem"
        assert mem.read(0x1ff0, 0x20) == g.buf.raw[0x1ff0:0x2010]
        assert mem.read(0x10000, 8) == g.buf.raw[0x10000:0x10008]
        assert "pmemsave" not in g.commands
        assert g.commands.count("human-monitor-command") == 3     # chunks 0x100000, 0x0, 0x10000
    finally:
        mem.close()


def test_qmp_memory_falls_back_to_pmemsave_without_a_pid():
    g = FakeGuest(SIZE)
    mem = QmpMemory(g.qmp, None)
    try:
        assert mem.method == "pmemsave"
        assert mem.read(0x3000 - 3, 6) == g.buf.raw[0x3000 - 3:0x3003]
        assert g.commands.count("pmemsave") == 2
        mem.read(0x3000, 4)                                         # cached: no new pmemsave
        assert g.commands.count("pmemsave") == 2
    finally:
        mem.close()


def test_reads_outside_ram_are_errors():
    class Zero(Memory):
        def _fetch_page(self, base):
            return bytes(PAGE)
    with pytest.raises(GuestMemoryError, match="outside RAM"):
        Zero(PAGE).read(PAGE - 2, 4)


def _note(name: bytes, desc: bytes) -> bytes:
    pad = lambda b: b + bytes(-len(b) % 4)
    return struct.pack("<3I", len(name) + 1, len(desc), 0) + pad(name + b"\0") + pad(desc)


def _elf32_core(segments: list[tuple[int, bytes]], notes: bytes = b"") -> bytes:
    """A minimal ELF32 core: a header, PT_LOAD program headers (paddr, data) and a PT_NOTE."""
    ehsize, phsize = 52, 32
    nph = len(segments) + (1 if notes else 0)
    off = ehsize + phsize * nph
    phdrs, blobs = b"", b""
    if notes:
        phdrs += struct.pack("<8I", 4, off, 0, 0, len(notes), 0, 0, 4)
        blobs += notes
    for paddr, data in segments:
        phdrs += struct.pack("<8I", 1, off + len(blobs), paddr, paddr, len(data), len(data), 6, 1)
        blobs += data
    ident = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
    header = ident + struct.pack("<HHIIIIIHHHHHH", 4, 3, 1, 0, ehsize, 0, 0, ehsize, phsize,
                                 nph, 40, 0, 0)
    return header + phdrs + blobs


def test_dump_memory_reads_pt_load_segments(tmp_path):
    """Does a dump's reader place each PT_LOAD at its physical address, and refuse the holes?"""
    path = tmp_path / "core"
    path.write_bytes(_elf32_core([(0x0, b"A" * 0x1000), (0x2000, b"BC" * 0x800)]))
    mem = DumpMemory(path)
    try:
        assert mem.size == 0x3000
        assert mem.read(0xffe, 2) == b"AA" and mem.read(0x2000, 4) == b"BCBC"
        with pytest.raises(GuestMemoryError, match="no memory at 0x1000"):
            mem.read(0x1000, 1)
    finally:
        mem.close()


def test_a_kernel_that_is_not_the_one_in_memory_is_refused(tmp_path):
    """Is the kernel ELF's first page compared with guest memory at its load address?"""
    kernel = tmp_path / "kernel.elf"
    kernel.write_bytes(_elf32_core([(0x100000, b"K" * PAGE)]))
    same, other = tmp_path / "same.core", tmp_path / "other.core"
    same.write_bytes(_elf32_core([(0x100000, kernel.read_bytes()[:PAGE])]))
    other.write_bytes(_elf32_core([(0x100000, b"\0" * PAGE)]))
    for path, ok in ((same, True), (other, False)):
        mem = DumpMemory(path)
        try:
            if ok:
                check_kernel_matches(mem, kernel)
            else:
                with pytest.raises(InspectError, match="rebuilt"):
                    check_kernel_matches(mem, kernel)
        finally:
            mem.close()


def test_dump_registers_come_from_qemus_notes(tmp_path):
    """Does each QEMU note give one CPU's eip and esp (QEMUCPUState: version, size, rax..rflags)?"""
    regs = [0, 0x11c520, 8, 0, 0, 0, 0x3ffffac, 0x3ffffc0] + [0] * 8 + [0x108959, 0x46]
    desc = struct.pack("<II18Q", 1, 440, *regs) + bytes(440 - 152)
    path = tmp_path / "core"
    path.write_bytes(_elf32_core([(0, bytes(PAGE))], _note(b"CORE", bytes(144)) + _note(b"QEMU", desc)))
    mem = DumpMemory(path)
    try:
        (cpu,) = mem.registers
        assert (cpu["eip"], cpu["esp"], cpu["ebx"], cpu["efl"]) == (0x108959, 0x3ffffac, 0x11c520, 0x46)
    finally:
        mem.close()


def test_a_file_that_is_not_a_dump_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(GuestMemoryError, match="invoke dump"):
        DumpMemory(path)


def test_registers_from_info_registers():
    text = ("CPU#0\r\nEAX=00000000 EBX=00010000 ECX=00000001 EDX=00000505\r\n"
            "ESI=00000000 EDI=00000000 EBP=0011ad7c ESP=0011ad6c\r\n"
            "EIP=00101a2b EFL=00000046 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0\r\n"
            "CPU#1\r\nEAX=1 EBX=2\r\nEBP=00000000 ESP=00200000\r\nEIP=00108959 EFL=00000202\r\n")
    regs = parse_registers(text)
    assert regs[0]["eip"] == 0x101a2b and regs[0]["esp"] == 0x11ad6c and regs[0]["edx"] == 0x505
    assert regs[1]["eip"] == 0x108959 and len(regs) == 2


def test_flag_names_come_from_the_kernels_dwarf():
    """The inspector names flags from the built kernel's enums (nothing parsed from headers):
    single bits only (MSGF_USER_SUBMIT, a mask, names none), the rest as hex."""
    kernel = facts(build().kernel)
    tdf = kernel.flags("enum td_flags", "TDF_")
    assert tdf[0x0002] == "IDLE" and tdf[0x0008] == "PSLEEP"
    msgf = kernel.flags("enum lwkt_msg_flags", "MSGF_")
    assert "USER_SUBMIT" not in msgf.values()
    assert flag_names(0x0021, msgf) == ["DONE", "ASYNC"]
    assert flag_names(0x1001, msgf) == ["DONE", "0x1000"]


def test_missing_drgn_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "drgn", None)
    with pytest.raises(InspectError, match="pip install drgn==0.3.0"):
        _drgn()


def test_attaching_without_a_running_guest_names_what_to_run(tmp_path):
    with pytest.raises(InspectError, match="invoke boot --image default"):
        with attach_running(tmp_path, "default", ROOT / "build/kernel/kernel.elf"):
            pass


SNAP = {
    "source": {"kind": "dump", "status": None, "file": "x.dump", "reader": "dump", "ram_bytes": 64 << 20},
    "cpus": [{"cpu": 0, "addr": 1, "running": "idle", "running_addr": 0x11c640, "eip": None, "eip_symbol": None,
              "esp": None, "stack_of": None, "runq_mask": 0, "reqflags": 0, "hardticks": 3, "ticks": 3,
              "intr_nesting": 0, "threads": 1}],
    "threads": [{"addr": 0x11c640, "name": "idle", "state": "BLOCKED", "running": True, "pri": 0, "cpu": 0,
                 "flags": ["IDLE"], "wmesg": None, "wchan": None, "waits_on": None, "pid": None,
                 "switches": 2, "critcount": 0, "func": "idle_main"}],
    "ports": [{"addr": 0x116000, "name": "pipe 0 readers", "kind": "wait queue", "owner": None, "waiters": [],
               "messages": [{"addr": 1, "kind": "syscall", "call": "read", "args": {"fd": 3}, "text": "read(fd=3)",
                             "pid": 1, "thread": "sh", "flags": ["ASYNC"], "waits_on": "pipe 0"}]}],
    "procs": [{"pid": 1, "ppid": 0, "comm": "sh", "state": "RUN", "killed": False, "vcpus": ["sh"], "nvcpus": 1,
               "fds": 3, "user_pages": 40, "outstanding": [{"text": "read(fd=3)", "waits_on": "pipe 0"}],
               "ndone": 0}],
    "memory": {"pages_free": 100, "kmalloc": {"in_use": 2, "classes": [{"size": 16, "pages_with_room": 1,
                                                                          "free_objects_listed": 9}]},
               "lwkt": {"threads": 1}, "msgport": {"sends": 0}, "sysmsg": {"calls": 1}, "pipes_alive": 1, "procs": 1},
    "uthreads": [
        {"pid": 1, "comm": "sh", "program": "build/userland/bin/sh", "note": None,
         "vcpus": [{"vcpu": 0, "id": 0, "up": True, "stopping": False, "idle": True, "cur": "idle0",
                    "cur_addr": 0x4001c230, "idle_thread": 0x4001c230, "runq_mask": 0, "nrunnable": 0,
                    "stats": {"switches": 3, "steals": 0, "migrations_in": 0, "kernel_waits": 1, "delivered": 1,
                              "wakes_sent": 0}}],
         "threads": [{"addr": 0x4000d020, "name": "main", "state": "BLOCKED", "pri": 8, "vcpu": 0, "running": False,
                      "idle": False, "wmesg": "waitmsg", "wchan": 0xbfffff00, "waits_on": "stack of main",
                      "bound": False, "migrations": 0, "call": "read(fd=3)"},
                     {"addr": 0x4001c230, "name": "idle0", "state": "RUNNABLE", "pri": 0, "vcpu": 0, "running": True,
                      "idle": True, "wmesg": None, "wchan": None, "waits_on": None, "bound": False,
                      "migrations": 0, "call": None}]},
        {"pid": 2, "comm": "other", "program": None, "note": "no program build/userland/bin/other: built elsewhere?",
         "vcpus": [], "threads": []}],
}


def test_tables_show_every_view():
    out = io.StringIO()
    render.render(json.loads(json.dumps(SNAP)), console=Console(file=out, width=200))
    text = out.getvalue()
    for expect in ("CPUs", "LWKT threads", "Processes", "Memory and counters", "pipe 0 readers",
                   "read(fd=3) pid 1 (sh) [ASYNC]", "read(fd=3) (pipe 0)", "100 (400 KiB)",
                   "User threads (libcr)", "waitmsg: read(fd=3) (stack of main)", "idle0 (idle)",
                   "RUNNABLE (running)", "User vCPUs (libcr)", "built elsewhere?"):
        assert expect in text, expect
