"""See inside a Damselfly guest: kernel structures read through DWARF (drgn) from a paused live
QEMU (over QMP) or from a memory dump. docs/inspect.md explains the views and how it works.

    with attach_running("default") as guest:        # a guest started by `invoke boot`
        snap = guest.snapshot()                     # pauses, reads, resumes
    snap = inspect_dump(Path("build/run/default.dump"), kernel)

A snapshot is plain data (the JSON of `invoke inspect --json`): cpus, threads, ports, procs, memory,
uthreads.
"""
from __future__ import annotations

import contextlib
import re
from pathlib import Path

from .memory import DumpMemory, GuestMemoryError, QmpMemory
from .program import InspectError, check_kernel_matches, make_program
from .views import Snapshot

__all__ = ["Guest", "InspectError", "GuestMemoryError", "inspect_memory", "inspect_dump", "dump",
           "attach_running", "run_files", "attachable_args", "published"]


_REG = re.compile(r"\b(EAX|EBX|ECX|EDX|ESI|EDI|EBP|ESP|EIP|EFL|CR0|CR2|CR3|CR4)=([0-9a-fA-F]{8})")
_FLAG = re.compile(r"\b(CPL|HLT)=(\d)")


def parse_registers(text: str) -> list[dict]:
    """The registers of each CPU from HMP `info registers [-a]` ({"eip": .., "esp": .., "cr2": ..,
    "cpl": 0 or 3, "hlt": 1 when the CPU waits in hlt, ...})."""
    cpus, cur = [], None
    for line in text.splitlines():
        if line.startswith("CPU#") or cur is None and _REG.search(line):
            cur = {}
            cpus.append(cur)
        for name, value in _REG.findall(line):
            cur[name.lower()] = int(value, 16)
        for name, value in _FLAG.findall(line):
            cur[name.lower()] = int(value)
    return [c for c in cpus if "eip" in c]


def default_programs(kernel: Path) -> Path:
    """Where the user programs of a kernel's build are: build/kernel/kernel.elf -> build/userland/bin."""
    return Path(kernel).resolve().parent.parent / "userland" / "bin"


def inspect_memory(memory, kernel: Path, source: dict,
                   registers: list[dict] | None = None, programs: Path | None = None) -> dict:
    """Read every view from guest memory (a QmpMemory of a paused guest, or a DumpMemory).
    programs: the user programs' ELFs, for the uthreads view (default: beside the kernel's build)."""
    from ..decode import decoders
    import drgn
    check_kernel_matches(memory, kernel)
    prog = make_program(memory, kernel)
    try:
        snap = Snapshot(prog, decoders(kernel), kernel, registers,
                        Path(programs) if programs else default_programs(kernel)).collect()
    except (drgn.FaultError, LookupError, AttributeError) as e:
        raise InspectError(f"reading the kernel's structures failed: {e}. The kernel's structures or "
                           f"variables may have changed: toolchain/inspect/views.py names them") from None
    return {"source": source | {"reader": memory.method, "ram_bytes": memory.size, "kernel": str(kernel)}} | snap


@contextlib.contextmanager
def paused(qmp):
    """The guest stopped for the duration; resumed afterwards only if it was running before."""
    status = qmp("query-status")
    if status["running"]:
        qmp("stop")
    try:
        yield status["status"]
    finally:
        if status["running"]:
            qmp("cont")


class Guest:
    """A live QEMU to inspect: qmp(command, **args) runs one QMP command; pid is QEMU's process."""

    def __init__(self, qmp, pid: int | None, kernel: Path, programs: Path | None = None):
        self.qmp, self.pid, self.kernel, self.programs = qmp, pid, Path(kernel), programs

    def snapshot(self) -> dict:
        """Pause the guest, read every view, resume it (a guest paused already stays paused)."""
        with paused(self.qmp) as status:
            memory = QmpMemory(self.qmp, self.pid)
            regs = parse_registers(str(self.qmp("human-monitor-command", **{"command-line": "info registers -a"})))
            try:
                return inspect_memory(memory, self.kernel, {"kind": "live", "status": status, "qemu_pid": self.pid},
                                      registers=regs, programs=self.programs)
            finally:
                memory.close()

    def dump(self, path: Path) -> Path:
        """Write the guest's memory to path as an ELF core (QMP dump-guest-memory)."""
        return dump(self.qmp, path)


def dump(qmp, path: Path) -> Path:
    path = Path(path).resolve()
    path.unlink(missing_ok=True)
    qmp("dump-guest-memory", paging=False, protocol=f"file:{path}")
    return path


def inspect_dump(path: Path, kernel: Path, programs: Path | None = None) -> dict:
    memory = DumpMemory(path)
    try:
        return inspect_memory(memory, Path(kernel), {"kind": "dump", "status": None, "file": str(path)},
                              registers=memory.registers, programs=programs)
    finally:
        memory.close()


def run_files(run_dir: Path, name: str) -> tuple[Path, Path]:
    """Where `invoke boot` leaves its QMP socket and QEMU's process id for an image."""
    return run_dir / f"{name}.qmp", run_dir / f"{name}.pid"


def attachable_args(run_dir: Path, name: str) -> list[str]:
    """QEMU options for a second QMP socket (the Machine keeps its own) that inspect attaches to."""
    sock, pidfile = run_files(run_dir, name)
    sock.unlink(missing_ok=True)
    pidfile.unlink(missing_ok=True)
    return ["-qmp", f"unix:{sock},server=on,wait=off"]


@contextlib.contextmanager
def published(run_dir: Path, name: str, pid: int):
    """Announce QEMU's process id beside its socket while the guest runs; remove both after."""
    sock, pidfile = run_files(run_dir, name)
    pidfile.write_text(f"{pid}\n")
    try:
        yield
    finally:
        sock.unlink(missing_ok=True)
        pidfile.unlink(missing_ok=True)


@contextlib.contextmanager
def attach_running(run_dir: Path, name: str, kernel: Path):
    """A Guest for the QEMU that `invoke boot --image NAME` runs (its QMP socket in run_dir)."""
    from qemu.qmp.legacy import QEMUMonitorProtocol
    sock, pidfile = run_files(run_dir, name)
    if not sock.exists():
        raise InspectError(f"no guest of image {name!r} is running (no {sock}): start one with "
                           f"`invoke boot --image {name}` in another terminal")
    mon = QEMUMonitorProtocol(str(sock))
    try:
        mon.connect()
    except OSError as e:
        raise InspectError(f"cannot reach QMP at {sock} ({e}): is `invoke boot --image {name}` still running?") from None
    try:
        pid = int(pidfile.read_text()) if pidfile.exists() else None
        yield Guest(lambda command, **args: mon.cmd(command, **args), pid, kernel)
    finally:
        mon.close()
