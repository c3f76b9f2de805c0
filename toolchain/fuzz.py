"""The message fuzzer: boot images/fuzz.toml with a seed and a step count, follow its progress, and
say how it ended (docs/reliability.md).

The guest program (userland/bin/fuzz.c) gets `args=SEED,STEPS,FIRST,TRACE` on the kernel command
line and prints

    FUZZ start seed=S steps=N first=F chunk=C
    FUZZ worker steps=N messages=M ...          one per chunk of C steps (a fresh process)
    FUZZ progress DONE/N                        after each chunk, once its kstat counters are back
    FUZZ step I: ...                            with TRACE: each step before it is sent
    FUZZ FAIL seed=S step=I: what               a wrong answer, a changed byte, a leak, a dead worker
    FUZZ PASS seed=S steps=N: ...               the end: every counter back where it started

Every chunk's PRNG starts from the seed and the chunk alone, so a failure at step I replays by
running I's chunk from its first step up to I, with TRACE to print each step.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .build import Outputs
from .guest import symbolize_console
from .image import Image
from .machine import Machine, MachineTimeout

START = re.compile(r"^FUZZ start seed=(?P<seed>\d+) steps=(?P<steps>\d+) first=(?P<first>\d+) chunk=(?P<chunk>\d+)")
WORKER = re.compile(r"^FUZZ worker steps=(?P<steps>\d+) messages=(?P<messages>\d+)")
PROGRESS = re.compile(r"^FUZZ progress (?P<done>\d+)/(?P<steps>\d+)")
FAIL = re.compile(r"^FUZZ FAIL seed=(?P<seed>\d+) step=(?P<step>\d+): (?P<what>.*)$")
PASS = re.compile(r"^FUZZ PASS seed=(?P<seed>\d+) steps=(?P<steps>\d+)")
DEFAULT_CHUNK = 10_000          # the guest's CHUNK; the start line says the real one
STEPS_PER_SECOND_FLOOR = 2_000  # the timeout allows at least this slow a run (TCG on a busy host)


@dataclass
class FuzzRun:
    """How one fuzzing boot ended."""
    seed: int
    steps: int
    first: int = 0
    chunk: int = DEFAULT_CHUNK
    done: int = 0                   # steps whose chunk finished with every counter back
    messages: int = 0               # messages the workers sent (each step sends at least one)
    passed: bool = False
    failure: str = ""               # the first FUZZ FAIL text, a panic, a timeout
    fail_step: int | None = None    # the step the failure names (the chunk's first for a dead worker)
    seconds: float = 0.0
    console_log: Path | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def replay_command(self) -> str:
        """The command that reruns the failing step's chunk up to that step, printing each step."""
        step = self.fail_step if self.fail_step is not None else self.first + self.done
        start = step - step % self.chunk
        return f"invoke fuzz --seed {self.seed} --first {start} --count {step - start + 1} --trace"


def parse_line(run: FuzzRun, line: str) -> None:
    """Fold one console line into run."""
    if m := START.match(line):
        run.chunk = int(m["chunk"])
    elif m := WORKER.match(line):
        run.messages += int(m["messages"])
    elif m := PROGRESS.match(line):
        run.done = int(m["done"])
    elif m := FAIL.match(line):
        run.failures.append(line)
        if run.fail_step is None:
            run.fail_step = int(m["step"])
            run.failure = m["what"]
    elif PASS.match(line):
        run.passed = not run.failures


def timeout_for(image: Image, steps: int) -> float:
    """Seconds to allow: the image's timeout, or more for a long run."""
    return max(image.machine.timeout, steps / STEPS_PER_SECOND_FLOOR + 30)


def run_fuzz(image: Image, outputs: Outputs, workdir: Path, seed: int, steps: int, first: int = 0,
             trace: bool = False, on_line: Callable[[str], None] | None = None) -> FuzzRun:
    """Boot the fuzz image once with args=SEED,STEPS,FIRST,TRACE and follow it to its end. on_line
    sees every console line (progress, traces). The result says whether it passed and, if not,
    what failed at which step."""
    run = FuzzRun(seed, steps, first)
    cmdline = " ".join(w for w in image.words if not w.startswith("args="))
    cfg = image.machine_config(outputs, cmdline=f"{cmdline} args={seed},{steps},{first},{2 if trace else 0}")
    started = time.monotonic()
    machine = Machine(cfg, workdir, name=image.name)
    run.console_log = machine.log_path
    timeout = timeout_for(image, steps)
    with machine:
        try:
            for line in machine.lines(timeout):
                parse_line(run, line)
                if on_line:
                    on_line(line)
        except MachineTimeout:
            run.failures.append("timeout")
            if not run.failure:
                run.failure = (f"no end after {timeout:g} s: a call that never answers (the kernel "
                               f"hung, or the fuzzer waited for what never comes) in the chunk after "
                               f"step {first + run.done}")
        verdict = machine.wait_exit(5)
        lines = machine.tail(200)
    run.seconds = time.monotonic() - started
    panic, backtrace = symbolize_console(lines, outputs.kernel)
    if panic:
        run.passed = False
        run.failure = f"{panic} in the chunk after step {first + run.done}" + (
            "\n" + "\n".join(backtrace) if backtrace else "")
    elif not run.failure and not run.passed:
        run.failure = f"the guest ended without a verdict ({verdict.reason})"
    if run.passed and verdict.outcome != "pass":
        run.passed = False
        run.failure = f"the fuzzer passed but the guest ended with {verdict.reason}"
    if run.fail_step is None and not run.passed:
        run.fail_step = first + run.done
    return run
