"""A profile: one benchmark's timed window, counted per function, per source line and per call
stack, with what it is measured against (the BENCH line of the same run). Made from what the
plugin wrote (build_profile) or read back from a saved JSON file (load); save() writes it.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..bench import BenchLine
from ..gen import load_layout

USER_BASE = load_layout()["user_base"]       # kernel/include/vm/layout.toml
from .attribute import Attributor, Place
from .data import RawProfile
from .plugin import ProfileError

FORMAT = "damselfly-profile/1"
HALTED = Place("halted", None, "(CPU halted)", "")
UNKNOWN_CALLEE = Place("unknown", None, "(callee not seen)", "")


@dataclass(frozen=True)
class FunctionRow:
    module: str
    program: str
    function: str
    file: str
    self_count: int         # instructions executed in the function itself
    total_count: int        # ... and in everything it called (each instruction counted once)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.module, self.program, self.function, self.file)


@dataclass(frozen=True)
class LineRow:
    module: str
    program: str
    function: str
    file: str
    line: int
    count: int

    @property
    def key(self) -> tuple[str, str, str, str, int]:
        return (self.module, self.program, self.function, self.file, self.line)


@dataclass
class Profile:
    benchmark: str
    image: str
    revision: str
    iterations: int
    insns: int              # the TSC difference of the timed window (BENCH insns=)
    baseline: int           # the empty loop's (BENCH baseline=)
    counted: int            # the instructions the profiler counted in the window
    hlts: int               # hlt instructions executed in the window
    since_reset: bool = False   # the window opens at reset (boot.first_result), not at a reading
    functions: list[FunctionRow] = field(default_factory=list)
    lines: list[LineRow] = field(default_factory=list)
    frames: list[dict] = field(default_factory=list)          # {"module", "program", "function", "file"}
    stacks: list[tuple[list[int], int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counted_on: str = ""    # a benchmark counted per CPU: its figure's CPU ("cpu0", "max (cpu1)")
    cpu_figure: float | None = None     # ... and that figure (the BENCH line's, not the TSC's)

    @property
    def halted(self) -> int:
        """The TSC's count while the CPU was halted (icount warps time; nothing executes)."""
        return self.insns - self.counted

    @property
    def figure(self) -> float:
        """The BENCH figure: (insns - baseline) / iterations."""
        return round((self.insns - self.baseline) / self.iterations, 1)

    def per_op(self, count: int) -> float:
        return count / self.iterations

    @property
    def programs(self) -> set[str]:
        return {r.program for r in self.functions if r.program}


def _without_firmware_base(stack: list[Place]) -> list[Place]:
    """stack without the firmware's frames under the kernel's first: the firmware enters the
    kernel by a jump to a new stack, so its frames are never popped, yet no kernel code runs
    for them."""
    i = 0
    while i < len(stack) - 1 and stack[i].module == "firmware":
        i += 1
    return stack[i:] if i < len(stack) and stack[i].module != "firmware" else stack


def _counts_by_place(raw: RawProfile, attr: Attributor):
    """Yield (stack of function places, instruction's function place, line place, count) for
    every instruction with a count, the stack being the contexts' entries from the root."""
    attr.resolve(raw.blocks)
    paths: dict[int, list[Place]] = {}
    images: dict[int, object] = {}
    for nid in sorted(raw.nodes):           # parents come first (plugin_stacks.c numbers them so)
        n = raw.nodes[nid]
        block = raw.blocks.get(n.entry_block) if n.entry_block is not None else None
        parent_img = images.get(n.parent) if n.parent is not None else None
        hint = parent_img if n.entry >= USER_BASE else None
        place = UNKNOWN_CALLEE if n.entry == 0 else attr.place(block, n.entry, hint=hint)
        images[nid] = attr.owner.get(block.id) if block is not None else hint
        paths[nid] = (paths[n.parent] if n.parent is not None else []) + [place]
    for cell in raw.cells:
        block = raw.blocks[cell.block]
        stack = _without_firmware_base(paths[cell.node])
        for vaddr, count in zip(block.insn_addrs(), cell.counts):
            if count:
                yield (stack, attr.place(block, vaddr), attr.place(block, vaddr, with_line=True),
                       count)


