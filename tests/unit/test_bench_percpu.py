"""Unit tests for figures counted per CPU (docs/smp.md), without booting: the `cpu=` word of the
BENCH protocol, the per-CPU counter's output (toolchain/profile/windows.py), pairing lines with
windows and choosing a CPU (bench.apply_cpu_windows), the scaling check (bench.scaling), and a
run with a scripted machine and counter. (The counter plugin's build and ABI are checked with the
profiler's, in test_profile_pieces.py.)
"""
from __future__ import annotations

import json

import pytest

from toolchain import bench
from toolchain.bench import BenchError, BenchLine, apply_cpu_windows, parse_bench_lines, run_bench
from toolchain.profile import ProfileError, windows
from toolchain.profile.windows import CpuWindow

from test_bench import FakeMachine, guest, make_image, outputs     # noqa: F401 (its fixtures)


def counter_output(*windows_lines: str, state: str = "state idle nested=0 stray_stops=0", cpus: int = 4) -> str:
    return "\n".join(["damselfly-cpus 1", f"cpus {cpus}", *windows_lines, state, "end"]) + "\n"


# -- the protocol ----------------------------------------------------------------------------------
def test_cpu_word_is_parsed_and_plain_lines_have_none():
    records, errors = parse_bench_lines([
        "BENCH a.b iterations=10 insns=1000 baseline=10",
        "BENCH syscall.null.ring.kpoll iterations=100 insns=9000 baseline=200 cpu=0",
        "BENCH lwkt.scale.k2 iterations=512 insns=4200303 baseline=0 cpu=max"])
    assert errors == []
    assert [r.cpu for r in records] == [None, "0", "max"]
    assert records[0].insns_per_op == 99.0 and records[0].counted_on == "all"


@pytest.mark.parametrize("line", [
    "BENCH a.b iterations=10 insns=100 baseline=0 cpu=",
    "BENCH a.b iterations=10 insns=100 baseline=0 cpu=12",        # one digit: MAXCPU is 8
    "BENCH a.b iterations=10 insns=100 baseline=0 cpu=busiest",
    "BENCH a.b iterations=10 insns=100 baseline=0 cpu=max extra",
    "BENCH a.b iterations=10 insns=100 cpu=max baseline=0",
])
def test_a_malformed_cpu_word_is_an_error(line):
    records, errors = parse_bench_lines([line])
    assert records == [] and len(errors) == 1 and "malformed" in errors[0]


def test_a_per_cpu_line_without_its_count_has_no_figure():
    """The TSC's insns of a per-CPU line is every CPU's: never to be reported as the figure."""
    (rec,), _ = parse_bench_lines(["BENCH a.b iterations=10 insns=1000 baseline=0 cpu=0"])
    with pytest.raises(BenchError, match="counted per CPU"):
        rec.insns_per_op


# -- the counter's output ------------------------------------------------------------------------
def test_counter_output_is_read_window_by_window():
    text = counter_output("window 0 0 4194348,0,0,0 0,0,0,0",
                          "window 0 1 2099517,2098712,1037,1037 0,0,2,2")
    ws = windows.parse(text)
    assert ws == [CpuWindow(0, 0, (4194348, 0, 0, 0), (0, 0, 0, 0)),
                  CpuWindow(0, 1, (2099517, 2098712, 1037, 1037), (0, 0, 2, 2))]
    assert ws[1].total == 4200303 and ws[1].busiest() == 0


def test_busiest_cpu_on_a_tie_is_the_lowest():
    assert CpuWindow(0, 0, (5, 9, 9, 1), (0,) * 4).busiest() == 1


