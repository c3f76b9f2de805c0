"""`invoke profile` on real runs: a profile's total is the benchmark's own figure, exactly; two
processes at one address are told apart; and a program of known instruction counts
(userland/bench/profile_known.c) is attributed function by function, module by module, stack by
stack."""
from __future__ import annotations

import pytest

from toolchain import build as build_mod
from toolchain.bench import run_bench
from toolchain.machine import MachineConfig
from toolchain.image import Image, build_image, load_image
from toolchain.profile.run import profile_benchmark

pytestmark = pytest.mark.qemu

LEAF = 202              # known_leaf: mov, 100 x (dec, jnz), ret
ROUNDS = 100            # profile_known.c


@pytest.fixture(scope="module")
def bench_image(outputs) -> Image:
    image = load_image("bench")
    build_image(image, outputs)
    return image


def by_function(prof) -> dict[tuple[str, str], tuple[int, int]]:
    return {(r.function, r.module): (r.self_count, r.total_count) for r in prof.functions}


def stacks(prof) -> dict[tuple[str, ...], int]:
    return {tuple(prof.frames[i]["function"] for i in ids): n for ids, n in prof.stacks}


def test_total_is_the_bench_figure_and_the_plugin_changes_nothing(outputs, bench_image, tmp_path):
    """syscall.null.sync: is every instruction of the TSC difference counted, once, and is the
    figure the same as without the plugin?"""
    prof = profile_benchmark(bench_image, outputs, "syscall.null.sync", tmp_path / "profile")
    assert prof.counted == prof.insns and prof.halted == 0 and not prof.notes
    assert sum(r.self_count for r in prof.functions) == prof.insns
    assert sum(n for _, n in prof.stacks) == prof.insns
    plain = run_bench(bench_image, outputs, tmp_path / "plain", "syscall.null.sync")
    assert plain[0]["insns_per_op"] == prof.figure
    modules = {r.module for r in prof.functions if r.self_count}
    assert modules == {"kernel", "libcr", "bench_syscall"}
    assert by_function(prof)[("null_sync", "bench_syscall")][1] == prof.insns   # the window is its loop
    # The system call's kernel side is counted under the trap it came through.
    kernel = sum(r.self_count for r in prof.functions if r.module == "kernel")
    trapped = sum(n for st, n in stacks(prof).items() if "null_sync" in st and "syscall_entry" in st)
    assert kernel == trapped > 0


def test_two_processes_at_one_address_are_told_apart(outputs, bench_image, tmp_path):
    """proc.pipe.pingpong runs bench_syscall and pipe_echo, both linked at 0x40000000: each one's
    code is its own, and each side's libcr read and write cost the same per call."""
    prof = profile_benchmark(bench_image, outputs, "proc.pipe.pingpong", tmp_path)
    assert prof.counted == prof.insns and not prof.notes
    rows = {(r.function, r.module, r.program): r for r in prof.functions}
    assert ("main", "pipe_echo", "pipe_echo") in rows
    assert any(module == "bench_syscall" for _, module, _ in rows)
    for fn in ("read", "write"):
        mine, theirs = rows[(fn, "libcr", "bench_syscall")], rows[(fn, "libcr", "pipe_echo")]
        assert mine.self_count == theirs.self_count > 0
    # Each round trip is one write and one read on each side: half the window is each process's.
    echo = rows[("main", "pipe_echo", "pipe_echo")].total_count
    assert abs(echo - prof.insns / 2) < prof.insns / 100


def test_known_program_is_attributed_exactly(outputs, tmp_path):
    """profile_known: known_leaf runs 3 x 202 instructions a round, known_caller 3 of its own and
    404 in all; libcr's cr_null and the kernel's trap path are counted under it."""
    image = Image(name="profknown", path=build_mod.ROOT / "images" / "profknown.toml",
                  description="profile_known", cmdline="kbench=profile.known init=profile_known",
                  programs=["profile_known"], machine=MachineConfig(deterministic=True, timeout=60))
    build_image(image, outputs)
    prof = profile_benchmark(image, outputs, "profile.known", tmp_path)
    assert prof.counted == prof.insns and prof.iterations == ROUNDS and not prof.notes
    rows = by_function(prof)
    assert rows[("known_leaf", "profile_known")] == (3 * LEAF * ROUNDS, 3 * LEAF * ROUNDS)
    assert rows[("known_caller", "profile_known")] == (3 * ROUNDS, (3 + 2 * LEAF) * ROUNDS)
    assert rows[("main", "profile_known")][1] == prof.insns
    assert rows[("cr_null", "libcr")][0] > 0 and rows[("sys_null", "kernel")][0] > 0
    s = stacks(prof)
    assert s[("_start", "__libcr_start", "main", "known_caller", "known_leaf")] == 2 * LEAF * ROUNDS
    assert s[("_start", "__libcr_start", "main", "known_leaf")] == LEAF * ROUNDS
    kernel = sum(r.self_count for r in prof.functions if r.module == "kernel")
    under_null = sum(n for st, n in s.items() if st[:4] == ("_start", "__libcr_start", "main", "cr_null")
                     and "syscall_entry" in st)
    assert kernel == under_null > 0
