"""Name where a guest is when it will not end, or ended by resetting itself.

A reset or a triple fault: QEMU stops the guest (-no-reboot, -action shutdown=pause) with its
CPU as the reset found it; QEMU's log (-d cpu_reset) says "Triple fault" when that was the
cause. A hang: when a run's timeout passes, the guest is paused a few times and each time its
CPU is read (QMP `info registers`: eip, CPL, HLT) with the thread it runs (the kernel's
cpu0_globaldata.gd_curthread, read through drgn). CPL 0 names a kernel function (the kernel's
symbols), CPL 3 a function of the program the current process runs (build/userland/*/COMM),
and a CPU halted in every sample means nothing is runnable: the guest waits for an event that
never comes. Each ends as one line:

    triple fault in triple_fault_on_purpose() [kernel/tests/debug_test.c:47] (thread main)
    kernel hang in hang_on_purpose() [kernel/tests/debug_test.c:71] (thread main; 5 of 5 samples)
    user hang in vcpuspin:spin() [userland/bin/vcpuspin.c:25] (pid 1; 5 of 5 samples)
"""
from __future__ import annotations

import contextlib
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .elfcheck import symbolizer

if TYPE_CHECKING:
    from .machine import Machine, Outcome

SAMPLES = 5                 # pauses of a hung guest
SAMPLE_GAP = 0.03           # seconds it runs between two


@dataclass(frozen=True)
class Sample:
    """One look at CPU 0 of a paused guest."""
    eip: int
    cpl: int
    halted: bool
    thread: str | None = None      # the kernel thread on the CPU
    pid: int | None = None         # its process, for a user thread
    program: str | None = None     # the process's program (p_comm)
    regs: dict | None = None


def programs_dir(kernel: Path) -> Path:
    """build/userland of the build that made kernel (build/kernel/kernel.elf)."""
    return Path(kernel).resolve().parent.parent / "userland"


def program_elf(kernel: Path, name: str) -> Path | None:
    """The ELF of a user program of the same build: userland/bin/NAME or userland/tests/NAME."""
    for sub in ("bin", "tests"):
        path = programs_dir(kernel) / sub / name
        if path.is_file():
            return path
    return None


class _Reader:
    """The current thread and process, read with drgn from a paused live guest; None fields when
    drgn cannot (no DWARF, memory unreadable): the sample then has registers only."""

    def __init__(self, machine: "Machine"):
        self.machine, self.prog, self.memory, self.problem = machine, None, None, None
        try:
            from .inspect.memory import QmpMemory
            from .inspect.program import make_program
            self.memory = QmpMemory(machine.qmp, machine.proc.pid)
            self.prog = make_program(self.memory, machine.config.kernel)
        except Exception as e:          # reading the guest is a bonus; the registers still name the place
            self.problem = str(e)

    def current(self) -> tuple[str | None, int | None, str | None]:
        if self.prog is None:
            return None, None, None
        self.memory.forget()
        try:
            td = self.prog["cpu0_globaldata"].gd_curthread
            name = td.td_name.string_().decode("utf-8", "replace")
            proc = td.td_proc
            if not proc.value_():
                return name, None, None
            return name, proc.p_pid.value_(), proc.p_comm.string_().decode("utf-8", "replace")
        except Exception as e:
            self.problem = str(e)
            return None, None, None

    def close(self) -> None:
        if self.memory is not None:
            self.memory.close()


def _sample(machine: "Machine", reader: _Reader) -> Sample:
    from .inspect import parse_registers
    text = str(machine.qmp("human-monitor-command", **{"command-line": "info registers"}))
    regs = parse_registers(text)[0]
    thread, pid, program = reader.current()
    return Sample(regs["eip"], regs.get("cpl", 0), bool(regs.get("hlt", 0)), thread, pid, program, regs)


def place(sample: Sample, kernel: Path) -> str:
    """'in hang_on_purpose() [file:line]' (kernel) or 'in PROGRAM:spin() [file:line]' (user)."""
    if sample.cpl == 0:
        return symbolizer(kernel).where(sample.eip)
    elf = program_elf(kernel, sample.program) if sample.program else None
    if elf is None:
        what = f"program {sample.program!r} (no ELF in {programs_dir(kernel)})" if sample.program \
            else "an unknown program"
        return f"at eip {sample.eip:#010x} of {what}"
    where = symbolizer(elf).where(sample.eip)
    return where.replace("in ", f"in {sample.program}:", 1) if where.startswith("in ") \
        else f"{where} of {sample.program}"


