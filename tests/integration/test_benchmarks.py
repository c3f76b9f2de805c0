"""Boot the benchmark image (images/bench.toml) and check what BENCHMARKS.md demands of the figures:
they arrive, and two runs of the same image give exactly the same instructions per operation."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from toolchain import baseline
from toolchain import build as build_mod
from toolchain.bench import BenchError, run_bench
from toolchain.bench import scaling as scaling_of
from toolchain.image import Image, build_image, load_image
from toolchain.profile import windows as cpu_windows
from toolchain.machine import MachineConfig

pytestmark = pytest.mark.qemu


@pytest.fixture(scope="module")
def bench_image(outputs) -> Image:
    image = load_image("bench")
    build_image(image, outputs)
    return image


@pytest.mark.timeout(600)
def test_lwkt_figures_repeat_exactly(outputs, bench_image, tmp_path):
    """Do two runs with kbench=lwkt.* report the same benchmarks with identical insns_per_op?"""
    runs = [run_bench(bench_image, outputs, tmp_path / f"run{n}", "lwkt.*") for n in range(2)]
    figures = [{r["name"]: (r["insns_per_op"], r["iterations"]) for r in run} for run in runs]
    assert figures[0], "no lwkt benchmark reported"
    assert all(name.startswith("lwkt.") for name in figures[0])
    assert all(per_op > 0 for per_op, _ in figures[0].values()), figures[0]
    assert figures[0] == figures[1]
    assert all(r["image"] == "bench" and r["revision"] for r in runs[0])


@pytest.mark.timeout(600)
def test_every_figure_is_within_2_percent_of_the_committed_baseline(outputs, bench_image, tmp_path):
    """Does every benchmark of the image stay within 2% of images/baselines/bench.toml, with a line
    for each and none left over (issue 10: no silent regressions; toolchain/baseline.py)?"""
    records = run_bench(bench_image, outputs, tmp_path)
    committed = baseline.load_baseline(baseline.path_for("bench"))
    differences = baseline.compare({r["name"]: r["insns_per_op"] for r in records}, committed)
    assert not differences, "\n".join(map(str, differences))


@pytest.mark.timeout(300)
def test_boot_first_result_is_reported(outputs, bench_image, tmp_path):
    """With kbench=boot.*, is boot.first_result there: one iteration, a positive instruction count?"""
    records = {r["name"]: r for r in run_bench(bench_image, outputs, tmp_path, "boot.*")}
    assert "boot.first_result" in records, records
    first = records["boot.first_result"]
    assert first["iterations"] == 1 and first["insns_per_op"] > 0


def test_filter_matching_nothing_is_a_clear_error(outputs, bench_image, tmp_path):
    """A filter no benchmark matches: the 'no BENCH line' error with the console log, not a crash."""
    with pytest.raises(BenchError) as e:
        run_bench(bench_image, outputs, tmp_path, "no.such.benchmark")
    text = str(e.value)
    assert "no BENCH line from the guest with kbench=no.such.benchmark" in text
    log = Path(text.rsplit("console log: ", 1)[1].strip())
    assert "kbench=no.such.benchmark" in log.read_text()        # the command line the kernel saw


def _deterministic_image(outputs, name: str, cmdline: str) -> Image:
    image = Image(name=name, path=build_mod.ROOT / "images" / f"{name}.toml", description=name,
                  cmdline=cmdline, programs=[], machine=MachineConfig(deterministic=True, timeout=60))
    build_image(image, outputs)
    return image


def test_bench_error_line_is_a_clear_error(outputs, tmp_path):
    """boot.first_result without a test run before it cannot run: its BENCH-ERROR is the error."""
    image = _deterministic_image(outputs, "benchnotest", "kbench=boot.first_result")
    with pytest.raises(BenchError) as e:
        run_bench(image, outputs, tmp_path)
    assert "benchmark boot.first_result could not run" in str(e.value)


def test_kernel_panic_is_a_clear_error(outputs, tmp_path):
    """A kernel that panics before its benchmarks: the symbolized panic and the console log."""
    image = _deterministic_image(outputs, "benchpanic", "ktap ktest=debug.* ktest.fault kbench=*")
    with pytest.raises(BenchError) as e:
        run_bench(image, outputs, tmp_path)
    text = str(e.value)
    assert "panicked" in text and "fault_on_purpose" in text, text
    assert f"console log: {tmp_path}" in text


@pytest.mark.timeout(600)
def test_cross_cpu_figures_repeat_exactly_and_match_their_baseline(outputs, tmp_path):
    """With two CPUs under -icount (round robin), do lwkt.ipiq.roundtrip and
    lwkt.port.pingpong.cross_cpu report the same figures twice, each within 2% of
    images/baselines/bench-smp2.toml (docs/smp.md)?"""
    image = load_image("bench-smp2")
    build_image(image, outputs)
    runs = [run_bench(image, outputs, tmp_path / f"run{n}") for n in range(2)]
    figures = [{r["name"]: r["insns_per_op"] for r in run} for run in runs]
    assert {"lwkt.ipiq.roundtrip", "lwkt.port.pingpong.cross_cpu"} <= set(figures[0]), figures[0]
    assert figures[0] == figures[1]
    committed = baseline.load_baseline(baseline.path_for("bench-smp2"))
    differences = baseline.compare(figures[0], committed)
    assert not differences, "\n".join(map(str, differences))


@pytest.mark.timeout(600)
def test_scaling_figures_repeat_exactly_match_their_baseline_and_scale(outputs, tmp_path):
    """At 4 CPUs, counted per CPU (the makespan: the busiest CPU's instructions in the window,
    docs/smp.md): do lwkt.scale.k1/k2/k4 and proc.scale.k1/k2/k4 report the same figures twice,
    each within 2% of images/baselines/bench-smp4.toml, and do k kernel threads on k CPUs finish
    within 10% of k times sooner than one, and a process's k vCPUs too (spread over the CPUs)?
    Each CPU runs its own share: proc.scale.kK's busiest CPU does no more than a share."""
    image = load_image("bench-smp4")
    build_image(image, outputs)
    runs = [run_bench(image, outputs, tmp_path / f"run{n}") for n in range(2)]
    figures = [{r["name"]: r["insns_per_op"] for r in run} for run in runs]
    names = {f"{g}.scale.k{k}" for g in ("lwkt", "proc") for k in (1, 2, 4)}
    assert set(figures[0]) == names, figures[0]
    assert figures[0] == figures[1]
    assert all(r.get("counted", "").startswith("max (cpu") for r in runs[0]), runs[0]
    differences = baseline.compare(figures[0], baseline.load_baseline(baseline.path_for("bench-smp4")))
    assert not differences, "\n".join(map(str, differences))
    # Each CPU's own count (the counter's output, one window per line in the guest's order):
    # lwkt.scale.kK keeps CPUs 0..K-1 busy with a share each, and the others all but idle.
    order = [r["name"] for r in runs[0]]
    counts = {name: w.counts for name, w in zip(order, cpu_windows.read(tmp_path / "run0" / "bench-smp4.cpus"))}
    job = counts["lwkt.scale.k1"][0]
    for k in (1, 2, 4):
        busy, idle = counts[f"lwkt.scale.k{k}"][:k], counts[f"lwkt.scale.k{k}"][k:]
        assert all(job / k <= c < job / k * 1.01 for c in busy), (k, counts[f"lwkt.scale.k{k}"])
        assert all(c < job / 1000 for c in idle), (k, counts[f"lwkt.scale.k{k}"])
        # The process's vCPUs: k CPUs each ran about a share (vCPU i on CPU i).
        shares = counts[f"proc.scale.k{k}"][:k]
        assert all(job / k * 0.95 <= c < job / k * 1.05 for c in shares), (k, counts[f"proc.scale.k{k}"])
    scaling = scaling_of(runs[0])
    assert {(s.group, s.k) for s in scaling} == {(g, k) for g in ("lwkt.scale", "proc.scale") for k in (2, 4)}
    for s in scaling:
        if not s.enforced:
            warnings.warn(str(s))
    assert [str(s) for s in scaling if s.enforced and not s.ok] == []
