"""The fuzzer's host side (toolchain/fuzz.py) reads the guest's FUZZ lines without QEMU."""
from __future__ import annotations

from toolchain.fuzz import FuzzRun, parse_line


def feed(lines: list[str], seed: int = 42, steps: int = 30_000) -> FuzzRun:
    run = FuzzRun(seed, steps)
    for line in lines:
        parse_line(run, line)
    return run


def test_a_passing_run_counts_messages_and_progress():
    """Do the worker lines add up to the messages sent, and does PASS make the run pass?"""
    run = feed(["FUZZ start seed=42 steps=30000 first=0 chunk=10000",
                "FUZZ worker steps=10000 messages=20500 sync=1 async=2",
                "FUZZ progress 10000/30000",
                "FUZZ worker steps=10000 messages=20100 sync=1 async=2",
                "FUZZ progress 20000/30000",
                "kernel chatter in between",
                "FUZZ worker steps=10000 messages=20000 sync=1 async=2",
                "FUZZ progress 30000/30000",
                "FUZZ PASS seed=42 steps=30000: every kstat counter is back where it started"])
    assert run.passed and run.done == 30_000 and run.messages == 60_600 and not run.failures


def test_a_failure_names_its_step_and_replays_from_its_chunk_start():
    """Does the first FAIL give the step, and the replay command run that chunk up to that step?"""
    run = feed(["FUZZ start seed=42 steps=30000 first=0 chunk=10000",
                "FUZZ progress 10000/30000",
                "FUZZ FAIL seed=42 step=13456: call 6 answered 9, not one of its errors",
                "FUZZ FAIL seed=42 step=10000: the worker for steps 10000..19999 ended with status 1",
                "FUZZ PASS seed=42 steps=30000: never printed after a failure, but if it were"])
    assert not run.passed
    assert run.fail_step == 13_456 and run.failure == "call 6 answered 9, not one of its errors"
    assert run.replay_command() == "invoke fuzz --seed 42 --first 10000 --count 3457 --trace"


def test_the_chunk_size_comes_from_the_guest():
    """A guest with another chunk size: does the replay start at that chunk's first step?"""
    run = feed(["FUZZ start seed=1 steps=100 first=0 chunk=25",
                "FUZZ FAIL seed=1 step=60: the kernel leaked in steps 50..74: ks_files 3 -> 4"], seed=1)
    assert run.replay_command() == "invoke fuzz --seed 1 --first 50 --count 11 --trace"
