"""Per-CPU windows: what the per-CPU counter (cpus.c, a QEMU plugin) writes, read back.

`invoke bench` loads the counter for every run of an image whose kernel or programs time a
window with kbench_start_percpu()/kbench_stop_percpu() (sys/kbench.h). For each such window, in
the order the guest ran them, it writes how many instructions each CPU executed inside it, and
how many hlt instructions each executed there (docs/smp.md; cpus.c gives the format).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..build import BUILD
from .plugin import ProfileError, build_plugin, plugin_args, write_percpu_addrs

FORMAT = "damselfly-cpus 1"
_WINDOW = re.compile(r"window (?P<start>\d+) (?P<stop>\d+) (?P<counts>\d+(?:,\d+)*) (?P<hlts>\d+(?:,\d+)*)")
_STATE = re.compile(r"state (?P<state>idle|open) nested=(?P<nested>\d+) stray_stops=(?P<stray>\d+)")


@dataclass(frozen=True)
class CpuWindow:
    """One per-CPU window: the CPUs that opened and closed it, each CPU's instructions in it
    (the stop rdtsc included, the start rdtsc not) and each CPU's hlt instructions there."""
    start_cpu: int
    stop_cpu: int
    counts: tuple[int, ...]
    hlts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)

    def busiest(self) -> int:
        """The CPU that executed the most instructions (the lowest number on a tie)."""
        return max(range(len(self.counts)), key=lambda c: (self.counts[c], -c))


def parse(text: str, where: str = "the per-CPU counts") -> list[CpuWindow]:
    """The windows of the counter's output; ProfileError when it is malformed or incomplete, or
    the guest's windows did not pair up (a start inside a window, a stop outside one, a window
    still open when QEMU ended)."""
    lines = text.splitlines()
    if not lines or lines[0] != FORMAT:
        raise ProfileError(f"{where}: not the per-CPU counter's output (expected {FORMAT!r} first)")
    if lines[-1] != "end":
        raise ProfileError(f"{where}: incomplete (no 'end' line): QEMU ended before it was written")
    m = re.fullmatch(r"cpus (\d+)", lines[1]) if len(lines) > 1 else None
    if not m:
        raise ProfileError(f"{where}: line 2 is not 'cpus N'")
    ncpu = int(m[1])
    windows, state = [], None
    for n, line in enumerate(lines[2:-1], 3):
        w, s = _WINDOW.fullmatch(line), _STATE.fullmatch(line)
        if w:
            counts = tuple(map(int, w["counts"].split(",")))
            hlts = tuple(map(int, w["hlts"].split(",")))
            if len(counts) != ncpu or len(hlts) != ncpu:
                raise ProfileError(f"{where}:{n}: a window with counts of {len(counts)} and {len(hlts)} "
                                   f"CPUs, not {ncpu}")
            windows.append(CpuWindow(int(w["start"]), int(w["stop"]), counts, hlts))
        elif s and state is None:
            state = s
        else:
            raise ProfileError(f"{where}:{n}: unexpected line {line!r}")
    if state is None:
        raise ProfileError(f"{where}: no 'state' line")
    problems = []
    if state["state"] == "open":
        problems.append("a per-CPU window was still open when the guest ended (kbench_start_percpu "
                        "with no kbench_stop_percpu after it)")
    if int(state["nested"]):
        problems.append(f"{state['nested']} kbench_start_percpu reading(s) inside an open window")
    if int(state["stray"]):
        problems.append(f"{state['stray']} kbench_stop_percpu reading(s) outside any window")
    if problems:
        raise ProfileError(f"{where}: " + "; ".join(problems))
    return windows


def read(path: Path) -> list[CpuWindow]:
    """parse() of the counter's output file; ProfileError when there is none."""
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise ProfileError(f"the per-CPU counter wrote no {path} ({e.strerror}): did QEMU load "
                           "build/profile/cpus.so?") from None
    return parse(text, str(path))


def counter_args(kernel: Path, programs: list[Path], workdir: Path, name: str) -> tuple[list[str], Path] | None:
    """QEMU's -plugin option for the per-CPU counter and the file it will write, for an image
    of this kernel and these programs; None when none of them has a per-CPU window."""
    addrs, out = workdir / f"{name}.cpus.addrs", workdir / f"{name}.cpus"
    if not write_percpu_addrs(addrs, kernel, programs):
        return None
    out.unlink(missing_ok=True)
    return plugin_args(build_plugin(build=BUILD, cpus=True), out, addrs), out