def build_profile(raw: RawProfile, attr: Attributor, bench: BenchLine, image: str,
                  revision: str, since_reset: bool = False) -> Profile:
    """The profile of one run: raw (the plugin's counts) attributed by attr, beside bench (the
    same run's BENCH line). ProfileError when the window did not close or cannot be the
    benchmark's."""
    if raw.state != "done":
        raise ProfileError(f"the timed window of {bench.name} never {'opened' if raw.state == 'idle' else 'closed'}: "
                           "its timed loop must read the TSC with kbench_start() and kbench_stop() "
                           "(kernel/include/sys/kbench.h)")
    if raw.window["nested_starts"]:
        raise ProfileError(f"{bench.name}: kbench_start() ran again inside the timed window; a window "
                           "is one kbench_start() and the next kbench_stop()")
    prof = Profile(bench.name, image, revision, bench.iterations, bench.insns, bench.baseline,
                   raw.total, raw.window["hlts"], since_reset)
    if bench.cpu is not None:
        prof.counted_on, prof.cpu_figure = bench.counted_on, bench.insns_per_op
    self_counts: dict[Place, int] = defaultdict(int)
    totals: dict[Place, int] = defaultdict(int)
    lines: dict[Place, int] = defaultdict(int)
    stacks: dict[tuple[Place, ...], int] = defaultdict(int)
    for stack, place, lplace, count in _counts_by_place(raw, attr):
        full = tuple(stack) if stack and stack[-1] == place else tuple(stack) + (place,)
        self_counts[place] += count
        for p in set(full):
            totals[p] += count
        lines[lplace] += count
        stacks[full] += count
    if prof.halted > 0:
        self_counts[HALTED] = totals[HALTED] = stacks[(HALTED,)] = prof.halted
    prof.functions = sorted((FunctionRow(p.module, p.program or "", p.function, p.file, self_counts[p],
                                         totals[p]) for p in totals), key=lambda r: (-r.self_count, -r.total_count, r.key))
    prof.lines = sorted((LineRow(p.module, p.program or "", p.function, p.file, p.line, c)
                         for p, c in lines.items()), key=lambda r: (-r.count, r.key))
    index: dict[Place, int] = {}
    for stack, count in sorted(stacks.items(), key=lambda kv: -kv[1]):
        ids = [index.setdefault(p, len(index)) for p in stack]
        prof.stacks.append((ids, count))
    prof.frames = [{"module": p.module, "program": p.program or "", "function": p.function, "file": p.file}
                   for p in index]
    prof.notes = _notes(prof, raw, attr)
    return prof


def _notes(prof: Profile, raw: RawProfile, attr: Attributor) -> list[str]:
    notes = []
    if prof.halted < 0 or (prof.halted > 0 and not prof.hlts):
        notes.append(f"the profile counts {prof.counted:,} instructions but the TSC difference is "
                     f"{prof.insns:,} and no hlt ran: a difference the profiler cannot explain")
    undecided = defaultdict(int)
    for cell in raw.cells:
        if cell.block in attr.undecided:
            undecided[tuple(attr.undecided[cell.block])] += sum(cell.counts)
    for names, n in undecided.items():
        notes.append(f"{n:,} instructions lie in code that {' and '.join(names)} hold alike at the same "
                     f"address, on pages neither owns alone: counted as {names[0]}'s")
    unknown = sum(r.self_count for r in prof.functions if r.module == "unknown")
    if unknown:
        notes.append(f"{unknown:,} instructions ran in code no ELF of the image holds")
    if raw.window["extra_windows"]:
        notes.append(f"{raw.window['extra_windows']} more timed window(s) opened after this one: "
                     "only the first is profiled")
    return notes


def to_json(prof: Profile) -> str:
    d = asdict(prof)
    d = {"format": FORMAT, **d}
    return json.dumps(d, indent=1) + "\n"


def save(prof: Profile, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_json(prof))
    return path


def load(path: Path) -> Profile:
    """A profile saved by save(); ProfileError naming the file when it is not one."""
    path = Path(path)
    try:
        d = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise ProfileError(f"cannot read the saved profile {path}: {e}") from None
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise ProfileError(f"{path} is not a saved profile of this format ({FORMAT}); make one with "
                           "`invoke profile BENCH --save FILE`")
    try:
        d.pop("format")
        d["functions"] = [FunctionRow(**r) for r in d["functions"]]
        d["lines"] = [LineRow(**r) for r in d["lines"]]
        d["stacks"] = [(list(ids), int(n)) for ids, n in d["stacks"]]
        return Profile(**d)
    except (KeyError, TypeError, ValueError) as e:
        raise ProfileError(f"{path}: a saved profile with missing or wrong fields ({e})") from None
