"""`invoke smp-stress`: boot the kernel's SMP test cases (KTAP group `smp`, docs/smp.md) many
times over several CPU counts, not under -icount (QEMU then runs the CPUs on host threads, in
parallel, so each boot interleaves them differently), and report every run that did not pass
with its console log: a race seen once is a bug."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import build as build_mod
from .guest import run_image
from .image import Image, build_image, load_image
from .ktap import Status
from .machine import MachineConfig


@dataclass
class StressFailure:
    cpus: int
    run: int
    reason: str
    log: Path | None


def smp_image(cpus: int, glob: str = "smp.*", programs: tuple[str, ...] = ()) -> Image:
    """A test image that runs only the kernel cases matching glob at -smp cpus, then the user
    test programs named (init's list: NAME or NAME@kse, as images/test.toml gives them)."""
    name = f"smp-stress-{cpus}"
    init = f" init={','.join(programs)}" if programs else ""
    # The programs a test program spawns (/bin/threads, /bin/sh, ...) are the test image's.
    helpers = load_image("test").programs if programs else []
    files = sorted({p.split("@")[0] for p in programs} | set(helpers))
    return Image(name=name, path=build_mod.ROOT / "images" / f"{name}.toml",
                 description=f"kernel {glob} at {cpus} CPUs", cmdline=f"ktap ktest={glob}{init}",
                 programs=files, machine=MachineConfig(cpus=cpus, timeout=120))


def stress(outputs, runs: int, cpus: list[int], workdir: Path, glob: str = "smp.*",
           progress=lambda cpus, run, ok: None, programs: tuple[str, ...] = ()) -> tuple[int, list[StressFailure]]:
    """Boot smp_image(n, glob, programs) runs times for each n in cpus; returns (boots, failures)."""
    failures, boots = [], 0
    for n in cpus:
        image = smp_image(n, glob, programs)
        build_image(image, outputs)
        for i in range(runs):
            run = run_image(image, outputs, workdir / f"{n}-{i}")
            boots += 1
            bad = [name for name, r in run.results.items() if r.status not in (Status.PASS, Status.SKIP)]
            cases = [name for name in run.results if name.count(".") >= 2]    # PROGRAM.GROUP.CASE
            passed = bool(run.verdict is not None and run.verdict.ok and not bad and cases)
            if not passed:
                why = run.panic or (f"failed: {', '.join(sorted(bad))}" if bad else
                                    run.end_reason if not run.verdict or not run.verdict.ok else
                                    f"no test case matched {glob}")
                failures.append(StressFailure(n, i, why, run.console_log))
            progress(n, i, passed)
    return boots, failures