@pytest.mark.parametrize("text, why", [
    ("", "not the per-CPU counter's output"),
    ("damselfly-profile 1\nend\n", "not the per-CPU counter's output"),
    ("damselfly-cpus 1\ncpus 4\nstate idle nested=0 stray_stops=0\n", "incomplete"),
    ("damselfly-cpus 1\nfour cpus\nend\n", "'cpus N'"),
    (counter_output("window 0 0 1,2,3 0,0,0"), "counts of 3 and 3 CPUs, not 4"),
    (counter_output("window 0 0 1,2,3,4"), "unexpected line"),
    (counter_output(state="state idle"), "unexpected line"),
    ("damselfly-cpus 1\ncpus 4\nend\n", "no 'state' line"),
    (counter_output(state="state open nested=0 stray_stops=0"), "still open"),
    (counter_output(state="state idle nested=2 stray_stops=0"), "2 kbench_start_percpu reading(s) inside"),
    (counter_output(state="state idle nested=0 stray_stops=1"), "1 kbench_stop_percpu reading(s) outside"),
])
def test_bad_counter_output_is_an_error_saying_why(text, why):
    with pytest.raises(ProfileError, match=None) as e:
        windows.parse(text, "x.cpus")
    assert why in str(e.value) and "x.cpus" in str(e.value)


def test_no_counter_output_is_an_error_naming_the_plugin(tmp_path):
    with pytest.raises(ProfileError, match="cpus.so"):
        windows.read(tmp_path / "none.cpus")


# -- lines and windows -----------------------------------------------------------------------------
def lines(*text):
    records, errors = parse_bench_lines(text)
    assert not errors
    return records


def test_per_cpu_lines_take_the_windows_in_order_and_plain_lines_keep_the_tsc():
    records = lines("BENCH plain.one iterations=10 insns=1000 baseline=0",
                    "BENCH ring.kpoll iterations=100 insns=9000 baseline=200 cpu=0",
                    "BENCH x.scale.k2 iterations=512 insns=4200303 baseline=0 cpu=max")
    ws = [CpuWindow(0, 0, (3200, 5800), (0, 3)),
          CpuWindow(0, 0, (2099517, 2098712, 1037, 1037), (0, 0, 2, 2))]
    out, errors = apply_cpu_windows(records, ws)
    assert errors == []
    assert [r.insns_per_op for r in out] == [100.0, 30.0, round(2099517 / 512, 1)]
    assert [r.counted_on for r in out] == ["all", "cpu0", "max (cpu0)"]


def test_max_is_the_busiest_cpu_whichever_it_is():
    out, errors = apply_cpu_windows(lines("BENCH x.scale.k2 iterations=2 insns=1000 baseline=0 cpu=max"),
                                    [CpuWindow(0, 2, (300, 100, 600), (0, 0, 0))])
    assert errors == [] and out[0].counted == 600 and out[0].counted_on == "max (cpu2)"


@pytest.mark.parametrize("text, ws, why", [
    (["BENCH a.b iterations=1 insns=10 baseline=0 cpu=0"], [], "1 benchmark line(s) counted per CPU (a.b) but 0"),
    (["BENCH a.b iterations=1 insns=10 baseline=0"], [CpuWindow(0, 0, (10,), (0,))], "0 benchmark line(s)"),
    (["BENCH a.b iterations=1 insns=10 baseline=0 cpu=3"], [CpuWindow(0, 0, (5, 5), (0, 0))],
     "cpu=3, but the machine has 2 CPU(s)"),
    (["BENCH a.b iterations=1 insns=10 baseline=0 cpu=0"], [CpuWindow(0, 0, (8, 5), (1, 1))],
     "counted 13 instructions, but the TSC insns=10"),
    (["BENCH a.b iterations=1 insns=10 baseline=0 cpu=0"], [CpuWindow(0, 0, (4, 5), (0, 0))],
     "counted 9 instructions, but the TSC insns=10"),          # no hlt: they must add up exactly
    (["BENCH a.b iterations=1 insns=10 baseline=5 cpu=1"], [CpuWindow(0, 0, (6, 4), (0, 0))],
     "cpu1 executed 4 instructions in its window, less than baseline=5"),
])
def test_lines_and_windows_that_do_not_fit_are_errors(text, ws, why):
    _, errors = apply_cpu_windows(lines(*text), ws)
    assert len(errors) == 1 and why in errors[0], errors