def _who(sample: Sample) -> str:
    if sample.cpl == 3 and sample.pid is not None:
        return f"pid {sample.pid}"
    if sample.thread:
        return f"thread {sample.thread}" + (f" of pid {sample.pid}" if sample.pid is not None else "")
    return ""


def cpu_state(regs: dict) -> str:
    """The last CPU state in one line."""
    order = ("eip", "esp", "ebp", "efl", "eax", "ebx", "ecx", "edx", "esi", "edi", "cr0", "cr2", "cr3")
    return "last CPU state: " + " ".join(f"{r} {regs[r]:08x}" for r in order if r in regs) \
        + f" cpl {regs.get('cpl', '?')}"


def name_stop(machine: "Machine", event: dict) -> tuple["Outcome", str, str]:
    """(outcome, one line, the CPU state) of a guest that stopped itself: QEMU's SHUTDOWN event
    (reason guest-reset: a triple fault or a reset; guest-shutdown: a power-off)."""
    from .machine import Outcome
    reason = event.get("data", {}).get("reason", "?")
    reader = _Reader(machine)
    try:
        sample = _sample(machine, reader)
    finally:
        reader.close()
    who = _who(sample)
    where = place(sample, machine.config.kernel) + (f" ({who})" if who else "")
    state = cpu_state(sample.regs)
    if reason == "guest-reset":
        log = ""
        with contextlib.suppress(OSError):
            log = machine.qemu_log_path.read_text(errors="replace")
        if "Triple fault" in log:
            return (Outcome.TRIPLE_FAULT, f"triple fault {where}: the CPU could deliver neither an exception "
                    "nor the double fault that followed, so it reset; QEMU stopped it (-no-reboot)", state)
        return (Outcome.RESET, f"the guest asked for a reset {where}; QEMU stopped it (-no-reboot)", state)
    if reason == "guest-shutdown":
        return Outcome.QUIT, f"the guest powered the machine off {where}", state
    return Outcome.PANIC, f"the guest stopped the machine ({reason}) {where}", state


def name_hang(machine: "Machine", samples: int = SAMPLES) -> tuple[str, str]:
    """(one line, the samples) saying where a guest that is still running spends its time."""
    status = machine.qmp("query-status")
    if not status["running"]:
        return f"the guest is not running (QEMU status {status['status']})", ""
    reader = _Reader(machine)
    seen: list[Sample] = []
    try:
        for _ in range(samples):
            machine.qmp("stop")
            try:
                seen.append(_sample(machine, reader))
            finally:
                machine.qmp("cont")
            time.sleep(SAMPLE_GAP)
    finally:
        reader.close()
    line, details = summarize(seen, machine.config.kernel)
    if reader.problem:
        details += f"\n(thread and process unknown: {reader.problem})"
    return line, details


def summarize(samples: list[Sample], kernel: Path) -> tuple[str, str]:
    """(one line, one line per sample) of a hang: idle when the CPU was halted in most samples
    (an idle guest still takes its clock ticks, and on a busy host a sample may land in one; a
    spinning guest never halts), else the place most samples were in, kernel or user."""
    places = [(s.cpl, s.halted, place(s, kernel), _who(s)) for s in samples]
    details = "\n".join(f"sample {i + 1}: cpl {cpl}{' halted' if halted else ''} {where}"
                        + (f" ({who})" if who else "") for i, (cpl, halted, where, who) in enumerate(places))
    n = len(samples)
    halted = [x for x in places if x[1]]
    if 2 * len(halted) > n:
        where = Counter(p for _, _, p, _ in halted).most_common(1)[0][0]
        return (f"the guest is idle: its CPU waits for an interrupt {where} and no thread is ready to "
                f"run (a deadlock, or a wait nothing ends; halted in {len(halted)} of {n} samples)", details)
    busy = [x for x in places if not x[1]]
    (cpl, _, where, who), count = Counter(busy).most_common(1)[0]
    kind = "kernel hang" if cpl == 0 else "user hang"
    return f"{kind} {where} ({who + '; ' if who else ''}{count} of {n} samples)", details
