"""The committed baseline of every benchmark figure: images/baselines/IMAGE.toml.

The figures are deterministic (guest instructions, BENCHMARKS.md), so a figure that moves moved
because the code did. `./go test` runs the benchmark image and compares each figure with its
line here (tests/integration/test_benchmarks.py):

- a figure more than TOLERANCE above its line fails: a regression, to be fixed or, when the
  cost is deliberate, written into the baseline in the same commit;
- a figure more than TOLERANCE below its line fails too, asking for the gain to be locked in:
  a stale line would let the figure climb back unnoticed;
- a benchmark the image reports that has no line, or a line whose benchmark is gone, fails:
  the baseline holds every figure, no more.

`invoke bench --update-baseline` measures the image and rewrites its file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .bench import BENCH_NAME
from .build import ROOT
from .schema import Key, Number, SchemaError, Table, load

TOLERANCE = 0.02        # a figure may move this fraction of its baseline either way
UPDATE = "invoke bench --update-baseline"


class BaselineError(SchemaError):
    """A baseline file that is missing or breaks its schema: the file, the line, the fix."""


def _name_problem(name: str) -> str | None:
    return None if re.fullmatch(BENCH_NAME, name) else "not a benchmark name (letters, digits, . _ -)"


SCHEMA = Table(keys={
    "figures": Key(Table(values=Number(min=0, what=" (guest instructions per operation)"),
                         names=_name_problem, what="a table of benchmark = figure"),
                   required=True, doc="[figures] with one line per benchmark: name = instructions per op"),
})


def path_for(image: str, root: Path = ROOT) -> Path:
    """The baseline file of a benchmark image."""
    return root / "images" / "baselines" / f"{image}.toml"


def load_baseline(path: Path) -> dict[str, float]:
    """The figures of a baseline file, by benchmark name. BaselineError names the file and line."""
    if not Path(path).is_file():
        raise BaselineError(path, "file", f"not found: write it with `{UPDATE}`")
    return load(path, SCHEMA, BaselineError).data["figures"]


@dataclass(frozen=True)
class Difference:
    """One way the measured figures and the baseline disagree, said as a sentence with its fix."""
    name: str
    problem: str

    def __str__(self) -> str:
        return f"{self.name}: {self.problem}"


def compare(figures: dict[str, float], baseline: dict[str, float],
            tolerance: float = TOLERANCE) -> list[Difference]:
    """Every difference between measured figures (name -> instructions per op) and the baseline
    beyond tolerance, in the order of figures then of the baseline's missing names."""
    out = []
    for name, now in figures.items():
        base = baseline.get(name)
        if base is None:
            out.append(Difference(name, f"{now:g} has no baseline line: add it with `{UPDATE}`"))
            continue
        change = (now - base) / base if base else (0.0 if now == base else float("inf"))
        if change > tolerance:
            out.append(Difference(name, f"rose from {base:g} to {now:g} (+{change:.1%}, more than "
                                        f"{tolerance:.0%}): a regression; profile it with `invoke "
                                        f"profile {name} --against HEAD`, or, if the cost is deliberate, "
                                        f"`{UPDATE}` in the same commit"))
        elif change < -tolerance:
            out.append(Difference(name, f"fell from {base:g} to {now:g} ({change:.1%}): lock the gain "
                                        f"in with `{UPDATE}`, or a later rise back to {base:g} "
                                        f"would pass unseen"))
    for name in baseline:
        if name not in figures:
            out.append(Difference(name, f"the baseline has {baseline[name]:g} but the image reported "
                                        f"no such benchmark: `{UPDATE}` drops the line"))
    return out


HEADER = """\
# The committed figures of benchmark image {image} (guest instructions per operation,
# deterministic: toolchain/baseline.py). ./go test fails when a figure moves more than {tol:.0%}
# from its line here; a commit that changes a figure on purpose updates this file with
#     {update}
"""


def render(image: str, figures: dict[str, float]) -> str:
    """The text of a baseline file for these figures, in their order."""
    lines = [HEADER.format(image=image, tol=TOLERANCE, update=UPDATE), "[figures]"]
    lines += [f'"{name}" = {value:.1f}' for name, value in figures.items()]
    return "\n".join(lines) + "\n"


def write_baseline(path: Path, image: str, figures: dict[str, float]) -> Path:
    """Write the baseline file of image; returns its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(image, figures))
    return path