def test_halted_time_lets_the_cpus_count_less_than_the_tsc():
    """A CPU executed hlt in the window: every CPU may have been halted at once for a while, which
    the TSC counts and no CPU does."""
    out, errors = apply_cpu_windows(lines("BENCH a.b iterations=1 insns=1000 baseline=0 cpu=0"),
                                    [CpuWindow(0, 0, (300, 200), (1, 0))])
    assert errors == [] and out[0].insns_per_op == 300.0


# -- scaling ---------------------------------------------------------------------------------------
def records_of(**figures):
    return [{"name": n.replace("_", "."), "insns_per_op": f} for n, f in figures.items()]


def test_scaling_is_k1_over_kn_within_ten_percent():
    s = bench.scaling(records_of(lwkt_scale_k1=8000.0, lwkt_scale_k2=4100.0, lwkt_scale_k4=2300.0,
                                 other_k2=1.0))
    assert [(x.group, x.k) for x in s] == [("lwkt.scale", 2), ("lwkt.scale", 4)]
    assert s[0].speedup == pytest.approx(8000 / 4100) and s[0].ok and s[0].enforced
    assert not s[1].ok                                  # 3.48x: 13% short of 4x
    assert "not within 10% of 4x" in str(s[1])


def test_superlinear_scaling_is_suspicious_too():
    (s,) = bench.scaling(records_of(a_scale_k1=8000.0, a_scale_k2=3000.0))
    assert not s.ok


def test_a_report_only_group_is_reported_not_enforced(monkeypatch):
    monkeypatch.setattr(bench, "REPORT_ONLY_SCALING", {"proc.scale"})
    (s,) = bench.scaling(records_of(proc_scale_k1=8192.1, proc_scale_k2=8196.7))
    assert not s.ok and not s.enforced and "reported, not checked" in str(s)


def test_proc_scale_is_enforced_now_that_vcpus_spread():
    (s,) = bench.scaling(records_of(proc_scale_k1=8192.1, proc_scale_k2=8196.7))
    assert not s.ok and s.enforced


def test_scaling_needs_the_k1_figure():
    assert bench.scaling(records_of(lwkt_scale_k2=4000.0, lwkt_scale_k4=2000.0)) == []


# -- a run with a scripted machine and counter ---------------------------------------------------
@pytest.fixture
def counter(monkeypatch, tmp_path):
    """counter(text): the per-CPU counter is loaded, and what it writes is text."""
    out = tmp_path / "benchy.cpus"

    def script(text):
        def args(kernel, programs, workdir, name):
            out.write_text(text)
            return ["-plugin", "cpus.so"], out
        monkeypatch.setattr(bench.windows_mod, "counter_args", args)
    return script


def test_a_run_reports_the_counted_cpu_and_loads_the_counter(guest, counter, outputs, tmp_path):
    guest(["BENCH lwkt.switch iterations=10 insns=1000 baseline=0",
           "BENCH lwkt.scale.k2 iterations=2 insns=1000 baseline=0 cpu=max"])
    counter(counter_output("window 0 0 400,600 0,1", cpus=2))
    records = run_bench(make_image(tmp_path), outputs, tmp_path)
    assert [(r["name"], r["insns_per_op"], r.get(bench.COUNTED)) for r in records] == [
        ("lwkt.switch", 100.0, None), ("lwkt.scale.k2", 300.0, "max (cpu1)")]
    assert FakeMachine.started[0].config.extra_args[-2:] == ["-plugin", "cpus.so"]
    assert json.loads(bench.to_json(records))[1]["counted"] == "max (cpu1)"


def test_a_run_whose_lines_and_windows_disagree_is_an_error(guest, counter, outputs, tmp_path):
    guest(["BENCH lwkt.scale.k2 iterations=2 insns=1000 baseline=0 cpu=max"])
    counter(counter_output(cpus=2))
    with pytest.raises(BenchError, match="but 0 per-CPU window"):
        run_bench(make_image(tmp_path), outputs, tmp_path)


def test_per_cpu_lines_without_any_per_cpu_window_are_an_error(guest, outputs, tmp_path):
    guest(["BENCH lwkt.scale.k2 iterations=2 insns=1000 baseline=0 cpu=0"])
    with pytest.raises(BenchError, match="no per-CPU window"):
        run_bench(make_image(tmp_path), outputs, tmp_path)
